// The contents of a block written in verify mode: a 32-byte header (magic, the block's byte offset
// on the device, the write's generation, a checksum) and a payload derived from offset and
// generation. A misplaced, stale or torn write and flipped bits all show when the block is read.
#pragma once

#include <QString>

#include <cstddef>
#include <cstdint>

namespace cryptstack {

class VerifyBlock
{
public:
    static constexpr uint32_t HeaderSize = 32;
    static constexpr uint64_t Magic = 0x3144414f4c575343ull; // "CSWLOAD1" in little-endian bytes

    enum class Outcome { Ok, BadMagic, WrongOffset, BadChecksum, WrongGeneration };

    struct Check
    {
        Outcome outcome = Outcome::Ok;
        uint64_t foundOffset = 0;
        uint64_t foundGeneration = 0;
    };

    // Fills size bytes (a multiple of 8, at least HeaderSize) for the block at offset.
    static void fill(std::byte* block, uint32_t size, uint64_t offset, uint64_t generation);
    // Checks a block read from offset; expectedGeneration 0 accepts any generation.
    static Check check(const std::byte* block, uint32_t size, uint64_t offset, uint64_t expectedGeneration);
    // "checksum mismatch", "offset mismatch (block says 8192)", ...
    static QString describe(const Check& check, uint64_t expectedGeneration);
};

} // namespace cryptstack
