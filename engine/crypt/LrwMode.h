// Our own LRW (as the Linux kernel's crypto/lrw.c, "LRW-32-AES" of IEEE P1619 drafts) over a
// keyed 128-bit block cipher; neither OpenSSL nor libgcrypt has LRW.
#pragma once

#include "crypt/CipherBackend.h"

#include <array>

namespace cryptstack {

class LrwMode final : public SectorCipher
{
public:
    using Block = std::array<uint8_t, 16>;

    // data is keyed with the key minus its last 16 bytes; tweakKey is those last 16 bytes.
    LrwMode(std::unique_ptr<BlockCipher> data, std::span<const uint8_t, 16> tweakKey);
    ~LrwMode() override;

    size_t ivSize() const override { return 16; } // the big-endian index of the first block
    size_t blockSize() const override { return 16; }
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    LrwMode() = default;
    bool run(bool encrypting, const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes);

    std::unique_ptr<BlockCipher> m_data;
    Block m_key2{};
    // m_mulInc[k] = K2 * (2^(k+1) - 1): the tweak difference when the index's k trailing one bits
    // (and the zero above them) flip on increment.
    std::array<Block, 128> m_mulInc{};
    std::vector<uint8_t> m_tweaks; // tweaks reveal K2 (T = I * K2 with I public): wiped on release
};

} // namespace cryptstack
