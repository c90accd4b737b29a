#include "Pbkdf.h"

#include "HashContext.h"
#include "crypt/SecureBuffer.h"

#include <argon2.h>

#include <climits>
#include <ctime>
#include <sys/resource.h>
#include <unistd.h>

namespace cryptstack::Pbkdf {

namespace {

// crypt_pbkdf_get_limits and the defaults of cryptsetup 2.6.1 (reference/luks.md §5.1, §5.5).
constexpr uint32_t Pbkdf2MinIterations = 1000; // NIST SP 800-132
constexpr uint32_t Argon2MinIterations = 4;
constexpr uint32_t Argon2MinMemoryKiB = 32;
constexpr uint32_t Argon2MaxMemoryKiB = 4 * 1024 * 1024;
constexpr uint32_t Argon2MaxParallel = 4;
constexpr uint32_t Argon2BenchStartKiB = 64 * 1024;
constexpr uint32_t DefaultMemoryKiB = 1024 * 1024; // DEFAULT_LUKS2_MEMORY_KB
constexpr uint32_t DefaultIterTimeMs = 2000;
constexpr uint32_t DigestTimeMs = 125; // LUKS_MKD_ITERATIONS_MS

// The benchmark's fixed inputs (utils_benchmark.c). The PBKDF2 salt literal has 17 characters
// of which cryptsetup passes 16.
constexpr char BenchPassword[] = "foobarfo";
constexpr char Pbkdf2BenchSalt[] = "01234567890abcde";
constexpr char Argon2BenchSalt[] = "0123456789abcdef0123456789abcdef";

// pbkdf_check.c
constexpr long BenchMinMs = 250;
constexpr long BenchMinMsFast = 10;
constexpr long BenchPercentAtLeast = 95;
constexpr long BenchPercentAtMost = 110;
constexpr size_t BenchSamplesFast = 3;
constexpr size_t BenchSamplesSlow = 1;

std::span<const uint8_t> literal(const char* text, size_t length)
{
    return {reinterpret_cast<const uint8_t*>(text), length};
}

Status invalid(const QString& message)
{
    return Status(ErrorCode::InvalidArgument, message);
}

Status cancelled()
{
    return invalid(QStringLiteral("Cancelled"));
}

bool isCancelled(const std::atomic_bool* cancel)
{
    return cancel && cancel->load(std::memory_order_relaxed);
}

bool isArgon2(const QString& type)
{
    return type == u"argon2i" || type == u"argon2id";
}

Status argon2(const KdfParams& params, std::span<const uint8_t> password, std::span<const uint8_t> salt,
              std::span<uint8_t> out)
{
    static const uint8_t empty = 0;
    if (password.size() > UINT32_MAX || salt.size() > UINT32_MAX || out.size() > UINT32_MAX)
        return invalid(QStringLiteral("Argon2 input too long."));
    argon2_context context{};
    context.out = out.data();
    context.outlen = static_cast<uint32_t>(out.size());
    context.pwd = const_cast<uint8_t*>(password.empty() ? &empty : password.data());
    context.pwdlen = static_cast<uint32_t>(password.size());
    context.salt = const_cast<uint8_t*>(salt.empty() ? &empty : salt.data());
    context.saltlen = static_cast<uint32_t>(salt.size());
    context.t_cost = params.iterations;
    context.m_cost = params.memoryKiB;
    context.lanes = params.parallel; // cryptsetup runs one thread per lane
    context.threads = params.parallel;
    context.version = ARGON2_VERSION_13;
    context.flags = ARGON2_DEFAULT_FLAGS;
    const int result = argon2_ctx(&context, params.type == u"argon2i" ? Argon2_i : Argon2_id);
    if (result == ARGON2_OK)
        return Status::ok();
    if (result == ARGON2_MEMORY_ALLOCATION_ERROR)
        return Status(ErrorCode::NoMemory, QStringLiteral("Not enough available memory to open a keyslot."));
    return invalid(QStringLiteral("%1: %2").arg(params.type, QLatin1String(argon2_error_message(result))));
}

// CPU time used by the process between two getrusage() calls (pbkdf_check.c time_ms): user
// time, plus system time when a hypervisor reports no user time at all.
long cpuMs(const rusage& start, const rusage& end)
{
    const bool countKernel =
        !end.ru_utime.tv_sec && !start.ru_utime.tv_sec && !end.ru_utime.tv_usec && !start.ru_utime.tv_usec;
    long ms = (end.ru_utime.tv_sec - start.ru_utime.tv_sec) * 1000;
    ms += (end.ru_utime.tv_usec - start.ru_utime.tv_usec) / 1000;
    if (countKernel) {
        ms += (end.ru_stime.tv_sec - start.ru_stime.tv_sec) * 1000;
        ms += (end.ru_stime.tv_usec - start.ru_stime.tv_usec) / 1000;
    }
    return ms;
}

// Wall-clock time: Argon2 runs on several threads, so CPU time would overstate it.
long monotonicMs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// measure_argon2: the fastest of up to `samples` runs, stopping at the first under atLeastMs.
Result<long> measureArgon2(const KdfParams& params, std::span<uint8_t> key, size_t samples, long atLeastMs)
{
    long fastest = LONG_MAX;
    for (size_t i = 0; i < samples; ++i) {
        const long start = monotonicMs();
        if (Status status = argon2(params, literal(BenchPassword, 8), literal(Argon2BenchSalt, 32), key);
            !status)
            return status;
        const long ms = monotonicMs() - start;
        if (ms < 0)
            return invalid(QStringLiteral("Clock went backwards during the PBKDF benchmark."));
        if (ms < atLeastMs) {
            fastest = ms;
            break;
        }
        fastest = std::min(fastest, ms);
    }
    return fastest;
}

// next_argon2_params: re-estimates (t, m) for the target; true when the search is over.
bool nextArgon2Params(uint32_t& t, uint32_t& m, uint32_t minT, uint32_t minM, uint32_t maxM, long ms,
                      uint32_t targetMs)
{
    const uint32_t oldT = t;
    const uint32_t oldM = m;
    if (static_cast<uint32_t>(ms) > targetMs) {
        // Too slow: lower t first, then m.
        const auto newT = static_cast<uint32_t>(uint64_t(t) * targetMs / uint64_t(ms));
        if (newT < minT) {
            const uint64_t num = uint64_t(t) * m * targetMs;
            const uint64_t denom = uint64_t(minT) * uint64_t(ms);
            t = minT;
            m = static_cast<uint32_t>(num / denom);
            if (m < minM) {
                m = minM;
                return true;
            }
        } else {
            t = newT;
        }
    } else {
        // Too fast: raise m first, then t.
        const auto newM = static_cast<uint32_t>(uint64_t(m) * targetMs / uint64_t(ms));
        if (newM > maxM) {
            const uint64_t num = uint64_t(t) * m * targetMs;
            const uint64_t denom = uint64_t(maxM) * uint64_t(ms);
            t = static_cast<uint32_t>(num / denom);
            m = maxM;
            if (t <= minT) {
                t = minT;
                return true;
            }
        } else if (newM < minM) {
            m = minM;
            return true;
        } else {
            m = newM;
        }
    }
    return oldT == t && oldM == m;
}

// crypt_argon2_check: find small parameters that take at least 250 ms, then home in on the target
// within 95–110 %.
Result<KdfParams> benchmarkArgon2(KdfParams params, size_t keyBytes, uint32_t minM, uint32_t targetMs,
                                  const std::atomic_bool* cancel)
{
    const uint32_t minT = Argon2MinIterations;
    const uint32_t maxM = params.memoryKiB;
    const long atLeast = long(targetMs) * BenchPercentAtLeast / 100;
    const long atMost = long(targetMs) * BenchPercentAtMost / 100;
    if (keyBytes == 0 || targetMs == 0)
        return invalid(QStringLiteral("Not compatible PBKDF options."));
    minM = std::max(minM, params.parallel * 8);
    if (maxM < minM)
        return invalid(QStringLiteral("Not compatible PBKDF options."));
    SecureBuffer key(keyBytes);
    std::span<uint8_t> out(key.data(), key.size());
    uint32_t t = minT;
    uint32_t m = minM;
    uint32_t outT = t;
    uint32_t outM = m;
    auto measure = [&](size_t samples, long ms) -> Result<long> {
        KdfParams trial = params;
        trial.iterations = t;
        trial.memoryKiB = m;
        auto measured = measureArgon2(trial, out, samples, ms);
        if (!measured)
            return measured;
        outT = t;
        outM = m;
        if (isCancelled(cancel))
            return cancelled();
        return measured;
    };

    // 1. Grow m (then t, once m is at the cap) until one run takes at least 250 ms.
    long ms = 0;
    for (;;) {
        auto measured = measure(BenchSamplesFast, BenchMinMs);
        if (!measured)
            return measured.status();
        ms = measured.value();
        if (ms >= BenchMinMs)
            break;
        if (m == maxM) {
            if (ms < BenchMinMsFast) {
                t *= 16;
            } else {
                const uint32_t grown = t * BenchMinMs / static_cast<uint32_t>(ms);
                if (grown == t)
                    break;
                t = grown;
            }
        } else {
            if (ms < BenchMinMsFast) {
                m *= 16;
            } else {
                const uint32_t grown = m * BenchMinMs / static_cast<uint32_t>(ms);
                if (grown == m)
                    break;
                m = grown;
            }
            m = std::min(m, maxM);
        }
    }
    // 2./3. Estimate the target parameters and re-measure until the time is in the window.
    do {
        if (nextArgon2Params(t, m, minT, minM, maxM, ms, targetMs)) {
            outT = t;
            outM = m;
            break;
        }
        auto measured = measure(BenchSamplesSlow, atLeast);
        if (!measured)
            return measured.status();
        ms = measured.value();
    } while (ms < atLeast || ms > atMost);

    params.iterations = outT;
    params.memoryKiB = outM;
    return params;
}

uint32_t onlineCpus()
{
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1u : static_cast<uint32_t>(cpus);
}

// adjusted_phys_memory: half the RAM, or the default when the reading looks bogus.
uint32_t adjustedPhysicalMemoryKiB()
{
    const long pageSize = sysconf(_SC_PAGESIZE);
    const long pages = sysconf(_SC_PHYS_PAGES);
    const uint64_t kib = pageSize < 0 || pages < 0 ? 0 : uint64_t(pageSize / 1024) * uint64_t(pages);
    if (kib < 128 * 1024 || kib > UINT32_MAX)
        return DefaultMemoryKiB;
    return static_cast<uint32_t>(kib / 2);
}

} // namespace

Status derive(const KdfParams& params, std::span<const uint8_t> password, std::span<const uint8_t> salt,
              std::span<uint8_t> out)
{
    if (params.type == u"pbkdf2")
        return HashContext::pbkdf2(params.hash, password, salt, params.iterations, out);
    if (isArgon2(params.type))
        return argon2(params, password, salt, out);
    return Status(ErrorCode::NotSupported, QStringLiteral("Unknown PBKDF type %1.").arg(params.type));
}

uint32_t defaultParallel(uint32_t requested)
{
    return std::min({requested ? requested : Argon2MaxParallel, Argon2MaxParallel, onlineCpus()});
}

uint32_t defaultMaxMemoryKiB(uint32_t requested)
{
    return std::min(requested ? requested : DefaultMemoryKiB, adjustedPhysicalMemoryKiB());
}

Result<uint64_t> pbkdf2IterationsPerSecond(const QString& hash, size_t keyBytes,
                                           const std::atomic_bool* cancel)
{
    // crypt_pbkdf_check with a 1000 ms target: from 2^15 iterations, scale up until a run takes
    // more than 500 ms of process CPU time.
    const Status incompatible =
        invalid(QStringLiteral("Not compatible PBKDF2 options (using hash algorithm %1).").arg(hash));
    if (keyBytes == 0)
        return incompatible;
    SecureBuffer key(keyBytes);
    uint32_t iterations = 1u << 15;
    uint64_t perSecond = 0;
    for (int step = 0;;) {
        rusage start{};
        rusage end{};
        if (getrusage(RUSAGE_SELF, &start) < 0)
            return incompatible;
        if (Status status = HashContext::pbkdf2(hash, literal(BenchPassword, 8), literal(Pbkdf2BenchSalt, 16),
                                                iterations, {key.data(), key.size()});
            !status)
            return status.code() == ErrorCode::NotSupported ? incompatible : status;
        if (getrusage(RUSAGE_SELF, &end) < 0)
            return incompatible;
        const long ms = cpuMs(start, end);
        if (ms) {
            const double estimate = double(iterations) * 1000 / double(ms);
            if (estimate > double(UINT32_MAX))
                return incompatible;
            perSecond = static_cast<uint32_t>(estimate);
        }
        if (isCancelled(cancel))
            return cancelled();
        if (ms > 500)
            break;
        if (ms <= 62)
            iterations <<= 4;
        else if (ms <= 125)
            iterations <<= 3;
        else if (ms <= 250)
            iterations <<= 2;
        else
            iterations <<= 1;
        if (++step > 10 || !iterations)
            return incompatible;
    }
    return perSecond;
}

Result<uint32_t> digestIterations(const QString& hash, size_t digestBytes, bool forced,
                                  const std::atomic_bool* cancel)
{
    if (forced)
        return Pbkdf2MinIterations;
    auto perSecond = pbkdf2IterationsPerSecond(hash, digestBytes, cancel);
    if (!perSecond)
        return perSecond.status();
    const double iterations = double(perSecond.value()) * DigestTimeMs / 1000.0;
    if (iterations > double(UINT32_MAX))
        return invalid(QStringLiteral("PBKDF2 iteration value overflow."));
    return std::max(static_cast<uint32_t>(iterations), Pbkdf2MinIterations);
}

Status validate(const KdfRequest& request, const QString& defaultType, const QString& defaultHash)
{
    // verify_pbkdf_params.
    const QString type = request.type.isEmpty() ? defaultType : request.type;
    const QString hash = request.hash.isEmpty() ? defaultHash : request.hash;
    const bool forced = request.forcedIterations != 0;
    if (type != u"pbkdf2" && !isArgon2(type))
        return invalid(QStringLiteral("Unknown PBKDF type %1.").arg(type));
    if (!hash.isEmpty() && !HashContext::digestSize(hash))
        return invalid(QStringLiteral("Requested hash %1 is not supported.").arg(hash));
    if (type == u"pbkdf2") {
        if (forced && request.forcedIterations < Pbkdf2MinIterations)
            return invalid(QStringLiteral("Forced iteration count is too low for pbkdf2 (minimum is %1).")
                               .arg(Pbkdf2MinIterations));
        return Status::ok();
    }
    const uint32_t requestedMemory = request.maxMemoryKiB ? request.maxMemoryKiB : DefaultMemoryKiB;
    if (forced) {
        if (request.forcedIterations < Argon2MinIterations)
            return invalid(QStringLiteral("Forced iteration count is too low for %1 (minimum is %2).")
                               .arg(type)
                               .arg(Argon2MinIterations));
        if (requestedMemory < Argon2MinMemoryKiB)
            return invalid(QStringLiteral("Forced memory cost is too low for %1 (minimum is %2 kilobytes).")
                               .arg(type)
                               .arg(Argon2MinMemoryKiB));
    }
    if (requestedMemory > Argon2MaxMemoryKiB)
        return invalid(
            QStringLiteral("Requested maximum PBKDF memory cost is too high (maximum is %1 kilobytes).")
                .arg(Argon2MaxMemoryKiB));
    return Status::ok();
}

Result<KdfParams> resolve(const KdfRequest& request, const QString& defaultType, const QString& defaultHash,
                          size_t keyBytes, const std::atomic_bool* cancel)
{
    // verify_pbkdf_params, then init_pbkdf_type's caps, then crypt_benchmark_pbkdf_internal.
    if (Status checked = validate(request, defaultType, defaultHash); !checked)
        return checked;
    KdfParams params;
    params.type = request.type.isEmpty() ? defaultType : request.type;
    params.hash = request.hash.isEmpty() ? defaultHash : request.hash;
    const bool forced = request.forcedIterations != 0;
    // The CLI turns --iter-time 0 into the default before the library sees it.
    const uint32_t timeMs = request.iterTimeMs ? request.iterTimeMs : DefaultIterTimeMs;

    if (params.type == u"pbkdf2") {
        // --pbkdf-memory and --pbkdf-parallel are not passed on for pbkdf2.
        params.memoryKiB = 0;
        params.parallel = 0;
        if (forced) {
            if (request.forcedIterations < Pbkdf2MinIterations)
                return invalid(QStringLiteral("Forced iteration count is too low for pbkdf2 (minimum is %1).")
                                   .arg(Pbkdf2MinIterations));
            params.iterations = request.forcedIterations;
            return params;
        }
        auto perSecond = pbkdf2IterationsPerSecond(params.hash, keyBytes, cancel);
        if (!perSecond)
            return perSecond.status();
        const double iterations = double(perSecond.value()) * timeMs / 1000.0;
        if (iterations > double(UINT32_MAX))
            return invalid(QStringLiteral("PBKDF2 iteration value overflow."));
        params.iterations = std::max(static_cast<uint32_t>(iterations), Pbkdf2MinIterations);
        return params;
    }

    const uint32_t requestedMemory = request.maxMemoryKiB ? request.maxMemoryKiB : DefaultMemoryKiB;
    if (forced) {
        if (request.forcedIterations < Argon2MinIterations)
            return invalid(QStringLiteral("Forced iteration count is too low for %1 (minimum is %2).")
                               .arg(params.type)
                               .arg(Argon2MinIterations));
        if (requestedMemory < Argon2MinMemoryKiB)
            return invalid(QStringLiteral("Forced memory cost is too low for %1 (minimum is %2 kilobytes).")
                               .arg(params.type)
                               .arg(Argon2MinMemoryKiB));
    }
    if (requestedMemory > Argon2MaxMemoryKiB)
        return invalid(
            QStringLiteral("Requested maximum PBKDF memory cost is too high (maximum is %1 kilobytes).")
                .arg(Argon2MaxMemoryKiB));
    params.parallel = defaultParallel(request.maxParallel);
    params.memoryKiB = defaultMaxMemoryKiB(requestedMemory);
    if (forced) {
        params.iterations = request.forcedIterations;
        return params;
    }
    // The search starts at 64 MiB (or the cap, if lower) and never goes below it.
    const uint32_t startMemory = std::min(Argon2BenchStartKiB, params.memoryKiB);
    return benchmarkArgon2(params, keyBytes, startMemory, timeMs, cancel);
}

} // namespace cryptstack::Pbkdf
