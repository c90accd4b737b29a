// dmsetup's listings over a device registry: table, status, info, deps and ls [--tree], in
// dmsetup's layout, with devices named as the tables name them (never major:minor).
#pragma once

#include "core/Result.h"
#include "dm/DeviceRegistry.h"

namespace cryptstack::cli {

// With a name: that device's lines. Without: every device's lines prefixed "name: ", or
// "No devices found".
Result<QString> tableReport(const DeviceRegistry& registry, const QString& name, StatusType type,
                            bool showKeys);
Result<QString> infoReport(const DeviceRegistry& registry, const QString& name);
Result<QString> depsReport(const DeviceRegistry& registry, const QString& name);
QString lsReport(const DeviceRegistry& registry, bool tree);

} // namespace cryptstack::cli
