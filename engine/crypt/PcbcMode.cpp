// Our own PCBC over a BlockCipher: C_j = E(P_j ^ V_j), P_j = D(C_j) ^ V_j, V_0 = IV, V_{j+1} = P_j ^ C_j.
// Each block depends on the previous one in both directions, so it runs block by block.
#include "crypt/PcbcMode.h"

#include <cstring>

namespace cryptstack {

namespace {
constexpr size_t kMaxBlock = 16;
}

PcbcMode::PcbcMode(std::unique_ptr<BlockCipher> cipher) : m_cipher(std::move(cipher))
{
    Q_ASSERT(m_cipher->blockSize() <= kMaxBlock);
}

bool PcbcMode::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    const size_t bs = m_cipher->blockSize();
    if (bytes % bs != 0)
        return false;
    uint8_t v[kMaxBlock];
    uint8_t p[kMaxBlock]; // the plaintext block, kept because out may be in
    std::memcpy(v, iv, bs);
    for (size_t off = 0; off < bytes; off += bs) {
        std::memcpy(p, in + off, bs);
        for (size_t i = 0; i < bs; ++i)
            v[i] ^= p[i];
        m_cipher->encrypt(v, out + off, bs);
        for (size_t i = 0; i < bs; ++i)
            v[i] = p[i] ^ out[off + i];
    }
    return true;
}

bool PcbcMode::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
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
        for (size_t i = 0; i < bs; ++i) {
            out[off + i] ^= v[i];
            v[i] = out[off + i] ^ c[i];
        }
    }
    return true;
}

std::unique_ptr<SectorCipher> PcbcMode::clone() const
{
    auto cipher = m_cipher->clone();
    if (!cipher)
        return nullptr;
    return std::make_unique<PcbcMode>(std::move(cipher));
}

} // namespace cryptstack
