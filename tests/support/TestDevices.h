// Creating a mapped device in a test: the table's image paths are relative to the test's
// directory, and a refused table is logged with its message so a failing check says why.
#pragma once

#include "dm/DeviceRegistry.h"

namespace cryptstack::test {

std::shared_ptr<MappedDevice> createDevice(DeviceRegistry& registry, const QString& directory,
                                           const QStringList& table,
                                           const QString& name = QStringLiteral("t"));

} // namespace cryptstack::test
