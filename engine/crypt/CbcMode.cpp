// Our own CBC over a BlockCipher: C_j = E(P_j ^ C_{j-1}), C_{-1} = IV.
#include "crypt/CbcMode.h"

#include <cstring>

namespace cryptstack {

namespace {
constexpr size_t kMaxBlock = 16;
}

CbcMode::CbcMode(std::unique_ptr<BlockCipher> cipher) : m_cipher(std::move(cipher))
{
    Q_ASSERT(m_cipher->blockSize() <= kMaxBlock);
}

bool CbcMode::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    const size_t bs = m_cipher->blockSize();
    if (bytes % bs != 0)
        return false;
    uint8_t v[kMaxBlock];
    std::memcpy(v, iv, bs);
    for (size_t off = 0; off < bytes; off += bs) {
        for (size_t i = 0; i < bs; ++i)
            v[i] ^= in[off + i];
        m_cipher->encrypt(v, out + off, bs);
        std::memcpy(v, out + off, bs);
    }
    return true;
}

bool CbcMode::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    const size_t bs = m_cipher->blockSize();
    if (bytes % bs != 0)
        return false;
    uint8_t v[kMaxBlock];
    uint8_t c[kMaxBlock]; // the ciphertext block, kept because out may be in
    std::memcpy(v, iv, bs);
    for (size_t off = 0; off < bytes; off += bs) {
        std::memcpy(c, in + off, bs);
        m_cipher->decrypt(c, out + off, bs);
        for (size_t i = 0; i < bs; ++i)
            out[off + i] ^= v[i];
        std::memcpy(v, c, bs);
    }
    return true;
}

std::unique_ptr<SectorCipher> CbcMode::clone() const
{
    auto cipher = m_cipher->clone();
    if (!cipher)
        return nullptr;
    return std::make_unique<CbcMode>(std::move(cipher));
}

} // namespace cryptstack
