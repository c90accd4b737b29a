// cryptsetup 2.6.1's `convert` (LUKS2_luks1_to_luks2, LUKS2_luks2_to_luks1): the same header
// bytes, key material moves, preconditions and messages. Where cryptsetup refuses without a word
// (an unusual LUKS1 keyslot layout, a missing digest, no room for a placeholder keyslot) we refuse
// the same cases with one line saying what blocks the conversion.
//
// Every check runs before the first write. The remaining crash window is cryptsetup's own (see
// LuksConvert.cpp): while key material moves no valid header exists, so callers save the header
// area first (options.beforeWrite; the CLI writes IMAGE.before-convert-<time>).
#pragma once

#include "LuksVolume.h"

namespace cryptstack {

struct LuksConvertOptions
{
    // Runs once every check has passed, with the update lock held and before the first byte is
    // written; a failure stops the conversion with the device untouched.
    std::function<Status(const HeaderDevice& device)> beforeWrite;
};

// volume must have been loaded read-write. On success it is replaced by the converted volume.
// A refused conversion leaves it as it was; a failure after the device was handed to the new
// header's writer resets it (load the device again to see what it holds).
Status convertToLuks2(std::unique_ptr<LuksVolume>& volume, const LuksConvertOptions& options = {});
Status convertToLuks1(std::unique_ptr<LuksVolume>& volume, const LuksConvertOptions& options = {});

} // namespace cryptstack
