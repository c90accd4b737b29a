// The benchmark's ceiling: the volume's cipher run straight through a crypto library in this
// process, with as many threads as cores, the way the crypt target runs it (one keyed context per
// thread, only the IV reset per sector) but with no I/O, queues or IV generator around it. Both
// libraries the engine can use are measured; the faster one is the limit.
#pragma once

#include <QString>

#include <chrono>
#include <cstdint>

namespace cryptstack::perf {

enum class CipherLibrary { OpenSsl, Libgcrypt };

QString libraryName(CipherLibrary library);

struct CipherLimitResult
{
    double bytesPerSecond = 0;
    unsigned threads = 0;
    bool ok = false; // false: the library refused the cipher
};

// AES-256-XTS (a 512-bit dm-crypt key) over sectorSize-byte data units, for about duration.
CipherLimitResult measureAesXtsLimit(CipherLibrary library, unsigned sectorSize, bool encrypt,
                                     unsigned threads, std::chrono::milliseconds duration);

} // namespace cryptstack::perf
