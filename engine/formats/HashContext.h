// A hash by the name cryptsetup's crypto backend knows (sha1, sha256, ripemd160, whirlpool,
// sha3-256, blake2b-512, …), with one context reused for every message so that hot loops (the AF
// diffuser's 4000 rounds) do not allocate. OpenSSL where a loaded provider has the hash (the
// legacy provider gives ripemd160 and whirlpool), libgcrypt where it does not. PBKDF2-HMAC lives
// here too, because it needs the same choice of library per hash.
#pragma once

#include "core/Result.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <span>

struct evp_md_st;
struct evp_md_ctx_st;
struct gcry_md_handle;

namespace cryptstack {

class HashContext
{
public:
    // NotSupported "Hash algorithm <name> not supported." for a name the backend does not know.
    static Result<HashContext> create(const QString& name);
    static std::optional<size_t> digestSize(const QString& name);

    // PBKDF2-HMAC-<name>; out.size() bytes. NotSupported for an unknown hash, InvalidArgument
    // "PBKDF2 iteration value overflow." above INT_MAX iterations (OpenSSL's limit, as cryptsetup).
    static Status pbkdf2(const QString& name, std::span<const uint8_t> password,
                         std::span<const uint8_t> salt, uint32_t iterations, std::span<uint8_t> out);

    ~HashContext();
    HashContext(HashContext&& other) noexcept;
    HashContext& operator=(HashContext&& other) noexcept;
    HashContext(const HashContext&) = delete;
    HashContext& operator=(const HashContext&) = delete;

    size_t size() const { return m_size; }
    // Starts a new message; false only when the library fails.
    bool init();
    bool update(std::span<const uint8_t> data);
    // Writes the first out.size() (at most size()) bytes of the digest; the context needs init()
    // before it is used again.
    bool finish(std::span<uint8_t> out);

private:
    HashContext() = default;
    void release();

    size_t m_size = 0;
    const evp_md_st* m_md = nullptr; // the fetched digest when OpenSSL has the hash
    evp_md_ctx_st* m_ctx = nullptr;
    gcry_md_handle* m_gcrypt = nullptr;
    int m_gcryptAlgorithm = 0;
};

} // namespace cryptstack
