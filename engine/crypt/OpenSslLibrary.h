// Process-wide OpenSSL state for the cipher backend: provider loading and the cache of fetched
// ciphers and digests (OpenSSL 3.0 implicit fetches take global locks, so each algorithm is fetched
// once and kept for the life of the process).
#pragma once

// Forward declarations of OpenSSL's opaque types, so that no OpenSSL header leaks into the engine.
struct evp_cipher_st;
struct evp_md_st;

namespace cryptstack::OpenSslLibrary {

// The fetched cipher for an OpenSSL name ("AES-128-XTS"), or null if no loaded provider has it.
// Thread-safe; the result stays valid until exit handlers run.
const evp_cipher_st* cipher(const char* name);
// The same for digests ("SHA256", "WHIRLPOOL").
const evp_md_st* digest(const char* name);
// Whether the "legacy" provider (blowfish, cast5, whirlpool) could be loaded.
bool legacyAvailable();

} // namespace cryptstack::OpenSslLibrary
