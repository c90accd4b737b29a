#include "ProcessMemory.h"

#include <cstdio>
#include <malloc.h>
#include <unistd.h>

// AddressSanitizer and ThreadSanitizer bring their own allocators (clang says so through
// __has_feature, gcc through __SANITIZE_*__).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CRYPTSTACK_SANITIZER_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRYPTSTACK_SANITIZER_ALLOCATOR 1
#endif
#ifdef CRYPTSTACK_SANITIZER_ALLOCATOR
// Declared here because gcc ships no sanitizer/allocator_interface.h; both runtimes export it.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace cryptstack::test {

uint64_t ProcessMemory::residentBytes()
{
    FILE* file = std::fopen("/proc/self/statm", "r");
    if (!file)
        return 0;
    unsigned long size = 0;
    unsigned long resident = 0;
    const int fields = std::fscanf(file, "%lu %lu", &size, &resident);
    std::fclose(file);
    return fields == 2 ? uint64_t{resident} * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

uint64_t ProcessMemory::heapInUseBytes()
{
#ifdef CRYPTSTACK_SANITIZER_ALLOCATOR
    // A sanitizer replaces malloc, so glibc's counters stay at zero; its own allocator counts the
    // live allocations (freed blocks waiting in ASan's quarantine are not among them).
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
#endif
}

bool ProcessMemory::residentBytesTrackTheHeap()
{
#ifdef CRYPTSTACK_SANITIZER_ALLOCATOR
    return false;
#else
    return true;
#endif
}

} // namespace cryptstack::test
