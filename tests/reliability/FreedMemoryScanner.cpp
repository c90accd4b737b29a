#include "FreedMemoryScanner.h"

#include <openssl/crypto.h>

#include <QtGlobal>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <execinfo.h>
#include <malloc.h>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRYPTSTACK_SCANNER_DISABLED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define CRYPTSTACK_SCANNER_DISABLED 1
#endif
#endif

extern "C" {
void __libc_free(void* pointer);
void* __libc_malloc(size_t size);
}

namespace cryptstack::test {

namespace {

struct Pattern
{
    const unsigned char* bytes = nullptr;
    size_t size = 0;
    const char* name = nullptr;
    std::atomic<uint64_t> hits{0};
};

struct Hit
{
    int pattern = 0;
    size_t blockSize = 0;
    FreedMemoryScanner::Source source = FreedMemoryScanner::Source::Free;
    int frames = 0;
    void* stack[24] = {};
};

// Static storage only: the hooks run before and after everything else, on every thread.
Pattern g_patterns[FreedMemoryScanner::MaxPatterns];
std::atomic<int> g_patternCount{0}; // published after the pattern is written
std::atomic<bool> g_armed{false};
std::atomic<bool> g_openSslHooked{false};
std::atomic<uint64_t> g_blocks[3];
std::atomic<uint64_t> g_bytes{0};
constexpr int MaxHits = 4;
Hit g_hits[MaxHits];
std::atomic<int> g_hitCount{0};
thread_local bool t_inScanner = false;

[[maybe_unused]] void scan(const void* block, size_t size, FreedMemoryScanner::Source source)
{
    if (!block || t_inScanner || !g_armed.load(std::memory_order_acquire))
        return;
    t_inScanner = true; // backtrace() may allocate and free
    g_blocks[static_cast<int>(source)].fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(size, std::memory_order_relaxed);
    const int count = g_patternCount.load(std::memory_order_acquire);
    for (int i = 0; i < count; ++i) {
        Pattern& pattern = g_patterns[i];
        if (size < pattern.size || !::memmem(block, size, pattern.bytes, pattern.size))
            continue;
        pattern.hits.fetch_add(1, std::memory_order_relaxed);
        const int slot = g_hitCount.fetch_add(1, std::memory_order_relaxed);
        if (slot < MaxHits) {
            Hit& hit = g_hits[slot];
            hit.pattern = i;
            hit.blockSize = size;
            hit.source = source;
            hit.frames = ::backtrace(hit.stack, 24);
        }
    }
    t_inScanner = false;
}

#ifndef CRYPTSTACK_SCANNER_DISABLED

void* openSslMalloc(size_t size, const char*, int)
{
    return __libc_malloc(size);
}

void openSslFree(void* block, const char*, int)
{
    if (!block)
        return;
    scan(block, ::malloc_usable_size(block), FreedMemoryScanner::Source::OpenSsl);
    __libc_free(block);
}

void* openSslRealloc(void* block, size_t size, const char* file, int line)
{
    if (!block)
        return openSslMalloc(size, file, line);
    if (size == 0) {
        openSslFree(block, file, line);
        return nullptr;
    }
    const size_t usable = ::malloc_usable_size(block);
    if (size <= usable)
        return block;
    void* bigger = __libc_malloc(size);
    if (!bigger)
        return nullptr;
    std::memcpy(bigger, block, usable);
    openSslFree(block, file, line);
    return bigger;
}

// Runs before the engine's and Qt's static initialisers in this executable, and before main.
__attribute__((constructor(101))) void installOpenSslHooks()
{
    void* warm[2];
    ::backtrace(warm, 2); // loads libgcc's unwinder now, not inside a hook
    g_openSslHooked = CRYPTO_set_mem_functions(openSslMalloc, openSslRealloc, openSslFree) == 1;
}

#endif

} // namespace

bool FreedMemoryScanner::available()
{
#ifdef CRYPTSTACK_SCANNER_DISABLED
    return false;
#else
    return true;
#endif
}

bool FreedMemoryScanner::openSslHooked()
{
    return g_openSslHooked.load();
}

int FreedMemoryScanner::addPattern(const void* bytes, size_t size, const char* name)
{
    const int index = g_patternCount.load();
    Q_ASSERT(index < MaxPatterns);
    g_patterns[index].bytes = static_cast<const unsigned char*>(bytes);
    g_patterns[index].size = size;
    g_patterns[index].name = name;
    g_patternCount.store(index + 1, std::memory_order_release);
    return index;
}

void FreedMemoryScanner::setArmed(bool armed)
{
    g_armed.store(armed, std::memory_order_release);
}

uint64_t FreedMemoryScanner::hits(int pattern)
{
    return g_patterns[pattern].hits.load();
}

uint64_t FreedMemoryScanner::scannedBlocks(Source source)
{
    return g_blocks[static_cast<int>(source)].load();
}

uint64_t FreedMemoryScanner::scannedBytes()
{
    return g_bytes.load();
}

void FreedMemoryScanner::printHits()
{
    const bool armed = g_armed.exchange(false);
    const int count = std::min(g_hitCount.load(), MaxHits);
    static const char* const sources[] = {"free()", "operator delete", "OpenSSL free"};
    for (int i = 0; i < count; ++i) {
        const Hit& hit = g_hits[i];
        std::fprintf(stderr, "freed unwiped: %s in a %zu-byte block via %s, at\n",
                     g_patterns[hit.pattern].name, hit.blockSize, sources[static_cast<int>(hit.source)]);
        ::backtrace_symbols_fd(hit.stack, hit.frames, 2);
    }
    g_armed.store(armed);
}

void FreedMemoryScanner::resetCounts()
{
    const int count = g_patternCount.load();
    for (int i = 0; i < count; ++i)
        g_patterns[i].hits = 0;
    for (auto& blocks : g_blocks)
        blocks = 0;
    g_bytes = 0;
    g_hitCount = 0;
}

} // namespace cryptstack::test

#ifndef CRYPTSTACK_SCANNER_DISABLED

using cryptstack::test::FreedMemoryScanner;

extern "C" void free(void* block)
{
    if (!block)
        return;
    cryptstack::test::scan(block, ::malloc_usable_size(block), FreedMemoryScanner::Source::Free);
    __libc_free(block);
}

extern "C" void* realloc(void* block, size_t size)
{
    // Always a new block when growing, so the old one is scanned like any other freed block.
    if (!block)
        return __libc_malloc(size);
    if (size == 0) {
        free(block);
        return nullptr;
    }
    const size_t usable = ::malloc_usable_size(block);
    if (size <= usable)
        return block;
    void* bigger = __libc_malloc(size);
    if (!bigger)
        return nullptr;
    std::memcpy(bigger, block, usable);
    free(block);
    return bigger;
}

namespace {

void deleteScanned(void* block)
{
    if (!block)
        return;
    cryptstack::test::scan(block, ::malloc_usable_size(block), FreedMemoryScanner::Source::OperatorDelete);
    __libc_free(block);
}

} // namespace

void operator delete(void* p) noexcept
{
    deleteScanned(p);
}
void operator delete[](void* p) noexcept
{
    deleteScanned(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    deleteScanned(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    deleteScanned(p);
}
void operator delete(void* p, std::align_val_t) noexcept
{
    deleteScanned(p);
}
void operator delete[](void* p, std::align_val_t) noexcept
{
    deleteScanned(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept
{
    deleteScanned(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept
{
    deleteScanned(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept
{
    deleteScanned(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept
{
    deleteScanned(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept
{
    deleteScanned(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept
{
    deleteScanned(p);
}

#endif
