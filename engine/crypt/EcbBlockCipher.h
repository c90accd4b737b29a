// A keyed block cipher made from a library's ECB sector cipher (OpenSSL or libgcrypt): the
// primitive under the project's own modes and the IV generators.
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class EcbBlockCipher final : public BlockCipher
{
public:
    // ecb must have ivSize() 0 (ecb mode).
    explicit EcbBlockCipher(std::unique_ptr<SectorCipher> ecb);

    size_t blockSize() const override { return m_ecb->blockSize(); }
    void encrypt(const uint8_t* in, uint8_t* out, size_t bytes) override;
    void decrypt(const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<BlockCipher> clone() const override;

private:
    std::unique_ptr<SectorCipher> m_ecb;
};

} // namespace cryptstack
