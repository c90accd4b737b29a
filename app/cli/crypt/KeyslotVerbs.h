// Pieces the keyslot verbs (luksAddKey, luksChangeKey, luksFormat) share.
#pragma once

#include "VolumeOptions.h"

namespace cryptstack::cli {

// --keyslot-cipher / --keyslot-key-size (LUKS2 only), -S and the PBKDF options as
// AddKeyslotOptions.
QList<OptionSpec> keyslotCipherOptions();
Result<AddKeyslotOptions> addKeyslotOptions(const ArgParser& arguments, const LuksVolume* volume);

} // namespace cryptstack::cli
