// A keyed block cipher made from a library's ECB sector cipher.
#include "crypt/EcbBlockCipher.h"

namespace cryptstack {

EcbBlockCipher::EcbBlockCipher(std::unique_ptr<SectorCipher> ecb) : m_ecb(std::move(ecb))
{
    Q_ASSERT(m_ecb && m_ecb->ivSize() == 0);
}

// ECB over whole blocks with a keyed context only fails on misuse (a partial block), which is why
// BlockCipher's calls return nothing.
void EcbBlockCipher::encrypt(const uint8_t* in, uint8_t* out, size_t bytes)
{
    [[maybe_unused]] const bool ok = m_ecb->encrypt(nullptr, in, out, bytes);
    Q_ASSERT(ok);
}

void EcbBlockCipher::decrypt(const uint8_t* in, uint8_t* out, size_t bytes)
{
    [[maybe_unused]] const bool ok = m_ecb->decrypt(nullptr, in, out, bytes);
    Q_ASSERT(ok);
}

std::unique_ptr<BlockCipher> EcbBlockCipher::clone() const
{
    auto ecb = m_ecb->clone();
    if (!ecb)
        return nullptr;
    return std::make_unique<EcbBlockCipher>(std::move(ecb));
}

} // namespace cryptstack
