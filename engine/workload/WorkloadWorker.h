// One thread of a workload: keeps queueDepth asynchronous requests in flight over its own slice of
// the region, reaps their completions on its own thread (completions only queue the request and
// wake it), checks reads in verify mode and stops at its bound, at cancel or at the first failure.
#pragma once

#include "BlockPermutation.h"
#include "LatencyHistogram.h"
#include "WorkloadProgress.h"
#include "WorkloadSpec.h"
#include "block/BlockDevice.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

namespace cryptstack {

class WorkloadWorker
{
public:
    using Clock = std::chrono::steady_clock;

    struct Setup
    {
        BlockDevice* device = nullptr;
        const WorkloadSpec* spec = nullptr; // resolved for the device
        unsigned index = 0;
        uint64_t firstBlock = 0; // this thread's slice, in blocks from the region's start
        uint64_t blockCount = 0;
        std::optional<uint64_t> opLimit; // this thread's share of the byte bound, in requests
        Clock::time_point start;
        std::optional<Clock::time_point> deadline;
        // Rate limit: request k (from 0) is not issued before start + (k + 1) * interval, so the count
        // never runs ahead of the rate, not even by the first request.
        double intervalNs = 0;
        // Verify mode: the generation last written to each block of the slice (0: unknown). Only
        // this thread touches its slice while the run lasts. Null without verify.
        uint32_t* generations = nullptr;
        WorkloadCounters* counters = nullptr;
        const std::atomic<bool>* stop = nullptr;
        // Records the run's failure and stops every thread; called on this thread.
        std::function<void(const Status&)> fail;
    };

    explicit WorkloadWorker(Setup setup);
    ~WorkloadWorker();
    WorkloadWorker(const WorkloadWorker&) = delete;
    WorkloadWorker& operator=(const WorkloadWorker&) = delete;

    // Not ok when the buffers could not be allocated; then run() must not be called.
    const Status& setupStatus() const { return m_setupStatus; }
    // The thread's loop; returns once nothing it submitted is in flight any more.
    void run();
    // Makes the loop look at the stop flag again (after someone set it).
    void wake();

    const LatencyHistogram& readLatency() const { return m_readLatency; }
    const LatencyHistogram& writeLatency() const { return m_writeLatency; }

private:
    struct Slot
    {
        Bio bio;
        WorkloadWorker* owner = nullptr;
        std::byte* buffer = nullptr;
        uint64_t block = 0;      // slice-relative
        uint32_t generation = 0; // of a verify-mode write
        bool busy = false;
        Clock::time_point submitted;
        Clock::time_point completed; // written by endIo, read after the hand-over under m_mutex
    };
    struct FreeDeleter
    {
        void operator()(std::byte* p) const { std::free(p); }
    };

    static void endIo(Bio* bio);
    bool finished(Clock::time_point now) const;
    uint64_t peekBlock();
    void consumeBlock();
    bool busy(uint64_t block) const;
    void issue(uint64_t block);
    void reap();
    void finish(Slot& slot);
    void waitForCompletion(std::optional<Clock::time_point> until, bool wakeOnStop);
    uint64_t deviceOffset(uint64_t block) const;

    Setup m_setup;
    Status m_setupStatus;
    std::unique_ptr<std::byte[], FreeDeleter> m_buffers;
    std::vector<Slot> m_slots; // never resized after construction: bios point into it

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Slot*> m_completed; // guarded by m_mutex; reserved so endIo never allocates

    // Owned by the worker thread.
    std::vector<Slot*> m_reaping;
    std::vector<Slot*> m_free;
    uint64_t m_issued = 0;
    uint32_t m_inFlight = 0;
    uint64_t m_cursor = 0; // position in the current pass over the slice
    uint64_t m_pass = 0;
    std::optional<uint64_t> m_pending; // the next block, chosen but not issued yet
    std::optional<BlockPermutation> m_permutation;
    std::mt19937_64 m_random;
    bool m_failed = false;
    LatencyHistogram m_readLatency;
    LatencyHistogram m_writeLatency;
};

} // namespace cryptstack
