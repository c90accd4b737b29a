// One of the two LUKS2 header copies (binary header + JSON area) read as it is on disk, for the
// inspector: the volume itself keeps only the copy it chose, but a user looking at a damaged
// header wants to see both and which checksum fails.
#pragma once

#include "luks2/Luks2BinaryHeader.h"

#include <QByteArray>
#include <QString>

#include <array>

namespace cryptstack {

class HeaderDevice;

struct Luks2HeaderCopy
{
    bool secondary = false;
    uint64_t offset = 0; // where the binary header was read
    bool parsed = false; // the binary header passed its sanity checks
    QString error;       // why not (parse or read error), else empty
    luks2::Luks2BinaryHeader header;
    bool checksumValid = false;
    QString checksumError;     // the verification's message when not valid
    QByteArray storedChecksum; // the csum field, as long as the algorithm's digest

    // Reads the primary at 0 and the secondary at hdrSize (the size the volume was loaded with).
    static std::array<Luks2HeaderCopy, 2> readBoth(const HeaderDevice& device, uint64_t hdrSize);
};

} // namespace cryptstack
