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

inline void storeBE16(uint8_t* p, uint16_t v)
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

inline void storeBE32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[3 - i] = static_cast<uint8_t>(v >> (8 * i));
}

inline uint32_t loadLE32(const uint8_t* p)
{
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

inline uint16_t loadBE16(const uint8_t* p)
{
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

inline uint32_t loadBE32(const uint8_t* p)
{
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

inline uint64_t loadBE64(const uint8_t* p)
{
    return uint64_t{loadBE32(p)} << 32 | loadBE32(p + 4);
}

} // namespace cryptstack
