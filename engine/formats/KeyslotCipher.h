// Encrypts and decrypts keyslot material as cryptsetup does (reference/luks.md §2.4): a dm cipher
// spec such as aes-xts-plain64 or aes-cbc-essiv:sha256, in 512-byte units whose IV sector numbers
// start at 0 at the first byte of the material. The same cipher code as the crypt target.
#pragma once

#include "core/Result.h"
#include "crypt/SecureBuffer.h"

#include <QString>

#include <memory>
#include <span>

namespace cryptstack {

class CipherSet;

class KeyslotCipher
{
public:
    // spec is the dm form ("aes-xts-plain64"), normalised first as cryptsetup does ("aes" is
    // aes-cbc-plain, "null" cipher_null-ecb, which is keyed with nothing); the key is copied into
    // locked memory. Errors: NotSupported "Cannot use <cipher>-<mode> cipher for keyslot
    // encryption." for a spec, IV mode (random, AEAD) or key length the cipher code refuses.
    static Result<KeyslotCipher> create(const QString& spec, std::span<const uint8_t> key);
    ~KeyslotCipher();
    KeyslotCipher(KeyslotCipher&&) noexcept;
    KeyslotCipher& operator=(KeyslotCipher&&) noexcept;

    // Lengths are multiples of 512; in may equal out.
    Status encrypt(std::span<const uint8_t> in, std::span<uint8_t> out);
    Status decrypt(std::span<const uint8_t> in, std::span<uint8_t> out);

private:
    explicit KeyslotCipher(std::unique_ptr<CipherSet> ciphers);
    std::unique_ptr<CipherSet> m_ciphers;
};

} // namespace cryptstack
