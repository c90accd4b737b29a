#include "Luks2HeaderCopy.h"

#include "HashContext.h"
#include "HeaderDevice.h"

#include <vector>

namespace cryptstack {

namespace {

Luks2HeaderCopy readCopy(const HeaderDevice& device, uint64_t offset, uint64_t hdrSize, bool secondary)
{
    Luks2HeaderCopy copy;
    copy.secondary = secondary;
    copy.offset = offset;
    if (hdrSize < luks2::Luks2BinaryHeader::Size || offset + hdrSize > device.size()) {
        copy.error =
            QStringLiteral("the header copy at offset %1 lies beyond the end of the device").arg(offset);
        return copy;
    }
    std::vector<uint8_t> bytes(hdrSize);
    if (Status status = device.read(offset, bytes); !status) {
        copy.error = status.message();
        return copy;
    }
    const std::span<const uint8_t> binary(bytes.data(), luks2::Luks2BinaryHeader::Size);
    auto header = luks2::Luks2BinaryHeader::parse(binary, offset, secondary);
    if (!header) {
        copy.error = header.message();
        return copy;
    }
    copy.parsed = true;
    copy.header = *header;
    const size_t digestBytes =
        HashContext::digestSize(QString::fromLatin1(header->checksumAlg.toLower())).value_or(0);
    copy.storedChecksum =
        QByteArray(reinterpret_cast<const char*>(header->csum.data()),
                   qsizetype(std::min(digestBytes ? digestBytes : header->csum.size(), header->csum.size())));
    const std::span<const uint8_t> jsonArea(bytes.data() + luks2::Luks2BinaryHeader::Size,
                                            bytes.size() - luks2::Luks2BinaryHeader::Size);
    if (Status status = header->verifyChecksum(binary, jsonArea); status)
        copy.checksumValid = true;
    else
        copy.checksumError = status.message();
    return copy;
}

} // namespace

std::array<Luks2HeaderCopy, 2> Luks2HeaderCopy::readBoth(const HeaderDevice& device, uint64_t hdrSize)
{
    return {readCopy(device, 0, hdrSize, false), readCopy(device, hdrSize, hdrSize, true)};
}

} // namespace cryptstack
