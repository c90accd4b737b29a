// What cryptsetup's open does with a loaded LUKS volume before and after the passphrase, shared by
// the CLI (open, read, write, the shell) and the GUI's unlock dialog: the checks that refuse an
// activation, and the mapping VolumeMapper creates from the unlocked key.
#pragma once

#include "VolumeMapper.h"

namespace cryptstack::LuksActivation {

// Unmet LUKS2 requirements, then "Reduced data offset is allowed only for detached LUKS header."
// (a data offset under 8 sectors with the header in the image). Run before asking for the key.
Status check(const LuksVolume& volume, bool detachedHeader);

// The mapping of the volume's default segment over image, called name.
MappingRequest mappingRequest(const LuksVolume& volume, const QString& name, const QString& image,
                              const ActivationFlags& flags, bool useKeyring = true);

} // namespace cryptstack::LuksActivation
