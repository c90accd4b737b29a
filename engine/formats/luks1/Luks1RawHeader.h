// The LUKS1 partition header exactly as it lies on disk (reference/luks.md §1.1, §1.2): byte
// arrays and big-endian integers decoded field by field, nothing checked. Luks1Header is the
// validated model; Luks1Header::fromRaw is the only way from one to the other.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace cryptstack {

struct Luks1RawKeyslot
{
    uint32_t active = 0;                    // +0
    uint32_t passwordIterations = 0;        // +4
    std::array<uint8_t, 32> passwordSalt{}; // +8
    uint32_t keyMaterialOffset = 0;         // +40, 512-byte sectors
    uint32_t stripes = 0;                   // +44
};

struct Luks1RawHeader
{
    static constexpr size_t DiskBytes = 1024; // what cryptsetup reads and writes (struct + padding)
    static constexpr size_t SignificantBytes = 592;
    static constexpr std::array<uint8_t, 6> Magic = {'L', 'U', 'K', 'S', 0xba, 0xbe};

    std::array<uint8_t, 6> magic{};            // 0
    uint16_t version = 0;                      // 6
    std::array<char, 32> cipherName{};         // 8
    std::array<char, 32> cipherMode{};         // 40
    std::array<char, 32> hashSpec{};           // 72
    uint32_t payloadOffset = 0;                // 104, 512-byte sectors
    uint32_t keyBytes = 0;                     // 108
    std::array<uint8_t, 20> mkDigest{};        // 112
    std::array<uint8_t, 32> mkDigestSalt{};    // 132
    uint32_t mkDigestIterations = 0;           // 164
    std::array<char, 40> uuid{};               // 168
    std::array<Luks1RawKeyslot, 8> keyslots{}; // 208 + 48·i

    // bytes must hold at least SignificantBytes; the padding up to 1024 is ignored.
    static Luks1RawHeader decode(std::span<const uint8_t> bytes);
    // 1024 bytes: the significant part, then zero padding (junk there is dropped, as cryptsetup does).
    std::array<uint8_t, DiskBytes> encode() const;
};

} // namespace cryptstack
