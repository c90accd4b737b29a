// LUKS header backups as files, shared by the CLI's luksHeaderBackup / luksHeaderRestore / convert
// and the GUI's header dialog. Backup files are created new (O_EXCL) and owner read-only (0400), as
// cryptsetup 2.6.1 creates them; a restore first saves the area it overwrites next to the image.
#pragma once

#include "LuksVolume.h"

#include <functional>

namespace cryptstack::HeaderBackup {

// Copies bytes [0, bytes) of the device into a new file. existsMessage is the error when the
// file is already there; a failed copy removes the file.
Status copyToNewFile(const HeaderDevice& device, uint64_t bytes, const QString& path,
                     const QString& existsMessage, const QString& failMessage);

// Saves bytes [0, bytes) of the device to a new "<device path>.<tag>-<UTC time>" (e.g. tag
// "before-convert") and returns that file's path.
Result<QString> saveHeaderArea(const HeaderDevice& device, uint64_t bytes, const QString& tag);

// luksHeaderBackup: the header and keyslot areas of the volume into a new file.
Status backup(const LuksVolume& volume, const QString& file);

// A checked luksHeaderRestore, ready to write once the user agreed to question.
struct RestorePlan
{
    std::unique_ptr<LuksVolume> backup;   // the backup file, loaded
    std::unique_ptr<HeaderDevice> target; // the header device, open read-write
    QString question;                     // cryptsetup's confirmation text (names the device)
    QStringList warnings;                 // what loading the current header noticed
};

// Loads the backup (it must be LUKS of type "", "luks", "luks1" or "luks2"), opens the header
// device and checks that the sizes agree as cryptsetup requires. Nothing is written.
Result<RestorePlan> planRestore(const QString& backupFile, const QString& headerPath, const QString& type);

// Saves the area about to be overwritten (IMAGE.before-restore-<time>; saved(path, bytes) is called
// before the first write), then writes the backup over the header device and syncs.
Status applyRestore(RestorePlan& plan, const std::function<void(const QString&, uint64_t)>& saved);

} // namespace cryptstack::HeaderBackup
