// Our own Twofish block cipher (Schneier et al., 1998) for 16-, 24- and 32-byte keys: libgcrypt has no
// 192-bit Twofish and OpenSSL no Twofish at all, but the kernel accepts all three key sizes.
#pragma once

#include "crypt/CipherBackend.h"

#include <array>

namespace cryptstack {

class TwofishBlockCipher final : public BlockCipher
{
public:
    // key has 16, 24 or 32 bytes (the caller checks; the kernel's twofish takes no other size).
    explicit TwofishBlockCipher(std::span<const uint8_t> key);
    ~TwofishBlockCipher() override;
    TwofishBlockCipher(const TwofishBlockCipher&) = default;
    TwofishBlockCipher& operator=(const TwofishBlockCipher&) = delete;

    static bool keySizeSupported(size_t bytes) { return bytes == 16 || bytes == 24 || bytes == 32; }

    size_t blockSize() const override { return 16; }
    void encrypt(const uint8_t* in, uint8_t* out, size_t bytes) override;
    void decrypt(const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<BlockCipher> clone() const override;

private:
    uint32_t g(uint32_t x) const;

    std::array<uint32_t, 40> m_subkeys{};
    // The key-dependent S-boxes already multiplied by their MDS column: g() is four lookups.
    std::array<std::array<uint32_t, 256>, 4> m_sbox{};
};

} // namespace cryptstack
