#include "Luks2BinaryHeader.h"

#include "crypt/CipherBackend.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cryptstack::luks2 {

namespace {

constexpr uint8_t PrimaryMagic[6] = {'L', 'U', 'K', 'S', 0xba, 0xbe};
constexpr uint8_t SecondaryMagic[6] = {'S', 'K', 'U', 'L', 0xba, 0xbe};
constexpr size_t CsumOffset = 448;

uint64_t be64(const uint8_t* p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | p[i];
    return v;
}

void putBe64(uint8_t* p, uint64_t v)
{
    for (int i = 7; i >= 0; --i) {
        p[i] = uint8_t(v);
        v >>= 8;
    }
}

QByteArray cString(const uint8_t* p, size_t size)
{
    // The last byte is forced to NUL on read (hdr_from_disk).
    const auto* end = std::find(p, p + size - 1, uint8_t(0));
    return QByteArray(reinterpret_cast<const char*>(p), end - p);
}

void putString(uint8_t* p, size_t size, const QByteArray& text)
{
    const size_t n = std::min(size_t(text.size()), size - 1);
    std::memcpy(p, text.constData(), n);
    const qsizetype nul = text.indexOf('\0');
    if (nul >= 0 && size_t(nul) < n)
        std::memset(p + nul, 0, n - size_t(nul));
}

Status insane(const QString& what)
{
    return Status(ErrorCode::Corruption, what);
}

} // namespace

Result<Luks2BinaryHeader> Luks2BinaryHeader::parse(std::span<const uint8_t> bytes, uint64_t readOffset,
                                                   bool secondary)
{
    if (bytes.size() < Size)
        return insane(QStringLiteral("the binary header is truncated"));
    const uint8_t* p = bytes.data();
    if (std::memcmp(p, secondary ? SecondaryMagic : PrimaryMagic, 6) != 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("bad magic"));
    Luks2BinaryHeader h;
    h.secondary = secondary;
    h.version = uint16_t((p[6] << 8) | p[7]);
    if (h.version != 2)
        return insane(QStringLiteral("unsupported LUKS2 header version %1").arg(h.version));
    h.hdrSize = be64(p + 8);
    h.seqid = be64(p + 16);
    h.label = cString(p + 24, LabelSize);
    h.checksumAlg = cString(p + 72, 32);
    std::memcpy(h.salt.data(), p + 104, SaltSize);
    h.uuid = cString(p + 168, 40);
    h.subsystem = cString(p + 208, LabelSize);
    h.hdrOffset = be64(p + 256);
    std::memcpy(h.csum.data(), p + CsumOffset, CsumSize);
    if (h.hdrOffset != readOffset)
        return insane(QStringLiteral("hdr_offset %1 differs from the copy's offset %2")
                          .arg(h.hdrOffset)
                          .arg(readOffset));
    if (h.hdrSize < MinHdrSize || h.hdrSize > MaxHdrSize)
        return insane(QStringLiteral("bogus hdr_size %1").arg(h.hdrSize));
    if (secondary && readOffset != h.hdrSize)
        return insane(QStringLiteral("secondary header at %1 does not match hdr_size %2")
                          .arg(readOffset)
                          .arg(h.hdrSize));
    return h;
}

std::array<uint8_t, Luks2BinaryHeader::Size> Luks2BinaryHeader::serialise() const
{
    std::array<uint8_t, Size> out = {};
    uint8_t* p = out.data();
    std::memcpy(p, secondary ? SecondaryMagic : PrimaryMagic, 6);
    p[6] = uint8_t(version >> 8);
    p[7] = uint8_t(version);
    putBe64(p + 8, hdrSize);
    putBe64(p + 16, seqid);
    putString(p + 24, LabelSize, label);
    putString(p + 72, 32, checksumAlg);
    std::memcpy(p + 104, salt.data(), SaltSize);
    putString(p + 168, 40, uuid);
    putString(p + 208, LabelSize, subsystem);
    putBe64(p + 256, hdrOffset);
    std::memcpy(p + CsumOffset, csum.data(), CsumSize);
    return out;
}

bool Luks2BinaryHeader::isAllowedHdrSize(uint64_t hdrSize)
{
    return std::find(SecondaryOffsets.begin(), SecondaryOffsets.end(), hdrSize) != SecondaryOffsets.end();
}

Result<QByteArray> Luks2BinaryHeader::checksum(const QByteArray& algorithm,
                                               std::span<const uint8_t> binaryHeader,
                                               std::span<const uint8_t> jsonArea)
{
    const QString name = QString::fromLatin1(algorithm);
    const std::optional<size_t> size = HashFactory::digestSize(name);
    if (!size || *size > CsumSize)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("unsupported checksum algorithm \"%1\"").arg(name));
    std::vector<uint8_t> data(binaryHeader.begin(), binaryHeader.end());
    std::fill_n(data.begin() + CsumOffset, CsumSize, uint8_t(0));
    data.insert(data.end(), jsonArea.begin(), jsonArea.end());
    auto digest = HashFactory::digest(name, data);
    if (!digest)
        return digest.status();
    return QByteArray(reinterpret_cast<const char*>(digest->data()), qsizetype(digest->size()));
}

Status Luks2BinaryHeader::verifyChecksum(std::span<const uint8_t> binaryHeader,
                                         std::span<const uint8_t> jsonArea) const
{
    const auto computed = checksum(checksumAlg, binaryHeader, jsonArea);
    if (!computed)
        return computed.status();
    const auto* bytes = reinterpret_cast<const uint8_t*>(computed->constData());
    // Not secret: a plain comparison is enough.
    if (!std::equal(bytes, bytes + computed->size(), csum.data()))
        return insane(QStringLiteral("checksum mismatch"));
    return Status::ok();
}

} // namespace cryptstack::luks2
