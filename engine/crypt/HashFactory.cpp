// HashFactory: the kernel's hash names through pre-fetched OpenSSL digests, with libgcrypt where the
// running OpenSSL lacks one (whirlpool without the legacy provider).
#include "crypt/CipherBackend.h"

#include "crypt/GcryptLibrary.h"
#include "crypt/OpenSslLibrary.h"

#include <gcrypt.h>
#include <openssl/err.h>
#include <openssl/evp.h>

namespace cryptstack::HashFactory {

namespace {

struct HashInfo
{
    const char* name;
    const char* openSslName;
    int gcryptAlgorithm;
    size_t digestSize; // wp256/wp384 are whirlpool truncated, as the kernel's wp512.c
};

constexpr HashInfo kHashes[] = {
    {"sha1", "SHA1", GCRY_MD_SHA1, 20},
    {"sha224", "SHA224", GCRY_MD_SHA224, 28},
    {"sha256", "SHA256", GCRY_MD_SHA256, 32},
    {"sha384", "SHA384", GCRY_MD_SHA384, 48},
    {"sha512", "SHA512", GCRY_MD_SHA512, 64},
    {"ripemd160", "RIPEMD160", GCRY_MD_RMD160, 20},
    {"whirlpool", "WHIRLPOOL", GCRY_MD_WHIRLPOOL, 64},
    {"wp512", "WHIRLPOOL", GCRY_MD_WHIRLPOOL, 64},
    {"wp384", "WHIRLPOOL", GCRY_MD_WHIRLPOOL, 48},
    {"wp256", "WHIRLPOOL", GCRY_MD_WHIRLPOOL, 32},
    {"md5", "MD5", GCRY_MD_MD5, 16},
    {"sm3", "SM3", GCRY_MD_SM3, 32},
};

const HashInfo* findHash(const QString& name)
{
    for (const HashInfo& info : kHashes) {
        if (name == QLatin1String(info.name))
            return &info;
    }
    return nullptr;
}

} // namespace

std::optional<size_t> digestSize(const QString& hash)
{
    const HashInfo* info = findHash(hash);
    if (!info)
        return std::nullopt;
    return info->digestSize;
}

Result<std::vector<uint8_t>> digest(const QString& hash, std::span<const uint8_t> data)
{
    const HashInfo* info = findHash(hash);
    if (!info)
        return Status(ErrorCode::NotSupported, QStringLiteral("Unknown hash \"%1\"").arg(hash));
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    if (const EVP_MD* md = OpenSslLibrary::digest(info->openSslName)) {
        unsigned int length = 0;
        if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) {
            ERR_clear_error();
            return Status(ErrorCode::NotSupported, QStringLiteral("OpenSSL failed to compute %1").arg(hash));
        }
    } else {
        GcryptLibrary::ensureInitialised();
        if (gcry_md_test_algo(info->gcryptAlgorithm) != 0)
            return Status(ErrorCode::NotSupported,
                          QStringLiteral("Neither OpenSSL nor libgcrypt provides %1").arg(hash));
        out.resize(gcry_md_get_algo_dlen(info->gcryptAlgorithm));
        gcry_md_hash_buffer(info->gcryptAlgorithm, out.data(), data.data(), data.size());
    }
    out.resize(info->digestSize);
    return out;
}

} // namespace cryptstack::HashFactory
