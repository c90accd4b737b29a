// Our own LRW over a BlockCipher: T_j = I_j * K2 in GF(2^128) (big-endian bit and byte order, "bbe"),
// C_j = E_K1(P_j ^ T_j) ^ T_j, with I_j the 128-bit big-endian block index starting at the IV.
#include "crypt/LrwMode.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace cryptstack {

namespace {

using Block = LrwMode::Block;
constexpr size_t kChunk = 4096;

// v * x: a 128-bit big-endian shift left, reducing by x^128 = x^7+x^2+x+1.
void timesX(Block& v)
{
    const uint8_t carry = v[0] >> 7;
    for (size_t i = 0; i < 15; ++i)
        v[i] = static_cast<uint8_t>(v[i] << 1 | v[i + 1] >> 7);
    v[15] = static_cast<uint8_t>(v[15] << 1) ^ static_cast<uint8_t>(-carry & 0x87);
}

// a * b, a read as a 128-bit big-endian polynomial (bit 127 = MSB of byte 0 = x^127). Branches only
// on a, the public block index.
Block multiply(const Block& a, const Block& b)
{
    Block r{};
    for (int bit = 127; bit >= 0; --bit) {
        timesX(r);
        if ((a[15 - bit / 8] >> (bit % 8)) & 1) {
            for (size_t i = 0; i < 16; ++i)
                r[i] ^= b[i];
        }
    }
    return r;
}

// The number of trailing one bits of the big-endian index (127 for all ones, as the kernel), then
// the index plus one.
size_t incrementIndex(Block& index)
{
    size_t ones = 0;
    for (int i = 15; i >= 0; --i) {
        const uint8_t before = index[i]++;
        if (before != 0xff) {
            ones += static_cast<size_t>(std::countr_one(before));
            return ones;
        }
        ones += 8;
    }
    return 127;
}

} // namespace

LrwMode::LrwMode(std::unique_ptr<BlockCipher> data, std::span<const uint8_t, 16> tweakKey)
    : m_data(std::move(data))
{
    Q_ASSERT(m_data->blockSize() == 16);
    std::copy(tweakKey.begin(), tweakKey.end(), m_key2.begin());
    Block ones{};
    for (size_t k = 0; k < 128; ++k) {
        ones[15 - k / 8] |= static_cast<uint8_t>(1u << (k % 8));
        m_mulInc[k] = multiply(ones, m_key2);
    }
}

LrwMode::~LrwMode()
{
    OPENSSL_cleanse(m_key2.data(), m_key2.size());
    OPENSSL_cleanse(m_mulInc.data(), sizeof(m_mulInc));
    if (!m_tweaks.empty())
        OPENSSL_cleanse(m_tweaks.data(), m_tweaks.size());
}

bool LrwMode::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return run(true, iv, in, out, bytes);
}

bool LrwMode::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return run(false, iv, in, out, bytes);
}

bool LrwMode::run(bool encrypting, const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (bytes % 16 != 0)
        return false;
    Block index;
    std::memcpy(index.data(), iv, 16);
    Block t = multiply(index, m_key2);
    m_tweaks.resize(std::min(bytes, kChunk));
    while (bytes > 0) {
        const size_t n = std::min(bytes, kChunk);
        for (size_t i = 0; i < n; i += 16) {
            std::memcpy(&m_tweaks[i], t.data(), 16);
            const Block& step = m_mulInc[incrementIndex(index)];
            for (size_t b = 0; b < 16; ++b)
                t[b] ^= step[b];
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
    OPENSSL_cleanse(t.data(), t.size());
    return true;
}

std::unique_ptr<SectorCipher> LrwMode::clone() const
{
    auto data = m_data->clone();
    if (!data)
        return nullptr;
    std::unique_ptr<LrwMode> copy(new LrwMode);
    copy->m_data = std::move(data);
    copy->m_key2 = m_key2;
    copy->m_mulInc = m_mulInc;
    return copy;
}

} // namespace cryptstack
