// mode(cipher) through one pre-fetched OpenSSL EVP cipher, one keyed context per direction.
#include "crypt/OpenSslSectorCipher.h"

#include "crypt/OpenSslLibrary.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>

namespace cryptstack {

namespace {

EVP_CIPHER_CTX* keyedContext(const EVP_CIPHER* cipher, std::span<const uint8_t> key, int enc)
{
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return nullptr;
    // Variable-length ciphers (blowfish, cast5) take the key length before the key.
    const bool ok = EVP_CipherInit_ex2(ctx, cipher, nullptr, nullptr, enc, nullptr) == 1 &&
                    (static_cast<size_t>(EVP_CIPHER_CTX_get_key_length(ctx)) == key.size() ||
                     EVP_CIPHER_CTX_set_key_length(ctx, static_cast<int>(key.size())) == 1) &&
                    EVP_CipherInit_ex2(ctx, nullptr, key.data(), nullptr, enc, nullptr) == 1 &&
                    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    if (!ok) {
        EVP_CIPHER_CTX_free(ctx);
        ERR_clear_error();
        return nullptr;
    }
    return ctx;
}

} // namespace

Result<std::unique_ptr<OpenSslSectorCipher>>
OpenSslSectorCipher::create(const char* evpName, size_t blockSize, std::span<const uint8_t> key)
{
    const EVP_CIPHER* cipher = OpenSslLibrary::cipher(evpName);
    if (!cipher)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("OpenSSL has no cipher %1").arg(QLatin1String(evpName)));
    std::unique_ptr<OpenSslSectorCipher> result(new OpenSslSectorCipher);
    result->m_blockSize = blockSize;
    result->m_ivSize = EVP_CIPHER_get_mode(cipher) == EVP_CIPH_ECB_MODE
                           ? 0
                           : static_cast<size_t>(EVP_CIPHER_get_iv_length(cipher));
    result->m_oneUnitPerCall = EVP_CIPHER_get_mode(cipher) == EVP_CIPH_XTS_MODE;
    result->m_encrypt = keyedContext(cipher, key, 1);
    result->m_decrypt = keyedContext(cipher, key, 0);
    if (!result->m_encrypt || !result->m_decrypt)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 refused a %2-byte key").arg(QLatin1String(evpName)).arg(key.size()));
    return result;
}

OpenSslSectorCipher::~OpenSslSectorCipher()
{
    // EVP_CIPHER_CTX_free cleanses the key schedule.
    EVP_CIPHER_CTX_free(m_encrypt);
    EVP_CIPHER_CTX_free(m_decrypt);
}

bool OpenSslSectorCipher::encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return run(m_encrypt, iv, in, out, bytes);
}

bool OpenSslSectorCipher::decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes)
{
    return run(m_decrypt, iv, in, out, bytes);
}

bool OpenSslSectorCipher::run(EVP_CIPHER_CTX* ctx, const uint8_t* iv, const uint8_t* in, uint8_t* out,
                              size_t bytes)
{
    // Only the IV is reset per data unit; the key schedule stays. (Setting "iv" through
    // EVP_CIPHER_CTX_set_params is silently ignored for XTS on OpenSSL 3.0.)
    if (m_ivSize != 0 && EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, -1) != 1) {
        ERR_clear_error();
        return false;
    }
    if (m_oneUnitPerCall && bytes > static_cast<size_t>(INT_MAX))
        return false;
    constexpr size_t chunk = size_t{1} << 30; // EVP lengths are int; chaining continues across calls
    while (bytes > 0) {
        const size_t n = bytes < chunk ? bytes : chunk;
        int outLength = 0;
        if (EVP_CipherUpdate(ctx, out, &outLength, in, static_cast<int>(n)) != 1 ||
            static_cast<size_t>(outLength) != n) {
            ERR_clear_error();
            return false;
        }
        in += n;
        out += n;
        bytes -= n;
    }
    return true;
}

std::unique_ptr<SectorCipher> OpenSslSectorCipher::clone() const
{
    // Copying a keyed context keeps the key schedule and is cheaper than keying again.
    std::unique_ptr<OpenSslSectorCipher> copy(new OpenSslSectorCipher);
    copy->m_ivSize = m_ivSize;
    copy->m_blockSize = m_blockSize;
    copy->m_oneUnitPerCall = m_oneUnitPerCall;
    copy->m_encrypt = EVP_CIPHER_CTX_new();
    copy->m_decrypt = EVP_CIPHER_CTX_new();
    if (!copy->m_encrypt || !copy->m_decrypt || EVP_CIPHER_CTX_copy(copy->m_encrypt, m_encrypt) != 1 ||
        EVP_CIPHER_CTX_copy(copy->m_decrypt, m_decrypt) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return copy;
}

} // namespace cryptstack
