// What luksFormat --type luks2 passes to Luks2Volume::format (cryptsetup's crypt_format with
// struct crypt_params_luks2, plus the CLI's geometry options; reference/luks.md §5.3, §5.4).
#pragma once

#include "formats/KdfParams.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace cryptstack {

struct Luks2FormatOptions
{
    QString cipher = QStringLiteral("aes-xts-plain64"); // --cipher, dm form
    QString hash = QStringLiteral("sha256");            // --hash: digest, af and pbkdf2 hash
    // The volume-key digest's PBKDF2 (only forcedIterations and iterTimeMs matter: forced gives
    // exactly 1000 iterations, else ~125 ms worth).
    KdfRequest digestKdf;
    unsigned sectorSize = 0;                  // --sector-size; 0: chosen as §5.4
    QString uuid;                             // --uuid; empty: random
    QString label;                            // --label (≤ 47 bytes)
    QString subsystem;                        // --subsystem (≤ 47 bytes)
    std::optional<uint64_t> offsetSectors;    // --offset, 512-byte sectors
    uint64_t alignPayloadSectors = 0;         // --align-payload; 0: 1 MiB (detached: offset 0)
    uint64_t metadataSize = 0;                // --luks2-metadata-size; 0: 16384
    uint64_t keyslotsSize = 0;                // --luks2-keyslots-size; 0: derived
    bool detachedHeader = false;              // --header: the data lives on another device
    uint64_t dataDeviceBytes = 0;             // size of the data device; 0: the header device's
    uint32_t dataDeviceOptimalSectorSize = 0; // 0: the header device's optimalSectorSize()
    QString integrity;                        // --integrity: not supported (must stay empty)
    // luksFormat's sequence: no commit here; the first addKeyslot commits the header together
    // with its keyslot (seqid 3, as format + add would), so a crash before that leaves no valid
    // header instead of one that no passphrase opens. Until then the volume is only in memory.
    bool headerWithFirstKeyslot = false;
};

} // namespace cryptstack
