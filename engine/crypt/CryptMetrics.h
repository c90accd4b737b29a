// Live counters of the crypt target's stages, and the plain snapshot anyone may copy at any rate
// (the GUI samples it on a timer; nothing signals per bio).
#pragma once

#include <atomic>
#include <cstdint>

namespace cryptstack {

struct StageSnapshot
{
    int64_t depth = 0; // items waiting or being processed now
    int64_t peakDepth = 0;
    uint64_t items = 0; // items that went through the stage
    uint64_t bytes = 0;
    uint64_t busyNs = 0; // time spent working, summed over the stage's threads
};

struct CryptMetrics
{
    StageSnapshot ioQueue;    // kcryptd_io: reads whose clone could not be had without waiting
    StageSnapshot cryptQueue; // kcryptd: conversions queued to the crypt workers
    StageSnapshot writeTree;  // dmcrypt_write: encrypted writes waiting for sorted submission
    StageSnapshot asyncQueue; // cryptd: requests queued or backlogged in the async cipher driver
    uint64_t poolPagesInUse = 0;
    uint64_t poolPageLimit = 0;
    int64_t biosInFlight = 0;
    uint64_t errors = 0;
    uint64_t asyncBacklogged = 0; // requests that met a full driver queue (-EBUSY)
    bool asyncMode = false;
    bool teachingMode = false;
};

// The lock-free counters behind one StageSnapshot.
class StageCounter
{
public:
    void enter()
    {
        const int64_t now = m_depth.fetch_add(1, std::memory_order_relaxed) + 1;
        int64_t peak = m_peak.load(std::memory_order_relaxed);
        while (now > peak && !m_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
        }
    }
    void leave(uint64_t bytes)
    {
        m_depth.fetch_sub(1, std::memory_order_relaxed);
        m_items.fetch_add(1, std::memory_order_relaxed);
        m_bytes.fetch_add(bytes, std::memory_order_relaxed);
    }
    void addBusy(uint64_t ns) { m_busyNs.fetch_add(ns, std::memory_order_relaxed); }

    StageSnapshot snapshot() const
    {
        return {m_depth.load(std::memory_order_relaxed), m_peak.load(std::memory_order_relaxed),
                m_items.load(std::memory_order_relaxed), m_bytes.load(std::memory_order_relaxed),
                m_busyNs.load(std::memory_order_relaxed)};
    }

private:
    std::atomic<int64_t> m_depth{0};
    std::atomic<int64_t> m_peak{0};
    std::atomic<uint64_t> m_items{0};
    std::atomic<uint64_t> m_bytes{0};
    std::atomic<uint64_t> m_busyNs{0};
};

} // namespace cryptstack
