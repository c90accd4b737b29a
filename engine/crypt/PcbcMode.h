// Our own PCBC (as the Linux kernel's crypto/pcbc.c) over a keyed block cipher; neither OpenSSL nor
// libgcrypt has PCBC.
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class PcbcMode final : public SectorCipher
{
public:
    explicit PcbcMode(std::unique_ptr<BlockCipher> cipher);

    size_t ivSize() const override { return m_cipher->blockSize(); }
    size_t blockSize() const override { return m_cipher->blockSize(); }
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    std::unique_ptr<BlockCipher> m_cipher;
};

} // namespace cryptstack
