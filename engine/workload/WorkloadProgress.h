// Live counters of a running workload, and the plain snapshot anyone may copy at any rate (a GUI
// on a timer, a CLI progress line); nothing signals per request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cryptstack {

struct WorkloadProgress
{
    bool running = false;
    uint64_t opsRead = 0;
    uint64_t opsWritten = 0;
    uint64_t bytesRead = 0;
    uint64_t bytesWritten = 0;
    uint64_t errors = 0;
    uint64_t mismatches = 0;
    uint64_t verifiedReads = 0;
    int64_t inFlight = 0;
    std::chrono::nanoseconds elapsed{0};
};

// The lock-free counters behind WorkloadProgress; the workers add, anyone reads.
class WorkloadCounters
{
public:
    void reset()
    {
        for (auto* counter : {&m_opsRead, &m_opsWritten, &m_bytesRead, &m_bytesWritten, &m_errors,
                              &m_mismatches, &m_verifiedReads})
            counter->store(0, std::memory_order_relaxed);
        m_inFlight.store(0, std::memory_order_relaxed);
    }
    void completed(bool read, uint64_t bytes)
    {
        (read ? m_opsRead : m_opsWritten).fetch_add(1, std::memory_order_relaxed);
        (read ? m_bytesRead : m_bytesWritten).fetch_add(bytes, std::memory_order_relaxed);
    }
    void submitted() { m_inFlight.fetch_add(1, std::memory_order_relaxed); }
    void reaped() { m_inFlight.fetch_sub(1, std::memory_order_relaxed); }
    void error() { m_errors.fetch_add(1, std::memory_order_relaxed); }
    void mismatch() { m_mismatches.fetch_add(1, std::memory_order_relaxed); }
    void verified() { m_verifiedReads.fetch_add(1, std::memory_order_relaxed); }

    WorkloadProgress snapshot() const
    {
        WorkloadProgress p;
        p.opsRead = m_opsRead.load(std::memory_order_relaxed);
        p.opsWritten = m_opsWritten.load(std::memory_order_relaxed);
        p.bytesRead = m_bytesRead.load(std::memory_order_relaxed);
        p.bytesWritten = m_bytesWritten.load(std::memory_order_relaxed);
        p.errors = m_errors.load(std::memory_order_relaxed);
        p.mismatches = m_mismatches.load(std::memory_order_relaxed);
        p.verifiedReads = m_verifiedReads.load(std::memory_order_relaxed);
        p.inFlight = m_inFlight.load(std::memory_order_relaxed);
        return p;
    }

private:
    std::atomic<uint64_t> m_opsRead{0};
    std::atomic<uint64_t> m_opsWritten{0};
    std::atomic<uint64_t> m_bytesRead{0};
    std::atomic<uint64_t> m_bytesWritten{0};
    std::atomic<uint64_t> m_errors{0};
    std::atomic<uint64_t> m_mismatches{0};
    std::atomic<uint64_t> m_verifiedReads{0};
    std::atomic<int64_t> m_inFlight{0};
};

} // namespace cryptstack
