#include "Luks1RawHeader.h"

#include <QtGlobal>

#include <algorithm>
#include <cstring>

namespace cryptstack {

namespace {

uint16_t loadBE16(const uint8_t* p)
{
    return uint16_t(uint16_t(p[0]) << 8 | p[1]);
}

uint32_t loadBE32(const uint8_t* p)
{
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

void storeBE16(uint8_t* p, uint16_t v)
{
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

void storeBE32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[3 - i] = uint8_t(v >> (8 * i));
}

template <typename T, size_t N> void loadBytes(std::array<T, N>& out, const uint8_t* p)
{
    std::memcpy(out.data(), p, N);
}

template <typename T, size_t N> void storeBytes(uint8_t* p, const std::array<T, N>& in)
{
    std::memcpy(p, in.data(), N);
}

} // namespace

Luks1RawHeader Luks1RawHeader::decode(std::span<const uint8_t> bytes)
{
    Q_ASSERT(bytes.size() >= SignificantBytes);
    const uint8_t* p = bytes.data();
    Luks1RawHeader h;
    loadBytes(h.magic, p);
    h.version = loadBE16(p + 6);
    loadBytes(h.cipherName, p + 8);
    loadBytes(h.cipherMode, p + 40);
    loadBytes(h.hashSpec, p + 72);
    h.payloadOffset = loadBE32(p + 104);
    h.keyBytes = loadBE32(p + 108);
    loadBytes(h.mkDigest, p + 112);
    loadBytes(h.mkDigestSalt, p + 132);
    h.mkDigestIterations = loadBE32(p + 164);
    loadBytes(h.uuid, p + 168);
    for (size_t i = 0; i < h.keyslots.size(); ++i) {
        const uint8_t* s = p + 208 + 48 * i;
        Luks1RawKeyslot& slot = h.keyslots[i];
        slot.active = loadBE32(s);
        slot.passwordIterations = loadBE32(s + 4);
        loadBytes(slot.passwordSalt, s + 8);
        slot.keyMaterialOffset = loadBE32(s + 40);
        slot.stripes = loadBE32(s + 44);
    }
    return h;
}

std::array<uint8_t, Luks1RawHeader::DiskBytes> Luks1RawHeader::encode() const
{
    std::array<uint8_t, DiskBytes> out{};
    uint8_t* p = out.data();
    storeBytes(p, magic);
    storeBE16(p + 6, version);
    storeBytes(p + 8, cipherName);
    storeBytes(p + 40, cipherMode);
    storeBytes(p + 72, hashSpec);
    storeBE32(p + 104, payloadOffset);
    storeBE32(p + 108, keyBytes);
    storeBytes(p + 112, mkDigest);
    storeBytes(p + 132, mkDigestSalt);
    storeBE32(p + 164, mkDigestIterations);
    storeBytes(p + 168, uuid);
    for (size_t i = 0; i < keyslots.size(); ++i) {
        uint8_t* s = p + 208 + 48 * i;
        const Luks1RawKeyslot& slot = keyslots[i];
        storeBE32(s, slot.active);
        storeBE32(s + 4, slot.passwordIterations);
        storeBytes(s + 8, slot.passwordSalt);
        storeBE32(s + 40, slot.keyMaterialOffset);
        storeBE32(s + 44, slot.stripes);
    }
    return out;
}

} // namespace cryptstack
