// --concise and --concise-file: the device stack a dm command or the shell works on, built in
// the invocation's own engine before the command runs.
#pragma once

#include "ArgParser.h"
#include "dm/DeviceRegistry.h"

namespace cryptstack::cli {

QList<OptionSpec> stackOptions();
// Builds every stack given, in order (a concise file may stack on devices given before it).
Status loadStacks(DeviceRegistry& registry, const ArgParser& arguments);

} // namespace cryptstack::cli
