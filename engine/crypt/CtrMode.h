// Our own CTR (as the Linux kernel's crypto/ctr.c: the whole block is a big-endian counter) over a
// keyed block cipher, for ctr(cast5) with keys libgcrypt refuses.
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class CtrMode final : public SectorCipher
{
public:
    explicit CtrMode(std::unique_ptr<BlockCipher> cipher);
    ~CtrMode() override;

    size_t ivSize() const override { return m_cipher->blockSize(); }
    size_t blockSize() const override { return m_cipher->blockSize(); }
    // Any length: a final partial block uses the start of its keystream block.
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    std::unique_ptr<BlockCipher> m_cipher;
    std::vector<uint8_t> m_keystream; // one chunk of counter blocks, encrypted with one ECB call
};

} // namespace cryptstack
