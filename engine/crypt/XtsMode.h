// Our own XTS (IEEE 1619) over two keyed 128-bit block ciphers, for combinations neither OpenSSL nor
// libgcrypt offers (aria-xts).
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class XtsMode final : public SectorCipher
{
public:
    // data is keyed with the first key half, tweak with the second; both have 16-byte blocks.
    XtsMode(std::unique_ptr<BlockCipher> data, std::unique_ptr<BlockCipher> tweak);

    size_t ivSize() const override { return 16; }
    size_t blockSize() const override { return 16; }
    // bytes must be a non-zero multiple of 16 (no ciphertext stealing: sectors are whole blocks).
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    bool run(bool encrypting, const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes);

    std::unique_ptr<BlockCipher> m_data;
    std::unique_ptr<BlockCipher> m_tweak;
    std::vector<uint8_t> m_tweaks; // per-block tweaks of one chunk, so the data pass is one ECB call
};

} // namespace cryptstack
