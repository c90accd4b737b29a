// A password-based key derivation as a keyslot stores it: PBKDF2 with its hash and iteration
// count, or Argon2i/Argon2id with time cost, memory (KiB) and lanes, as cryptsetup names them.
#pragma once

#include <QString>

#include <cstdint>

namespace cryptstack {

struct KdfParams
{
    QString type = QStringLiteral("pbkdf2"); // pbkdf2, argon2i, argon2id
    QString hash = QStringLiteral("sha256"); // pbkdf2 only
    uint32_t iterations = 1000;              // pbkdf2 iterations, or Argon2's time cost
    uint32_t memoryKiB = 0;                  // argon2 only
    uint32_t parallel = 0;                   // argon2 only ("cpus" in LUKS2 JSON)

    bool isArgon2() const { return type == u"argon2i" || type == u"argon2id"; }
};

// What the user asked for at luksFormat / luksAddKey time, before benchmarking turns a target
// time into KdfParams (cryptsetup's struct crypt_pbkdf_type).
struct KdfRequest
{
    QString type;                  // empty: the format's default (argon2id for LUKS2, pbkdf2 for LUKS1)
    QString hash;                  // empty: the format's default hash
    uint32_t iterTimeMs = 2000;    // --iter-time
    uint32_t forcedIterations = 0; // --pbkdf-force-iterations (0: benchmark)
    uint32_t maxMemoryKiB = 0;     // --pbkdf-memory (0: 1048576)
    uint32_t maxParallel = 0;      // --pbkdf-parallel (0: 4)
};

} // namespace cryptstack
