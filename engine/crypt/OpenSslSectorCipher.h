// mode(cipher) through an OpenSSL EVP cipher ("AES-256-XTS", "CAMELLIA-128-CBC", "BF-ECB", ...),
// keyed once, with only the IV reset per data unit.
#pragma once

#include "crypt/CipherBackend.h"

struct evp_cipher_ctx_st;

namespace cryptstack {

class OpenSslSectorCipher final : public SectorCipher
{
public:
    // evpName is OpenSSL's cipher name; blockSize is the underlying block cipher's (EVP reports 1 for
    // ctr). NotSupported if no loaded provider has the cipher, InvalidArgument if it refuses the key.
    static Result<std::unique_ptr<OpenSslSectorCipher>> create(const char* evpName, size_t blockSize,
                                                               std::span<const uint8_t> key);
    ~OpenSslSectorCipher() override;
    OpenSslSectorCipher(const OpenSslSectorCipher&) = delete;
    OpenSslSectorCipher& operator=(const OpenSslSectorCipher&) = delete;

    size_t ivSize() const override { return m_ivSize; }
    size_t blockSize() const override { return m_blockSize; }
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    OpenSslSectorCipher() = default;
    bool run(evp_cipher_ctx_st* ctx, const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes);

    // One context per direction: re-initialising a context for the other direction without the key
    // would keep the wrong key schedule (AES decryption uses the inverse schedule).
    evp_cipher_ctx_st* m_encrypt = nullptr;
    evp_cipher_ctx_st* m_decrypt = nullptr;
    size_t m_ivSize = 0;
    size_t m_blockSize = 0;
    bool m_oneUnitPerCall = false; // xts: each Update is one data unit, so it cannot be split
};

} // namespace cryptstack
