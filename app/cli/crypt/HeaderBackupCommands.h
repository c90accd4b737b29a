// Files holding header copies: created new (O_EXCL), owner read-only (0400) as cryptsetup 2.6.1
// creates header backups and volume key files (verified). luksHeaderBackup writes one on request;
// luksHeaderRestore and convert save the header area on their own before they overwrite it.
#pragma once

#include "core/Result.h"
#include "formats/HeaderDevice.h"

namespace cryptstack::cli {

// Copies bytes [0, bytes) of the device into a new file. existsMessage is the error when the
// file is already there.
Status copyToNewFile(const HeaderDevice& device, uint64_t bytes, const QString& path,
                     const QString& existsMessage, const QString& failMessage);

// Saves bytes [0, bytes) of the device to a new "<device path>.<tag>-<UTC time>" (e.g.
// tag "before-convert") and returns that file's path.
Result<QString> saveHeaderArea(const HeaderDevice& device, uint64_t bytes, const QString& tag);

} // namespace cryptstack::cli
