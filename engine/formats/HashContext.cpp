#include "HashContext.h"

#include "crypt/GcryptLibrary.h"
#include "crypt/OpenSslLibrary.h"
#include "crypt/SecureBuffer.h"

#include <gcrypt.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <cstring>

namespace cryptstack {

namespace {

struct HashInfo
{
    const char* name;        // as cryptsetup spells it
    const char* openSslName; // null: libgcrypt only
    int gcryptAlgorithm;
    size_t digestSize;
};

// cryptsetup's OpenSSL backend passes other names to OpenSSL unchanged; these are the ones LUKS
// and plain mode meet in practice.
constexpr HashInfo kHashes[] = {
    {"sha1", "SHA1", GCRY_MD_SHA1, 20},
    {"sha224", "SHA224", GCRY_MD_SHA224, 28},
    {"sha256", "SHA256", GCRY_MD_SHA256, 32},
    {"sha384", "SHA384", GCRY_MD_SHA384, 48},
    {"sha512", "SHA512", GCRY_MD_SHA512, 64},
    {"ripemd160", "RIPEMD160", GCRY_MD_RMD160, 20},
    {"whirlpool", "WHIRLPOOL", GCRY_MD_WHIRLPOOL, 64},
    {"md5", "MD5", GCRY_MD_MD5, 16},
    {"sha3-224", "SHA3-224", GCRY_MD_SHA3_224, 28},
    {"sha3-256", "SHA3-256", GCRY_MD_SHA3_256, 32},
    {"sha3-384", "SHA3-384", GCRY_MD_SHA3_384, 48},
    {"sha3-512", "SHA3-512", GCRY_MD_SHA3_512, 64},
    {"blake2b-512", "BLAKE2B-512", GCRY_MD_BLAKE2B_512, 64},
    {"blake2s-256", "BLAKE2S-256", GCRY_MD_BLAKE2S_256, 32},
    {"sm3", "SM3", GCRY_MD_SM3, 32},
    {"stribog256", nullptr, GCRY_MD_STRIBOG256, 32},
    {"stribog512", nullptr, GCRY_MD_STRIBOG512, 64},
};

const HashInfo* findHash(const QString& name)
{
    for (const HashInfo& info : kHashes) {
        if (name == QLatin1String(info.name))
            return &info;
    }
    return nullptr;
}

const EVP_MD* openSslDigest(const HashInfo& info)
{
    return info.openSslName ? OpenSslLibrary::digest(info.openSslName) : nullptr;
}

bool gcryptHas(int algorithm)
{
    GcryptLibrary::ensureInitialised();
    return gcry_md_test_algo(algorithm) == 0;
}

Status unsupported(const QString& name)
{
    return Status(ErrorCode::NotSupported, QStringLiteral("Hash algorithm %1 not supported.").arg(name));
}

} // namespace

std::optional<size_t> HashContext::digestSize(const QString& name)
{
    const HashInfo* info = findHash(name);
    if (!info || (!openSslDigest(*info) && !gcryptHas(info->gcryptAlgorithm)))
        return std::nullopt;
    return info->digestSize;
}

Result<HashContext> HashContext::create(const QString& name)
{
    const HashInfo* info = findHash(name);
    if (!info)
        return unsupported(name);
    HashContext context;
    context.m_size = info->digestSize;
    if (const EVP_MD* md = openSslDigest(*info)) {
        context.m_md = md;
        context.m_ctx = EVP_MD_CTX_new();
        if (!context.m_ctx)
            return Status(ErrorCode::NoMemory, QStringLiteral("Cannot allocate a hash context."));
        return context;
    }
    if (!gcryptHas(info->gcryptAlgorithm))
        return unsupported(name);
    context.m_gcryptAlgorithm = info->gcryptAlgorithm;
    if (gcry_md_open(&context.m_gcrypt, info->gcryptAlgorithm, 0) != 0)
        return unsupported(name);
    return context;
}

Status HashContext::pbkdf2(const QString& name, std::span<const uint8_t> password,
                           std::span<const uint8_t> salt, uint32_t iterations, std::span<uint8_t> out)
{
    static const uint8_t empty = 0; // OpenSSL wants a pointer even for an empty password or salt
    const HashInfo* info = findHash(name);
    if (!info)
        return unsupported(name);
    if (iterations == 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("PBKDF2 iteration count cannot be zero."));
    if (const EVP_MD* md = openSslDigest(*info)) {
        if (iterations > INT_MAX)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("PBKDF2 iteration value overflow."));
        if (password.size() > INT_MAX || salt.size() > INT_MAX || out.size() > INT_MAX)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("PBKDF2 input too long."));
        const int ok =
            PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.empty() ? &empty : password.data()),
                              static_cast<int>(password.size()), salt.empty() ? &empty : salt.data(),
                              static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                              static_cast<int>(out.size()), out.data());
        if (ok != 1) {
            ERR_clear_error();
            return Status(ErrorCode::NotSupported, QStringLiteral("PBKDF2 with %1 failed.").arg(name));
        }
        return Status::ok();
    }
    if (!gcryptHas(info->gcryptAlgorithm))
        return unsupported(name);
    if (gcry_kdf_derive(password.empty() ? &empty : password.data(), password.size(), GCRY_KDF_PBKDF2,
                        info->gcryptAlgorithm, salt.empty() ? &empty : salt.data(), salt.size(), iterations,
                        out.size(), out.data()) != 0)
        return Status(ErrorCode::NotSupported, QStringLiteral("PBKDF2 with %1 failed.").arg(name));
    return Status::ok();
}

