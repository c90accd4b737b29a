// Looks into every heap block this test process frees, just before it is released, for secrets
// the test registered (a volume key, a passphrase): a hit means someone freed key material without
// wiping it. Linked into the test executable only; it replaces, for the whole process,
//   - free() and realloc() (glibc allows an executable to interpose them; the blocks go on to
//     __libc_free, so malloc stays glibc's own) — this covers QString/QByteArray, C code, libgcrypt,
//     and libstdc++'s default operator delete;
//   - every global operator delete / delete[] (sized, aligned, nothrow);
//   - OpenSSL's allocator (CRYPTO_set_mem_functions, installed by a static initialiser before
//     OpenSSL allocates anything), so OpenSSL's frees are counted on their own.
// Not available under a sanitizer, which brings its own allocator (available() is false then).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cryptstack::test {

class FreedMemoryScanner
{
public:
    enum class Source { Free, OperatorDelete, OpenSsl };
    static constexpr int MaxPatterns = 16;

    // Whether the hooks are compiled in and OpenSSL accepted its allocator.
    static bool available();
    static bool openSslHooked();

    // Registers bytes to look for (kept by pointer: pass static storage). Returns the index.
    static int addPattern(const void* bytes, size_t size, const char* name);
    static void setArmed(bool armed);

    static uint64_t hits(int pattern);
    static uint64_t scannedBlocks(Source source);
    static uint64_t scannedBytes();
    // A description of the first few hits (pattern, block size, source, call stack), for failures.
    static void printHits();
    static void resetCounts();
};

} // namespace cryptstack::test
