#include "InspectLayoutPanel.h"

#include "InspectLayoutMap.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace cryptstack {

namespace {

// The slider works in tenths of a power of two: 0 … 120 is 1× … 4096×.
int sliderFor(double zoom)
{
    return int(std::lround(std::log2(zoom) * 10));
}

QWidget* legendEntry(LayoutRegion::Kind kind, QWidget* parent)
{
    auto* entry = new QLabel(parent);
    QPixmap swatch(12, 12);
    swatch.fill(InspectLayoutMap::colorFor(kind));
    auto* box = new QWidget(parent);
    auto* row = new QHBoxLayout(box);
    row->setContentsMargins(0, 0, 8, 0);
    entry->setPixmap(swatch);
    row->addWidget(entry);
    auto* text = new QLabel(InspectLayoutMap::kindLabel(kind), box);
    row->addWidget(text);
    return box;
}

} // namespace

InspectLayoutPanel::InspectLayoutPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("inspectLayoutPanel"));
    auto* layout = new QVBoxLayout(this);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Zoom:"), this));
    m_zoom = new QSlider(Qt::Horizontal, this);
    m_zoom->setObjectName(QStringLiteral("inspectLayoutZoom"));
    m_zoom->setAccessibleName(tr("Layout zoom"));
    m_zoom->setRange(0, 120);
    m_zoom->setToolTip(tr("Zoom into the map (Ctrl+wheel over the map does the same)"));
    controls->addWidget(m_zoom, 1);
    m_scale = new QComboBox(this);
    m_scale->setObjectName(QStringLiteral("inspectLayoutScale"));
    m_scale->setAccessibleName(tr("Layout scale"));
    m_scale->addItem(tr("Linear scale"));
    m_scale->addItem(tr("Logarithmic scale"));
    controls->addWidget(m_scale);
    m_headerOnly = new QCheckBox(tr("Header only"), this);
    m_headerOnly->setObjectName(QStringLiteral("inspectLayoutHeaderOnly"));
    m_headerOnly->setAccessibleName(tr("Show the header only"));
    controls->addWidget(m_headerOnly);
    layout->addLayout(controls);

    m_map = new InspectLayoutMap(this);
    m_scroll = new QScrollArea(this);
    m_scroll->setObjectName(QStringLiteral("inspectLayoutScroll"));
    m_scroll->setAccessibleName(tr("Layout map scroll area"));
    m_scroll->setWidget(m_map);
    m_scroll->setWidgetResizable(false);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_scroll->setMinimumHeight(m_map->minimumHeight() + m_scroll->horizontalScrollBar()->sizeHint().height() +
                               4);
    layout->addWidget(m_scroll);

    auto* legend = new QHBoxLayout;
    for (auto kind : {LayoutRegion::Kind::BinaryHeader, LayoutRegion::Kind::JsonArea,
                      LayoutRegion::Kind::KeyslotArea, LayoutRegion::Kind::Padding, LayoutRegion::Kind::Data})
        legend->addWidget(legendEntry(kind, this));
    legend->addStretch(1);
    layout->addLayout(legend);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("inspectLayoutSummary"));
    m_summary->setAccessibleName(tr("Layout summary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    layout->addStretch(1);

    connect(m_zoom, &QSlider::valueChanged, this,
            [this](int value) { m_map->setZoom(std::exp2(value / 10.0)); });
    connect(m_map, &InspectLayoutMap::zoomChanged, this, [this](double zoom) {
        const QSignalBlocker blocker(m_zoom);
        m_zoom->setValue(sliderFor(zoom));
    });
    connect(m_scale, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_map->setScale(index == 1 ? InspectLayoutMap::Scale::Logarithmic : InspectLayoutMap::Scale::Linear);
    });
    connect(m_headerOnly, &QCheckBox::toggled, m_map, &InspectLayoutMap::setHeaderOnly);
}

void InspectLayoutPanel::setDiskLayout(const DiskLayout& layout)
{
    m_map->setDiskLayout(layout);
    if (layout.regions().isEmpty()) {
        m_summary->clear();
        return;
    }
    m_summary->setText(
        tr("%1 image of %2; metadata ends at byte %3; %n region(s).", nullptr, int(layout.regions().size()))
            .arg(layout.format(), InspectLayoutMap::byteSize(layout.imageBytes()))
            .arg(layout.metadataEnd()));
}

void InspectLayoutPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    m_map->setBaseWidth(m_scroll->viewport()->width());
}

} // namespace cryptstack
