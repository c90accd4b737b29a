// A small demo stack for a first start: an image file with recognisable content and a concise
// file that stacks linear mappings over it, so the window shows something real.
#pragma once

#include "core/Result.h"

#include <QString>

namespace cryptstack {

// Creates demo.img and demo.concise in the directory unless they exist; returns the concise
// file's path.
Result<QString> ensureDemoStack(const QString& directory);

} // namespace cryptstack
