// Feistel-network block permutation.
#include "BlockPermutation.h"

namespace cryptstack {

namespace {

// splitmix64's finaliser: a cheap, well-mixing bijection on 64 bits.
uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

BlockPermutation::BlockPermutation(uint64_t count, uint64_t seed) : m_count(count == 0 ? 1 : count)
{
    while (m_halfBits < 32 && (uint64_t{1} << (2 * m_halfBits)) < m_count)
        ++m_halfBits;
    m_halfMask = (uint64_t{1} << m_halfBits) - 1;
    uint64_t key = seed;
    for (uint64_t& k : m_keys) {
        key = mix(key);
        k = key;
    }
}

uint64_t BlockPermutation::round(uint64_t half, int step) const
{
    return mix(half ^ m_keys[step]) & m_halfMask;
}

uint64_t BlockPermutation::encrypt(uint64_t value) const
{
    uint64_t left = value >> m_halfBits;
    uint64_t right = value & m_halfMask;
    for (int step = 0; step < Rounds; ++step) {
        const uint64_t next = left ^ round(right, step);
        left = right;
        right = next;
    }
    return (left << m_halfBits) | right;
}

uint64_t BlockPermutation::at(uint64_t index) const
{
    // Cycle-walking: the domain is under four times count, so this loops a few times at most on
    // average, and it ends because the walk follows a cycle that contains index itself.
    uint64_t value = encrypt(index);
    while (value >= m_count)
        value = encrypt(value);
    return value;
}

} // namespace cryptstack
