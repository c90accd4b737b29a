// A small demo stack for a first start: an encrypted image file holding recognisable text and a
// concise file that stacks linear, crypt, delay and zero mappings over it, so the window shows
// something real.
#pragma once

#include "core/Result.h"

#include <QString>

namespace cryptstack {

// Creates demo.img and demo.concise in the directory unless both exist (the concise file holds a
// random demo key, readable by the owner only); returns the concise file's path.
Result<QString> ensureDemoStack(const QString& directory);

} // namespace cryptstack
