// Verify-mode block layout, fill and check.
#include "VerifyBlock.h"

#include "core/Endian.h"

namespace cryptstack {

namespace {

constexpr uint64_t Prime1 = 0x9e3779b185ebca87ull;
constexpr uint64_t Prime2 = 0xc2b2ae3d27d4eb4full;

uint64_t loadLE64(const std::byte* p)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
        value = (value << 8) | static_cast<uint8_t>(p[i]);
    return value;
}

uint64_t rotl(uint64_t x, int bits)
{
    return (x << bits) | (x >> (64 - bits));
}

uint64_t splitmix(uint64_t& state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// An xxHash64-style word hash over offset, generation and payload: not cryptographic, but every
// bit of the input reaches every bit of the result.
uint64_t checksum(const std::byte* payload, uint32_t bytes, uint64_t offset, uint64_t generation)
{
    uint64_t h = rotl(offset * Prime2, 31) * Prime1 ^ rotl(generation * Prime1, 27) * Prime2;
    for (uint32_t i = 0; i < bytes; i += 8)
        h = rotl(h ^ (loadLE64(payload + i) * Prime2), 31) * Prime1;
    h ^= h >> 33;
    h *= Prime2;
    h ^= h >> 29;
    return h;
}

void storeWord(std::byte* p, uint64_t value)
{
    storeLE64(reinterpret_cast<uint8_t*>(p), value);
}

} // namespace

void VerifyBlock::fill(std::byte* block, uint32_t size, uint64_t offset, uint64_t generation)
{
    uint64_t state = offset * Prime1 ^ generation;
    for (uint32_t i = HeaderSize; i < size; i += 8)
        storeWord(block + i, splitmix(state));
    storeWord(block, Magic);
    storeWord(block + 8, offset);
    storeWord(block + 16, generation);
    storeWord(block + 24, checksum(block + HeaderSize, size - HeaderSize, offset, generation));
}

VerifyBlock::Check VerifyBlock::check(const std::byte* block, uint32_t size, uint64_t offset,
                                      uint64_t expectedGeneration)
{
    Check result;
    result.foundOffset = loadLE64(block + 8);
    result.foundGeneration = loadLE64(block + 16);
    if (loadLE64(block) != Magic)
        result.outcome = Outcome::BadMagic;
    else if (result.foundOffset != offset)
        result.outcome = Outcome::WrongOffset;
    else if (loadLE64(block + 24) !=
             checksum(block + HeaderSize, size - HeaderSize, result.foundOffset, result.foundGeneration))
        result.outcome = Outcome::BadChecksum;
    else if (expectedGeneration != 0 && result.foundGeneration != expectedGeneration)
        result.outcome = Outcome::WrongGeneration;
    return result;
}

QString VerifyBlock::describe(const Check& check, uint64_t expectedGeneration)
{
    switch (check.outcome) {
    case Outcome::Ok:
        return QStringLiteral("ok");
    case Outcome::BadMagic:
        return QStringLiteral("no verify header (bad magic)");
    case Outcome::WrongOffset:
        return QStringLiteral("offset mismatch (the block says %1)").arg(check.foundOffset);
    case Outcome::BadChecksum:
        return QStringLiteral("checksum mismatch");
    case Outcome::WrongGeneration:
        return QStringLiteral("generation mismatch (expected %1, found %2)")
            .arg(expectedGeneration)
            .arg(check.foundGeneration);
    }
    return {};
}

} // namespace cryptstack
