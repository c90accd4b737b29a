// mode(cipher) through a libgcrypt cipher handle.
#include "crypt/GcryptSectorCipher.h"

#include "crypt/GcryptLibrary.h"

#include <gcrypt.h>
#include <openssl/crypto.h>

namespace cryptstack {

Result<std::unique_ptr<GcryptSectorCipher>> GcryptSectorCipher::create(int algorithm, int mode,
                                                                       std::span<const uint8_t> key)
{
    GcryptLibrary::ensureInitialised();
    std::unique_ptr<GcryptSectorCipher> result(new GcryptSectorCipher);
    result->m_algorithm = algorithm;
    result->m_mode = mode;
    result->m_blockSize = gcry_cipher_get_algo_blklen(algorithm);
    result->m_ivSize = mode == GCRY_CIPHER_MODE_ECB   ? 0
                       : mode == GCRY_CIPHER_MODE_XTS ? 16
                                                      : result->m_blockSize;
    if (gcry_cipher_open(&result->m_handle, algorithm, mode, 0) != 0) {
        result->m_handle = nullptr;
        return Status(ErrorCode::NotSupported, QStringLiteral("libgcrypt cannot open %1 in mode %2")
                                                   .arg(QLatin1String(gcry_cipher_algo_name(algorithm)))
                                                   .arg(mode));
    }
    // The kernel accepts DES-weak and degenerate 3DES keys unless asked not to; so do we. libgcrypt then
    // still reports GPG_ERR_WEAK_KEY from setkey, but the key is in use.
    gcry_cipher_ctl(result->m_handle, GCRYCTL_SET_ALLOW_WEAK_KEY, nullptr, 1);
    const gcry_error_t err = gcry_cipher_setkey(result->m_handle, key.data(), key.size());
    if (err != 0 && gcry_err_code(err) != GPG_ERR_WEAK_KEY)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("libgcrypt %1 refused a %2-byte key")
                                                      .arg(QLatin1String(gcry_cipher_algo_name(algorithm)))
                                                      .arg(key.size()));
    result->m_key.assign(key.begin(), key.end());
    return result;
}

GcryptSectorCipher::~GcryptSectorCipher()
{
    // gcry_cipher_close wipes the key schedule; wipe our copy of the key as well.
    if (!m_key.empty())
        OPENSSL_cleanse(m_key.data(), m_key.size());
    if (m_handle)
        gcry_cipher_close(m_handle);
}

bool GcryptSectorCipher::setIv(const uint8_t* iv)
{
    if (m_ivSize == 0)
        return true;
    // ctr keeps its counter (and unused keystream) apart from the IV; setctr resets both.
    if (m_mode == GCRY_CIPHER_MODE_CTR)
        return gcry_cipher_setctr(m_handle, iv, m_ivSize) == 0;
    return gcry_cipher_setiv(m_handle, iv, m_ivSize) == 0;
}

bool GcryptSectorCipher::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (!setIv(iv))
        return false;
    // In place is asked for with a null input.
    return gcry_cipher_encrypt(m_handle, out, bytes, in == out ? nullptr : in, in == out ? 0 : bytes) == 0;
}

bool GcryptSectorCipher::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (!setIv(iv))
        return false;
    return gcry_cipher_decrypt(m_handle, out, bytes, in == out ? nullptr : in, in == out ? 0 : bytes) == 0;
}

std::unique_ptr<SectorCipher> GcryptSectorCipher::clone() const
{
    auto copy = create(m_algorithm, m_mode, m_key);
    if (!copy)
        return nullptr;
    return std::move(copy).value();
}

} // namespace cryptstack
