// ECB as a SectorCipher over a keyed block cipher, for cipher_null and our own Twofish-192 (libraries'
// ECB is used for the other ciphers).
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class EcbMode final : public SectorCipher
{
public:
    explicit EcbMode(std::unique_ptr<BlockCipher> cipher) : m_cipher(std::move(cipher)) {}

    size_t ivSize() const override { return 0; }
    size_t blockSize() const override { return m_cipher->blockSize(); }
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    std::unique_ptr<BlockCipher> m_cipher;
};

} // namespace cryptstack
