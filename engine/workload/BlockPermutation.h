// A pseudo-random order of the blocks 0..count-1 in O(1) memory (fio's random map without the
// map): a keyed Feistel network over the next even power of two, walked until it lands in range.
// One pass of a random workload then touches every block exactly once.
#pragma once

#include <cstdint>

namespace cryptstack {

class BlockPermutation
{
public:
    BlockPermutation(uint64_t count, uint64_t seed);

    // The block at position index (< count) of this pass.
    uint64_t at(uint64_t index) const;

private:
    uint64_t round(uint64_t half, int step) const;
    uint64_t encrypt(uint64_t value) const;

    static constexpr int Rounds = 4;
    uint64_t m_count;
    unsigned m_halfBits = 1;
    uint64_t m_halfMask = 1;
    uint64_t m_keys[Rounds];
};

} // namespace cryptstack
