#include "InspectLayoutMap.h"

#include "HitTestToolTip.h"

#include <QLocale>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace cryptstack {

namespace {

constexpr int BandTop = 8;
constexpr int BandHeight = 64;
constexpr double MaxZoom = 4096;

} // namespace

InspectLayoutMap::InspectLayoutMap(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("inspectLayoutMap"));
    setAccessibleName(tr("On-disk layout map"));
    setAccessibleDescription(
        tr("The image's regions drawn to scale; hover a region for its offset and length"));
    setMouseTracking(true);
    setMinimumHeight(BandTop + BandHeight + 24);
}

void InspectLayoutMap::setDiskLayout(const DiskLayout& layout)
{
    m_layout = layout;
    update();
}

void InspectLayoutMap::setScale(Scale scale)
{
    m_scale = scale;
    update();
}

void InspectLayoutMap::setHeaderOnly(bool headerOnly)
{
    m_headerOnly = headerOnly;
    update();
}

void InspectLayoutMap::setZoom(double zoom)
{
    zoom = std::clamp(zoom, 1.0, MaxZoom);
    if (zoom == m_zoom)
        return;
    m_zoom = zoom;
    updateWidth();
    emit zoomChanged(m_zoom);
}

void InspectLayoutMap::setBaseWidth(int width)
{
    m_baseWidth = std::max(100, width);
    updateWidth();
}

void InspectLayoutMap::updateWidth()
{
    setFixedWidth(int(std::min(double(m_baseWidth) * m_zoom, 1.0e7)));
    update();
}

QSize InspectLayoutMap::sizeHint() const
{
    return {int(m_baseWidth * m_zoom), BandTop + BandHeight + 24};
}

uint64_t InspectLayoutMap::viewEnd() const
{
    if (m_headerOnly) {
        // Up to the end of the last header structure: LUKS2's keyslots area is mostly free space
        // that would squeeze the header copies into a pixel.
        uint64_t end = 0;
        for (const LayoutRegion& region : m_layout.regions()) {
            if (region.kind != LayoutRegion::Kind::Padding && region.kind != LayoutRegion::Kind::Data)
                end = std::max(end, region.end());
        }
        if (end > 0)
            return end;
    }
    return std::max<uint64_t>(1, m_layout.imageBytes());
}

double InspectLayoutMap::position(uint64_t offset) const
{
    const double end = double(viewEnd());
    const double at = std::min(double(offset), end);
    if (m_scale == Scale::Logarithmic) // in 512-byte units so the first sector is not a point
        return std::log2(1 + at / 512) / std::log2(1 + end / 512);
    return at / end;
}

std::pair<int, int> InspectLayoutMap::spanOf(const LayoutRegion& region) const
{
    const int w = width();
    int left = int(std::floor(position(region.offset) * w));
    int right = int(std::ceil(position(region.end()) * w));
    if (region.offset >= viewEnd())
        return {w, w};
    if (right - left < 2)
        right = left + 2;
    return {left, right};
}

const LayoutRegion* InspectLayoutMap::regionAtX(int x) const
{
    const LayoutRegion* found = nullptr;
    for (const LayoutRegion& region : m_layout.regions()) {
        const auto [left, right] = spanOf(region);
        if (x >= left && x < right)
            found = &region;
    }
    return found;
}

QString InspectLayoutMap::byteSize(uint64_t bytes)
{
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeTraditionalFormat);
}

QString InspectLayoutMap::toolTipAt(const QPoint& point) const
{
    if (point.y() < BandTop || point.y() >= BandTop + BandHeight)
        return {};
    const LayoutRegion* region = regionAtX(point.x());
    if (!region)
        return {};
    QString text = tr("<b>%1</b><br>Offset: %2 (0x%3)<br>Length: %4 bytes (%5)")
                       .arg(region->name.toHtmlEscaped())
                       .arg(region->offset)
                       .arg(region->offset, 0, 16)
                       .arg(region->length)
                       .arg(byteSize(region->length));
    for (const QString& line : region->details)
        text += QStringLiteral("<br>") + line.toHtmlEscaped();
    return text;
}

QColor InspectLayoutMap::colorFor(LayoutRegion::Kind kind)
{
    switch (kind) {
    case LayoutRegion::Kind::BinaryHeader:
        return QColor(0xd6, 0x5f, 0x2d);
    case LayoutRegion::Kind::JsonArea:
        return QColor(0xe6, 0xb4, 0x2e);
    case LayoutRegion::Kind::KeyslotArea:
        return QColor(0x7b, 0x4f, 0xc4);
    case LayoutRegion::Kind::Padding:
        return QColor(0xcc, 0xcc, 0xcc);
    case LayoutRegion::Kind::Data:
        return QColor(0x2f, 0x7f, 0xc1);
    }
    return Qt::black;
}

QString InspectLayoutMap::kindLabel(LayoutRegion::Kind kind)
{
    switch (kind) {
    case LayoutRegion::Kind::BinaryHeader:
        return tr("Binary header");
    case LayoutRegion::Kind::JsonArea:
        return tr("JSON area");
    case LayoutRegion::Kind::KeyslotArea:
        return tr("Keyslot area");
    case LayoutRegion::Kind::Padding:
        return tr("Padding / unused");
    case LayoutRegion::Kind::Data:
        return tr("Data segment");
    }
    return {};
}

void InspectLayoutMap::paintEvent(QPaintEvent* event)
{
    (void)event;
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    if (m_layout.regions().isEmpty()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("No image loaded"));
        return;
    }
    for (const LayoutRegion& region : m_layout.regions()) {
        const auto [left, right] = spanOf(region);
        if (left >= width())
            continue;
        const QRect band(left, BandTop, right - left, BandHeight);
        painter.fillRect(band, colorFor(region.kind));
        painter.setPen(palette().color(QPalette::Base));
        painter.drawLine(band.topLeft(), band.bottomLeft());
        const QString label = region.name;
        if (painter.fontMetrics().horizontalAdvance(label) + 8 < band.width()) {
            painter.setPen(Qt::white);
            painter.drawText(band.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft, label);
        }
    }
    // Offsets at both ends of what is shown.
    painter.setPen(palette().color(QPalette::Text));
    const QRect scale(0, BandTop + BandHeight + 2, width(), 20);
    painter.drawText(scale, Qt::AlignLeft | Qt::AlignTop, QStringLiteral("0"));
    painter.drawText(scale, Qt::AlignRight | Qt::AlignTop, byteSize(viewEnd()));
}

bool InspectLayoutMap::event(QEvent* event)
{
    return showHitTestToolTip(this, event, [this](const QPoint& point) { return toolTipAt(point); }) ||
           QWidget::event(event);
}

void InspectLayoutMap::wheelEvent(QWheelEvent* event)
{
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QWidget::wheelEvent(event); // the scroll area scrolls
        return;
    }
    const double steps = event->angleDelta().y() / 120.0;
    setZoom(m_zoom * std::pow(1.25, steps));
    event->accept();
}

} // namespace cryptstack
