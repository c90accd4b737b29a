// Our own XTS over a BlockCipher: T = E_K2(IV), C_j = E_K1(P_j ^ T_j) ^ T_j, T_{j+1} = T_j * x in
// GF(2^128) with the little-endian convention of IEEE 1619, Linux and OpenSSL.
#include "crypt/XtsMode.h"

#include <algorithm>
#include <cstring>

namespace cryptstack {

namespace {

constexpr size_t kChunk = 4096; // tweaks computed per chunk; one ECB call per chunk

// Multiplies the tweak by x: a 128-bit little-endian shift left, reducing by x^128 = x^7+x^2+x+1.
void timesX(uint8_t* t)
{
    const uint8_t carry = t[15] >> 7;
    for (int i = 15; i > 0; --i)
        t[i] = static_cast<uint8_t>(t[i] << 1 | t[i - 1] >> 7);
    t[0] = static_cast<uint8_t>(t[0] << 1) ^ static_cast<uint8_t>(-carry & 0x87);
}

} // namespace

XtsMode::XtsMode(std::unique_ptr<BlockCipher> data, std::unique_ptr<BlockCipher> tweak)
    : m_data(std::move(data)), m_tweak(std::move(tweak))
{
    Q_ASSERT(m_data->blockSize() == 16 && m_tweak->blockSize() == 16);
}

bool XtsMode::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return run(true, iv, in, out, bytes);
}

bool XtsMode::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return run(false, iv, in, out, bytes);
}

bool XtsMode::run(bool encrypting, const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (bytes == 0 || bytes % 16 != 0)
        return false;
    uint8_t t[16];
    m_tweak->encrypt(iv, t, 16);
    m_tweaks.resize(std::min(bytes, kChunk));
    while (bytes > 0) {
        const size_t n = std::min(bytes, kChunk);
        for (size_t i = 0; i < n; i += 16) {
            std::memcpy(&m_tweaks[i], t, 16);
            timesX(t);
        }
        for (size_t i = 0; i < n; ++i)
            out[i] = in[i] ^ m_tweaks[i];
        if (encrypting)
            m_data->encrypt(out, out, n);
        else
            m_data->decrypt(out, out, n);
        for (size_t i = 0; i < n; ++i)
            out[i] ^= m_tweaks[i];
        in += n;
        out += n;
        bytes -= n;
    }
    return true;
}

std::unique_ptr<SectorCipher> XtsMode::clone() const
{
    auto data = m_data->clone();
    auto tweak = m_tweak->clone();
    if (!data || !tweak)
        return nullptr;
    return std::make_unique<XtsMode>(std::move(data), std::move(tweak));
}

} // namespace cryptstack
