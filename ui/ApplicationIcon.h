// The application's icon, drawn from resources/cryptstack.svg (compiled into the binary). Needs
// Qt's SVG plugins at run time (Debian: libqt6svg6); without them nothing is drawn and windows
// show the platform's default icon.
#pragma once

#include <QIcon>

namespace cryptstack {

QIcon applicationIcon();

} // namespace cryptstack
