#include "InspectEntropyMap.h"

#include "HitTestToolTip.h"
#include "InspectLayoutMap.h"

#include <QPainter>

#include <algorithm>

namespace cryptstack {

InspectEntropyMap::InspectEntropyMap(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("inspectEntropyMap"));
    setAccessibleName(tr("Entropy map"));
    setAccessibleDescription(tr("One cell per block of the image, coloured by how random its bytes are"));
    setMouseTracking(true);
    QSizePolicy policy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

void InspectEntropyMap::setResult(const EntropyScanResult& result)
{
    m_result = result;
    updateGeometry();
    update();
}

void InspectEntropyMap::clear()
{
    setResult(EntropyScanResult());
}

int InspectEntropyMap::cellSize() const
{
    return std::max(3, width() / Columns);
}

int InspectEntropyMap::heightForWidth(int width) const
{
    const int cell = std::max(3, width / Columns);
    const int rows = int((m_result.cells.size() + Columns - 1) / Columns);
    return std::max(1, rows) * cell;
}

QSize InspectEntropyMap::sizeHint() const
{
    return {Columns * 8, heightForWidth(Columns * 8)};
}

QRect InspectEntropyMap::cellRect(int index) const
{
    const int cell = cellSize();
    return {(index % Columns) * cell, (index / Columns) * cell, cell, cell};
}

int InspectEntropyMap::cellAt(const QPoint& point) const
{
    if (point.x() < 0 || point.y() < 0)
        return -1;
    const int cell = cellSize();
    const int column = point.x() / cell;
    if (column >= Columns)
        return -1;
    const int index = (point.y() / cell) * Columns + column;
    return index < int(m_result.cells.size()) ? index : -1;
}

QColor InspectEntropyMap::colorFor(SectorClass kind)
{
    switch (kind) {
    case SectorClass::Zeroed:
        return QColor(0xee, 0xee, 0xee);
    case SectorClass::PlaintextLike:
        return QColor(0x3c, 0xa5, 0x5c);
    case SectorClass::Mixed:
        return QColor(0xe6, 0xb4, 0x2e);
    case SectorClass::CiphertextLike:
        return QColor(0x5b, 0x2a, 0x86);
    }
    return Qt::black;
}

QString InspectEntropyMap::className(SectorClass kind)
{
    switch (kind) {
    case SectorClass::Zeroed:
        return tr("Zeroed");
    case SectorClass::PlaintextLike:
        return tr("Plaintext-like");
    case SectorClass::Mixed:
        return tr("Mixed");
    case SectorClass::CiphertextLike:
        return tr("Ciphertext-like");
    }
    return {};
}

QString InspectEntropyMap::toolTipAt(const QPoint& point) const
{
    const int index = cellAt(point);
    if (index < 0)
        return {};
    const EntropyCell& cell = m_result.cells[size_t(index)];
    const uint64_t offset = m_result.start + uint64_t(index) * m_result.blockBytes;
    const uint64_t end = std::min(offset + m_result.blockBytes, m_result.start + m_result.length);
    QString text = tr("Block %1: bytes %2 … %3 (%4)\n%5, %6 bits/byte")
                       .arg(index)
                       .arg(offset)
                       .arg(end)
                       .arg(InspectLayoutMap::byteSize(end - offset))
                       .arg(className(cell.kind))
                       .arg(cell.bitsPerByte, 0, 'f', 2);
    if (cell.hole)
        text += u'\n' + tr("A hole in the sparse file (not read).");
    else if (cell.sampled)
        text += u'\n' + tr("Classified from samples of the block.");
    return text;
}

void InspectEntropyMap::paintEvent(QPaintEvent* event)
{
    (void)event;
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    if (m_result.cells.empty()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("No scan yet"));
        return;
    }
    for (size_t i = 0; i < m_result.cells.size(); ++i) {
        const QRect cell = cellRect(int(i));
        painter.fillRect(cell.adjusted(0, 0, cell.width() > 4 ? -1 : 0, cell.height() > 4 ? -1 : 0),
                         colorFor(m_result.cells[i].kind));
    }
}

bool InspectEntropyMap::event(QEvent* event)
{
    return showHitTestToolTip(this, event, [this](const QPoint& point) { return toolTipAt(point); }) ||
           QWidget::event(event);
}

} // namespace cryptstack
