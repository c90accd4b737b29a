// Our own CBC over a keyed block cipher, for cipher_null (whose 1-byte "blocks" no library
// has) and our own Twofish-192; every other cipher uses the library's CBC.
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class CbcMode final : public SectorCipher
{
public:
    explicit CbcMode(std::unique_ptr<BlockCipher> cipher);

    size_t ivSize() const override { return m_cipher->blockSize(); }
    size_t blockSize() const override { return m_cipher->blockSize(); }
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    std::unique_ptr<BlockCipher> m_cipher;
};

} // namespace cryptstack
