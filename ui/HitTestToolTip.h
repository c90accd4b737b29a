// Tooltips for widgets that paint many items themselves (the layout and entropy maps): the text
// depends on what lies under the pointer, so it is asked for when Qt asks to show a tooltip.
#pragma once

#include <QPoint>
#include <QString>

#include <functional>

class QEvent;
class QWidget;

namespace cryptstack {

// If event is a tooltip request, shows textAt(its position) next to the pointer (hiding any
// tooltip when the text is empty) and returns true; otherwise returns false, and the widget
// handles the event as usual.
bool showHitTestToolTip(QWidget* widget, QEvent* event, const std::function<QString(const QPoint&)>& textAt);

} // namespace cryptstack
