// Explicit little- and big-endian stores and loads: on-disk and IV byte orders never depend on the
// host.
#pragma once

#include <cstdint>

namespace cryptstack {

inline void storeLE32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline void storeLE64(uint8_t* p, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline void storeBE64(uint8_t* p, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        p[7 - i] = static_cast<uint8_t>(v >> (8 * i));
}

inline uint32_t loadLE32(const uint8_t* p)
{
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

} // namespace cryptstack
