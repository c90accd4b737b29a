// Opening a volume inside one engine: unlock it (LUKS or plain) and map it with VolumeMapper.
// The read and write verbs map a volume for the length of one copy; the shell's "open" keeps the
// mapping until "close".
#pragma once

#include "VolumeOptions.h"

namespace cryptstack::cli {

// Parses the open options from the words, unlocks and maps IMAGE as name in the registry.
Result<std::shared_ptr<MappedDevice>> openMapped(CryptContext& context, const VolumeOptions& options,
                                                 const QString& name);

// The shell's "open IMAGE NAME [options]" and "close NAME".
Status shellOpen(CliContext& cli, const QStringList& words, bool stdinUsable);
Status shellClose(CliContext& cli, const QStringList& words);

} // namespace cryptstack::cli
