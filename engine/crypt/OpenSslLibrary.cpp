// Provider loading and the process-wide cache of fetched OpenSSL ciphers and digests.
#include "crypt/OpenSslLibrary.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <mutex>
#include <string>
#include <unordered_map>

namespace cryptstack::OpenSslLibrary {

namespace {

struct Providers
{
    bool legacy = false;
};

const Providers& providers()
{
    static const Providers loaded = [] {
        Providers p;
        // Loading any provider explicitly stops OpenSSL from loading "default" on demand, so load
        // it too. Both stay loaded for the life of the process.
        OSSL_PROVIDER_load(nullptr, "default");
        p.legacy = OSSL_PROVIDER_load(nullptr, "legacy") != nullptr;
        ERR_clear_error();
        return p;
    }();
    return loaded;
}

template <typename T, typename Fetch> const T* cached(const char* name, Fetch fetch)
{
    // Deliberately never destroyed: ciphers may still be in use during static destruction, and
    // OpenSSL's own atexit cleanup releases the providers.
    static std::mutex* const mutex = new std::mutex;
    static auto* const cache = new std::unordered_map<std::string, T*>; // null entries remember misses
    providers();
    const std::lock_guard lock(*mutex);
    auto [it, inserted] = cache->try_emplace(name, nullptr);
    if (inserted) {
        it->second = fetch(nullptr, name, nullptr);
        ERR_clear_error();
    }
    return it->second;
}

} // namespace

const evp_cipher_st* cipher(const char* name)
{
    return cached<EVP_CIPHER>(name, EVP_CIPHER_fetch);
}

const evp_md_st* digest(const char* name)
{
    return cached<EVP_MD>(name, EVP_MD_fetch);
}

bool legacyAvailable()
{
    return providers().legacy;
}

} // namespace cryptstack::OpenSslLibrary
