// What a finished workload did: counts, throughput, latency percentiles and the first failure,
// as plain values and as a short text block or JSON for the front ends.
#pragma once

#include "LatencyHistogram.h"
#include "WorkloadSpec.h"
#include "core/Result.h"

#include <QJsonObject>

#include <chrono>

namespace cryptstack {

struct LatencySummary
{
    uint64_t count = 0;
    uint64_t p50Ns = 0;
    uint64_t p99Ns = 0;
    uint64_t p999Ns = 0;
    uint64_t meanNs = 0;
    uint64_t maxNs = 0;

    static LatencySummary of(const LatencyHistogram& histogram);
};

struct WorkloadResult
{
    QString device;    // its display name
    WorkloadSpec spec; // as resolved for the device
    uint64_t opsRead = 0;
    uint64_t opsWritten = 0;
    uint64_t bytesRead = 0;
    uint64_t bytesWritten = 0;
    uint64_t errors = 0;        // failed requests
    uint64_t mismatches = 0;    // verified reads that did not match
    uint64_t verifiedReads = 0; // reads whose contents were checked
    std::chrono::nanoseconds elapsed{0};
    LatencySummary readLatency;
    LatencySummary writeLatency;
    LatencySummary latency; // reads and writes together
    bool cancelled = false;
    // The first I/O error (IOError) or mismatch (Corruption) that stopped the run; ok otherwise.
    Status status;

    uint64_t ops() const { return opsRead + opsWritten; }
    uint64_t bytes() const { return bytesRead + bytesWritten; }
    double seconds() const { return std::chrono::duration<double>(elapsed).count(); }
    // Decimal megabytes (10^6 bytes) per second, as fio's MB/s.
    double mbPerSecond() const;
    double iops() const;

    QString toText() const;
    QJsonObject toJson() const;
};

} // namespace cryptstack
