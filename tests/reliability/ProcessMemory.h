// How much memory the test process uses: resident pages (/proc/self/statm) and the bytes the C
// heap has handed out and not taken back (mallinfo2, every arena, mmapped chunks included). The
// second one finds a leak of one small object per bio that RSS rounding would hide. Under
// AddressSanitizer or ThreadSanitizer the heap figure comes from the sanitizer's allocator.
#pragma once

#include <cstdint>

namespace cryptstack::test {

class ProcessMemory
{
public:
    static uint64_t residentBytes();
    static uint64_t heapInUseBytes();
    // False under a sanitizer: ASan's quarantine keeps freed memory resident (256 MiB by
    // default) and TSan's shadow memory grows with every address touched, so RSS keeps growing
    // without a leak.
    static bool residentBytesTrackTheHeap();
};

} // namespace cryptstack::test
