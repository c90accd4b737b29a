// Classifies a block of bytes the way a person reading a hex dump would: all zeroes, text-like or
// structured (low byte entropy, mostly printable), ciphertext-like (byte entropy close to the
// 8 bits/byte that random data of that length shows), or in between. Compressed data looks like
// ciphertext too: no statistic on bytes alone can tell them apart.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace cryptstack {

enum class SectorClass { Zeroed, PlaintextLike, Mixed, CiphertextLike };

struct ByteHistogram
{
    std::array<uint64_t, 256> counts = {};
    uint64_t total = 0;

    void add(std::span<const uint8_t> bytes);
    void addZeroes(uint64_t count);
};

namespace SectorEntropy {

// Shannon entropy in bits per byte (0 … 8).
double bitsPerByte(const ByteHistogram& histogram);
// The entropy uniformly random data of this many bytes shows on average (the finite-sample
// bias: about 8 − 255 / (2·n·ln 2)), the yardstick for "ciphertext-like".
double expectedRandomBits(uint64_t bytes);
SectorClass classify(const ByteHistogram& histogram);
SectorClass classify(std::span<const uint8_t> bytes);

} // namespace SectorEntropy

} // namespace cryptstack
