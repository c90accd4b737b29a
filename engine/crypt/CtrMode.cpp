// Our own CTR over a BlockCipher: keystream block j = E(IV + j), the counter being the whole block
// read as a big-endian integer (wrapping), as the kernel's ctr template.
#include "crypt/CtrMode.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

namespace cryptstack {

namespace {

constexpr size_t kChunk = 4096; // a multiple of every block size

void increment(uint8_t* counter, size_t size)
{
    for (size_t i = size; i-- > 0;) {
        if (++counter[i] != 0)
            break;
    }
}

} // namespace

CtrMode::CtrMode(std::unique_ptr<BlockCipher> cipher) : m_cipher(std::move(cipher))
{
    Q_ASSERT(m_cipher->blockSize() <= 16 && kChunk % m_cipher->blockSize() == 0);
}

CtrMode::~CtrMode()
{
    if (!m_keystream.empty())
        OPENSSL_cleanse(m_keystream.data(), m_keystream.size());
}

bool CtrMode::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    const size_t bs = m_cipher->blockSize();
    uint8_t counter[16];
    std::memcpy(counter, iv, bs);
    m_keystream.resize(kChunk);
    while (bytes > 0) {
        const size_t n = std::min(bytes, kChunk);
        const size_t blocks = (n + bs - 1) / bs;
        for (size_t b = 0; b < blocks; ++b) {
            std::memcpy(&m_keystream[b * bs], counter, bs);
            increment(counter, bs);
        }
        m_cipher->encrypt(m_keystream.data(), m_keystream.data(), blocks * bs);
        for (size_t i = 0; i < n; ++i)
            out[i] = in[i] ^ m_keystream[i];
        in += n;
        out += n;
        bytes -= n;
    }
    return true;
}

bool CtrMode::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return encrypt(iv, in, out, bytes);
}

std::unique_ptr<SectorCipher> CtrMode::clone() const
{
    auto cipher = m_cipher->clone();
    if (!cipher)
        return nullptr;
    return std::make_unique<CtrMode>(std::move(cipher));
}

} // namespace cryptstack
