// One data sector of a volume decrypted for the GUI's sector inspector, with the facts that show
// how dm-crypt treated it: the ciphertext as stored, the IV the volume's IV generator produced for
// it and the plaintext. The decryption runs through the crypt target's own CipherSetBuilder and
// CipherSet, so the inspector shows exactly what a mapping would read.
#pragma once

#include "core/Result.h"
#include "crypt/SecureBuffer.h"
#include "formats/LuksVolume.h"

#include <QByteArray>
#include <QString>

namespace cryptstack {

class HeaderDevice;

struct InspectedSector
{
    uint64_t sector = 0; // in sectorSize units from the start of the data segment
    unsigned sectorSize = 512;
    uint64_t imageOffset = 0; // byte offset of the sector in the image
    uint64_t sector512 = 0;   // the target-relative 512-byte sector (what dm-crypt counts)
    uint64_t ivOffset = 0;    // iv_offset (512-byte units)
    bool ivLargeSectors = false;
    uint64_t ivSector = 0; // the number handed to the IV generator
    QString cipherSpec;    // e.g. aes-xts-plain64
    QString cipher;        // aes
    QString chainMode;     // xts
    QString ivMode;        // plain64; empty when the mode takes no IV (ecb)
    QString ivOptions;     // essiv's hash, …
    unsigned keyCount = 1;
    unsigned transform = 0; // which of the keyCount keys the sector used
    QByteArray ciphertext;
    QByteArray iv; // as generate() filled it before decryption (lmk/tcw/elephant add a post step)
    QByteArray plaintext;
};

namespace SectorInspection {

// How many whole sectors of activation.sectorSize the data holds on an image of imageBytes.
uint64_t sectorCount(const CryptActivation& activation, uint64_t imageBytes);
// Reads sector `sector` of the data that starts at activation.dataOffsetSectors on device and
// decrypts it with volumeKey. A sector past the end: InvalidArgument naming the sector.
Result<InspectedSector> inspect(const HeaderDevice& device, const CryptActivation& activation,
                                const SecureBuffer& volumeKey, uint64_t sector);

} // namespace SectorInspection

} // namespace cryptstack
