// The Layout tab: the layout map in a horizontally scrolling area, its zoom slider, the scale
// choice (linear or logarithmic), "header only", and a legend of the region colours.
#pragma once

#include "formats/DiskLayout.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QScrollArea;
class QSlider;

namespace cryptstack {

class InspectLayoutMap;

class InspectLayoutPanel : public QWidget
{
    Q_OBJECT

public:
    explicit InspectLayoutPanel(QWidget* parent = nullptr);

    void setDiskLayout(const DiskLayout& layout);
    InspectLayoutMap* map() const { return m_map; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    InspectLayoutMap* m_map;
    QScrollArea* m_scroll;
    QSlider* m_zoom;
    QComboBox* m_scale;
    QCheckBox* m_headerOnly;
    QLabel* m_summary;
};

} // namespace cryptstack
