// luksFormat's sequence, shared by the CLI verb and the GUI's new-volume wizard: format the header
// in memory (headerWithFirstKeyslot), then store the first keyslot, which writes the header too. A
// first keyslot that fails leaves no LUKS header behind: every header copy's magic is zeroed, as
// cryptsetup's tools_wipe_all_signatures does.
#pragma once

#include "LuksVolume.h"
#include "luks1/Luks1FormatOptions.h"
#include "luks2/Luks2FormatOptions.h"

#include <functional>

namespace cryptstack {

struct LuksFormatRequest
{
    int version = 2; // 1 or 2
    Luks1FormatOptions luks1;
    Luks2FormatOptions luks2;
    AddKeyslotOptions keyslot; // the first keyslot (its kdf, slot number, cancel flag)
};

struct FormattedVolume
{
    std::unique_ptr<LuksVolume> volume;
    int keyslot = -1;
};

namespace LuksFormat {

// Formats the device and stores the first keyslot. warning(text) is called for each message the
// format has for the user (small keyslots area, …) before the keyslot is written.
Result<FormattedVolume> format(std::unique_ptr<HeaderDevice> device, const LuksFormatRequest& request,
                               const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                               const std::function<void(const QString&)>& warning = {});

// Zeroes the magic of every header copy (LUKS1: one; LUKS2: primary and secondary) and syncs.
void wipeSignatures(LuksVolume& volume);

} // namespace LuksFormat

} // namespace cryptstack
