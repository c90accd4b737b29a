// mode(cipher) through a libgcrypt cipher handle (serpent, twofish, and the xts/ctr combinations
// OpenSSL 3.0 lacks), keyed once, with only the IV or counter reset per data unit.
#pragma once

#include "crypt/CipherBackend.h"

#include <vector>

struct gcry_cipher_handle;

namespace cryptstack {

class GcryptSectorCipher final : public SectorCipher
{
public:
    // algorithm is a GCRY_CIPHER_* value, mode a GCRY_CIPHER_MODE_* value (ecb, cbc, ctr or xts).
    // InvalidArgument if libgcrypt refuses the key, NotSupported if it cannot open the combination.
    static Result<std::unique_ptr<GcryptSectorCipher>> create(int algorithm, int mode,
                                                              std::span<const uint8_t> key);
    ~GcryptSectorCipher() override;
    GcryptSectorCipher(const GcryptSectorCipher&) = delete;
    GcryptSectorCipher& operator=(const GcryptSectorCipher&) = delete;

    size_t ivSize() const override { return m_ivSize; }
    size_t blockSize() const override { return m_blockSize; }
    bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) override;
    std::unique_ptr<SectorCipher> clone() const override;

private:
    GcryptSectorCipher() = default;
    bool setIv(const uint8_t* iv);

    gcry_cipher_handle* m_handle = nullptr;
    int m_algorithm = 0;
    int m_mode = 0;
    size_t m_blockSize = 0;
    size_t m_ivSize = 0;
    // libgcrypt cannot duplicate a handle, so clone() keys a new one from this copy (wiped on release).
    std::vector<uint8_t> m_key;
};

} // namespace cryptstack
