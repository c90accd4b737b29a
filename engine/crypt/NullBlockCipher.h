// The kernel's cipher_null: a 1-byte-block "cipher" with an empty key that copies its input.
#pragma once

#include "crypt/CipherBackend.h"

namespace cryptstack {

class NullBlockCipher final : public BlockCipher
{
public:
    size_t blockSize() const override { return 1; }
    void encrypt(const uint8_t* in, uint8_t* out, size_t bytes) override;
    void decrypt(const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<BlockCipher> clone() const override { return std::make_unique<NullBlockCipher>(); }
};

} // namespace cryptstack
