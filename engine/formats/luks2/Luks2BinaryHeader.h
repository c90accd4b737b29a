// The 4096-byte LUKS2 binary header (reference/luks.md §3.2), in host order, and its on-disk
// form. Two copies exist: the primary at offset 0 ("LUKS\xba\xbe") and the secondary at hdr_size
// ("SKUL\xba\xbe"); they differ only in magic, hdr_offset, salt and checksum.
//
//   0   magic[6]  6 version (be16)  8 hdr_size (be64)  16 seqid (be64)  24 label[48]
//   72  checksum_alg[32]  104 salt[64]  168 uuid[40]  208 subsystem[48]  256 hdr_offset (be64)
//   264 padding[184]  448 csum[64]  512 padding[3584]
#pragma once

#include "core/Result.h"

#include <QByteArray>

#include <array>
#include <cstdint>
#include <span>

namespace cryptstack::luks2 {

struct Luks2BinaryHeader
{
    static constexpr size_t Size = 4096;
    static constexpr size_t SaltSize = 64;
    static constexpr size_t CsumSize = 64;
    static constexpr size_t LabelSize = 48; // label and subsystem, NUL included
    static constexpr uint64_t MinHdrSize = 16384;
    static constexpr uint64_t MaxHdrSize = 4194304;
    // Where the secondary copy may be when the primary tells nothing (LUKS2_HDR2_OFFSETS).
    static constexpr std::array<uint64_t, 9> SecondaryOffsets = {
        0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000};

    bool secondary = false;
    uint16_t version = 2;
    uint64_t hdrSize = MinHdrSize;
    uint64_t seqid = 0;
    QByteArray label;       // at most 47 bytes
    QByteArray checksumAlg; // at most 31 bytes
    std::array<uint8_t, SaltSize> salt = {};
    QByteArray uuid;      // at most 39 bytes
    QByteArray subsystem; // at most 47 bytes
    uint64_t hdrOffset = 0;
    std::array<uint8_t, CsumSize> csum = {};

    // hdr_disk_sanity_check_pre: magic for the copy, version 2, hdr_offset equal to where it was
    // read, hdr_size within 16 KiB … 4 MiB, and a secondary sitting at its own hdr_size. Strings
    // are cut at their first NUL, as cryptsetup's hdr_from_disk does.
    static Result<Luks2BinaryHeader> parse(std::span<const uint8_t> bytes, uint64_t readOffset,
                                           bool secondary);
    // hdr_to_disk: zero padding, strings NUL-terminated, the csum field as held.
    std::array<uint8_t, Size> serialise() const;

    static bool isAllowedHdrSize(uint64_t hdrSize);
    // H_checksum_alg(binary header with zero csum || whole JSON area). NotSupported when the
    // algorithm is unknown or longer than the 64-byte field.
    static Result<QByteArray> checksum(const QByteArray& algorithm, std::span<const uint8_t> binaryHeader,
                                       std::span<const uint8_t> jsonArea);
    // Compares the stored csum with the computed one (only the digest's length counts).
    Status verifyChecksum(std::span<const uint8_t> binaryHeader, std::span<const uint8_t> jsonArea) const;
};

} // namespace cryptstack::luks2
