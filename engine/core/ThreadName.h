// The name of the calling thread for reports: its QThread object name (our stage threads), or
// else the name the system knows it by (the main thread carries the program's name).
#pragma once

#include <QString>

namespace cryptstack {

QString currentThreadName();

} // namespace cryptstack
