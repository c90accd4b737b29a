#include "ProcessMemory.h"

#include <cstdio>
#include <malloc.h>
#include <unistd.h>

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
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
}

} // namespace cryptstack::test
