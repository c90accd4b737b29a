#include "HitTestToolTip.h"

#include <QHelpEvent>
#include <QToolTip>

namespace cryptstack {

bool showHitTestToolTip(QWidget* widget, QEvent* event, const std::function<QString(const QPoint&)>& textAt)
{
    if (event->type() != QEvent::ToolTip)
        return false;
    auto* help = static_cast<QHelpEvent*>(event);
    const QString text = textAt(help->pos());
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(help->globalPos(), text, widget);
    return true;
}

} // namespace cryptstack
