// The crypt queues' live metrics of a device, as text for people or JSON for scripts.
#pragma once

#include "core/Result.h"
#include "dm/DeviceRegistry.h"

namespace cryptstack::cli {

Result<QString> statsReport(const DeviceRegistry& registry, const QString& name, bool json);
// The per-bio trace of a crypt device: each piece's stages with times relative to its map.
Result<QString> traceReport(const DeviceRegistry& registry, const QString& name, bool json);

} // namespace cryptstack::cli
