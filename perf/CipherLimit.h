// The benchmark's ceiling: the volume's cipher run straight through OpenSSL in this process, with as
// many threads as cores, the way the crypt target runs it (one keyed context per thread, only the
// IV reset per sector) but with no I/O, queues or IV generator around it.
#pragma once

#include <chrono>
#include <cstdint>

namespace cryptstack::perf {

struct CipherLimitResult
{
    double bytesPerSecond = 0;
    unsigned threads = 0;
    bool ok = false; // false: OpenSSL refused the cipher
};

// AES-256-XTS (a 512-bit dm-crypt key) over sectorSize-byte data units, for about duration.
CipherLimitResult measureAesXtsLimit(unsigned sectorSize, bool encrypt, unsigned threads,
                                     std::chrono::milliseconds duration);

} // namespace cryptstack::perf
