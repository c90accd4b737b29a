// Pieces the keyslot verbs (luksAddKey, luksChangeKey, luksFormat) share.
#pragma once

#include "VolumeOptions.h"

namespace cryptstack::cli {

// --keyslot-cipher / --keyslot-key-size (LUKS2 only), -S and the PBKDF options as
// AddKeyslotOptions.
QList<OptionSpec> keyslotCipherOptions();
// With a volume, the PBKDF options are also checked as checkPbkdfOptions does.
Result<AddKeyslotOptions> addKeyslotOptions(const ArgParser& arguments, const LuksVolume* volume);
// cryptsetup's set_pbkdf_params, before any passphrase check or write: the refusal, then
// "Failed to set pbkdf parameters." (verified).
Status checkPbkdfOptions(const KdfRequest& kdf, int luksVersion);

} // namespace cryptstack::cli
