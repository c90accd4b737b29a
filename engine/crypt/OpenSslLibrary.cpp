// Provider loading and the process-wide cache of fetched OpenSSL ciphers and digests.
#include "crypt/OpenSslLibrary.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cryptstack::OpenSslLibrary {

namespace {

// Deliberately never destroyed: ciphers may be asked for during static destruction. What they own
// inside OpenSSL is released by releaseAtExit() instead.
struct State
{
    std::mutex mutex;
    std::unordered_map<std::string, EVP_CIPHER*> ciphers; // null entries remember misses
    std::unordered_map<std::string, EVP_MD*> digests;
    OSSL_PROVIDER* defaultProvider = nullptr;
    OSSL_PROVIDER* legacyProvider = nullptr;
};

State& state()
{
    static State* const instance = new State;
    return *instance;
}

// Runs before OpenSSL's own exit-time cleanup (atexit handlers run in reverse order, and OpenSSL
// registered its handler when the providers were loaded). Without it, OpenSSL frees the provider
// store but not the providers our fetched algorithms still hold, and LeakSanitizer reports them.
// Cipher contexts hold their own references, so one still alive stays usable.
void releaseAtExit()
{
    State& s = state();
    const std::lock_guard lock(s.mutex);
    for (auto& [name, cipher] : s.ciphers)
        EVP_CIPHER_free(cipher);
    for (auto& [name, digest] : s.digests)
        EVP_MD_free(digest);
    s.ciphers.clear();
    s.digests.clear();
    if (s.legacyProvider)
        OSSL_PROVIDER_unload(s.legacyProvider);
    if (s.defaultProvider)
        OSSL_PROVIDER_unload(s.defaultProvider);
    s.legacyProvider = s.defaultProvider = nullptr;
}

bool loadProviders()
{
    static const bool legacy = [] {
        State& s = state();
        const std::lock_guard lock(s.mutex);
        // Loading any provider explicitly stops OpenSSL from loading "default" on demand, so load
        // it too.
        s.defaultProvider = OSSL_PROVIDER_load(nullptr, "default");
        s.legacyProvider = OSSL_PROVIDER_load(nullptr, "legacy");
        ERR_clear_error();
        std::atexit(releaseAtExit);
        return s.legacyProvider != nullptr;
    }();
    return legacy;
}

template <typename T, typename Fetch>
const T* cached(std::unordered_map<std::string, T*>& cache, const char* name, Fetch fetch)
{
    loadProviders();
    const std::lock_guard lock(state().mutex);
    auto [it, inserted] = cache.try_emplace(name, nullptr);
    if (inserted) {
        it->second = fetch(nullptr, name, nullptr);
        ERR_clear_error();
    }
    return it->second;
}

} // namespace

const evp_cipher_st* cipher(const char* name)
{
    return cached(state().ciphers, name, EVP_CIPHER_fetch);
}

const evp_md_st* digest(const char* name)
{
    return cached(state().digests, name, EVP_MD_fetch);
}

bool legacyAvailable()
{
    return loadProviders();
}

} // namespace cryptstack::OpenSslLibrary
