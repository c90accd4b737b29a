// The keyslot-changing verbs under a crash at every sector budget, for any LUKS version and
// geometry: each function builds the volume, runs the verb's engine sequence (as the CLI verb in
// app/cli/crypt/ calls it) through runCrashLoop, checks every survivor and records the tally.
#pragma once

#include "CrashHarness.h"

namespace cryptstack::test {

// luksAddKey: old passphrase in keyslot 0, the new one goes to keyslot 1.
void crashAddKey(const CrashVolumeSpec& spec);
// luksChangeKey without -S: the old passphrase (keyslot 0) is replaced by a new one.
void crashChangeKey(const CrashVolumeSpec& spec);
// luksRemoveKey of the passphrase in keyslot 1 while keyslot 0 holds another.
void crashRemoveKey(const CrashVolumeSpec& spec);
// luksKillSlot 0 (verified with the passphrase of keyslot 1, as the verb asks for it).
void crashKillSlot(const CrashVolumeSpec& spec);
// LUKS2 config --label --subsystem (one commit) and config --priority prefer -S 0.
void crashConfigLabels(const CrashVolumeSpec& spec);
void crashConfigPriority(const CrashVolumeSpec& spec);
// luksFormat over a patterned, non-LUKS image: no valid header, or a complete volume.
void crashFormat(const CrashVolumeSpec& spec);

} // namespace cryptstack::test