HashContext::~HashContext()
{
    release();
}

HashContext::HashContext(HashContext&& other) noexcept
    : m_size(other.m_size), m_md(other.m_md), m_ctx(other.m_ctx), m_gcrypt(other.m_gcrypt),
      m_gcryptAlgorithm(other.m_gcryptAlgorithm)
{
    other.m_ctx = nullptr;
    other.m_gcrypt = nullptr;
}

HashContext& HashContext::operator=(HashContext&& other) noexcept
{
    if (this != &other) {
        release();
        m_size = other.m_size;
        m_md = other.m_md;
        m_ctx = other.m_ctx;
        m_gcrypt = other.m_gcrypt;
        m_gcryptAlgorithm = other.m_gcryptAlgorithm;
        other.m_ctx = nullptr;
        other.m_gcrypt = nullptr;
    }
    return *this;
}

void HashContext::release()
{
    if (m_ctx)
        EVP_MD_CTX_free(m_ctx); // cleanses the state
    if (m_gcrypt)
        gcry_md_close(m_gcrypt);
    m_ctx = nullptr;
    m_gcrypt = nullptr;
}

bool HashContext::init()
{
    if (m_ctx)
        return EVP_DigestInit_ex2(m_ctx, m_md, nullptr) == 1;
    gcry_md_reset(m_gcrypt);
    return true;
}

bool HashContext::update(std::span<const uint8_t> data)
{
    if (m_ctx)
        return EVP_DigestUpdate(m_ctx, data.data(), data.size()) == 1;
    gcry_md_write(m_gcrypt, data.data(), data.size());
    return true;
}

bool HashContext::finish(std::span<uint8_t> out)
{
    Q_ASSERT(out.size() <= m_size);
    if (m_ctx) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        const bool ok = EVP_DigestFinal_ex(m_ctx, digest, &length) == 1 && length >= out.size();
        if (ok)
            std::memcpy(out.data(), digest, out.size());
        SecureBuffer::wipe(digest, sizeof digest);
        return ok;
    }
    const unsigned char* digest = gcry_md_read(m_gcrypt, m_gcryptAlgorithm);
    if (!digest)
        return false;
    std::memcpy(out.data(), digest, out.size());
    return true;
}

} // namespace cryptstack
