#include "ApplicationIcon.h"

namespace cryptstack {

QIcon applicationIcon()
{
    return QIcon(QStringLiteral(":/cryptstack/cryptstack.svg"));
}

} // namespace cryptstack
