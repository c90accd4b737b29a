// ECB as a SectorCipher over a BlockCipher: the IV is ignored.
#include "crypt/EcbMode.h"

namespace cryptstack {

bool EcbMode::encrypt(const uint8_t*, const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (bytes % m_cipher->blockSize() != 0)
        return false;
    m_cipher->encrypt(in, out, bytes);
    return true;
}

bool EcbMode::decrypt(const uint8_t*, const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (bytes % m_cipher->blockSize() != 0)
        return false;
    m_cipher->decrypt(in, out, bytes);
    return true;
}

std::unique_ptr<SectorCipher> EcbMode::clone() const
{
    auto cipher = m_cipher->clone();
    if (!cipher)
        return nullptr;
    return std::make_unique<EcbMode>(std::move(cipher));
}

} // namespace cryptstack
