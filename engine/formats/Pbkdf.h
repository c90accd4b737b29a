// Key derivation for keyslots and digests: PBKDF2 through OpenSSL, Argon2 through libargon2, and
// cryptsetup 2.6.1's benchmark that turns a target time into parameters (utils_benchmark.c,
// pbkdf_check.c; see reference/luks.md §5.2).
#pragma once

#include "KdfParams.h"
#include "core/Result.h"

#include <atomic>
#include <cstdint>
#include <span>

namespace cryptstack::Pbkdf {

// Derives out.size() bytes. Errors: NotSupported for an unknown type or hash, NoMemory when
// Argon2 cannot get its memory ("Not enough available memory to open a keyslot."),
// InvalidArgument for parameters out of the algorithm's range.
Status derive(const KdfParams& params, std::span<const uint8_t> password, std::span<const uint8_t> salt,
              std::span<uint8_t> out);

// The limits cryptsetup applies before benchmarking: threads = min(requested or 4, 4, online
// CPUs), memory = min(requested or 1 GiB, physical RAM / 2).
uint32_t defaultParallel(uint32_t requested);
uint32_t defaultMaxMemoryKiB(uint32_t requested);

// Validates a request as cryptsetup does (forced iterations too low, memory out of range, …),
// with cryptsetup's messages; then benchmarks (or applies the forced values) for keyBytes of
// output. cancel, when set, aborts a running benchmark (Status InvalidArgument "Cancelled"); it is
// looked at after each measured run, so it takes effect within about one run (≤ ~1 s).
// iterTimeMs 0 means the default 2000 ms, as the CLI's --iter-time 0 does; forcedIterations 0
// means "benchmark", so a forced 0 cannot be expressed (cryptsetup would refuse it as too low).
Result<KdfParams> resolve(const KdfRequest& request, const QString& defaultType, const QString& defaultHash,
                          size_t keyBytes, const std::atomic_bool* cancel = nullptr);
// resolve()'s checks alone, without benchmarking: what the CLI runs before it touches a device
// (cryptsetup's set_pbkdf_params happens before any write or passphrase check).
Status validate(const KdfRequest& request, const QString& defaultType, const QString& defaultHash);

// Iterations for a volume-key digest: max(1000, iterations/s × 125 ms) from its own benchmark;
// exactly 1000 when iterations are forced. cryptsetup benchmarks with the volume key's length as
// the output length (digestBytes here), not the 20 or 32 digest bytes stored.
Result<uint32_t> digestIterations(const QString& hash, size_t digestBytes, bool forced,
                                  const std::atomic_bool* cancel = nullptr);

// PBKDF2 iterations per second for the hash and output length (the benchmark's measurement).
// Errors: InvalidArgument "Not compatible PBKDF2 options (using hash algorithm <hash>).".
Result<uint64_t> pbkdf2IterationsPerSecond(const QString& hash, size_t keyBytes,
                                           const std::atomic_bool* cancel = nullptr);

} // namespace cryptstack::Pbkdf
