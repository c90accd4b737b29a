// The image's on-disk layout drawn to scale: one coloured band per region (DiskLayout), a colour
// per region kind. The header is tiny next to the data, so the map can show the header only, use
// a logarithmic offset scale, and be zoomed (zoom() times the visible width; Ctrl+wheel) inside a
// horizontally scrolling area. Hovering shows the region's name, offset, length and details.
#pragma once

#include "formats/DiskLayout.h"

#include <QColor>
#include <QWidget>

namespace cryptstack {

class InspectLayoutMap : public QWidget
{
    Q_OBJECT

public:
    enum class Scale { Linear, Logarithmic };

    explicit InspectLayoutMap(QWidget* parent = nullptr);

    void setDiskLayout(const DiskLayout& layout);
    const DiskLayout& diskLayout() const { return m_layout; }
    void setScale(Scale scale);
    Scale scale() const { return m_scale; }
    // Only the header structures (up to the end of the last keyslot area), stretched over the map.
    void setHeaderOnly(bool headerOnly);
    bool headerOnly() const { return m_headerOnly; }
    // 1 = the visible width; the widget grows with it inside its scroll area.
    void setZoom(double zoom);
    double zoom() const { return m_zoom; }
    // The width the map has at zoom 1 (the scroll area's viewport).
    void setBaseWidth(int width);

    // Hit test: the region drawn at x (the last one drawn wins where tiny regions share a pixel).
    const LayoutRegion* regionAtX(int x) const;
    // What the tooltip shows at this point; empty outside every region.
    QString toolTipAt(const QPoint& point) const;
    static QColor colorFor(LayoutRegion::Kind kind);
    static QString kindLabel(LayoutRegion::Kind kind);
    static QString byteSize(uint64_t bytes);

    QSize sizeHint() const override;

signals:
    void zoomChanged(double zoom);

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    // The x range [first, second) the region is drawn over, at least 2 px wide.
    std::pair<int, int> spanOf(const LayoutRegion& region) const;
    double position(uint64_t offset) const; // 0 … 1 across the map, clipped
    uint64_t viewEnd() const;
    void updateWidth();

    DiskLayout m_layout;
    Scale m_scale = Scale::Linear;
    bool m_headerOnly = false;
    double m_zoom = 1;
    int m_baseWidth = 600;
};

} // namespace cryptstack
