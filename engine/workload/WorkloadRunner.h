// Runs a WorkloadSpec on any BlockDevice: one NamedThread "workload/<n>" per thread, each with its
// own slice of the region and queueDepth asynchronous requests in flight. Progress can be read and
// the run cancelled from any thread while it lasts.
#pragma once

#include "WorkloadProgress.h"
#include "WorkloadResult.h"
#include "WorkloadSpec.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace cryptstack {

class BlockDevice;
class WorkloadWorker;

class WorkloadRunner
{
public:
    WorkloadRunner();
    ~WorkloadRunner();
    WorkloadRunner(const WorkloadRunner&) = delete;
    WorkloadRunner& operator=(const WorkloadRunner&) = delete;

    // Runs to the spec's bound, cancel() or the first I/O error or verify mismatch, blocking the
    // calling thread (never a completion context). Fails only when the spec does not fit the
    // device; errors during the run are in the result's status, next to what was done until then.
    // In verify mode the runner remembers the generation it last wrote to each block of the region,
    // so a later verify run over the same region and block size checks generations too; a run
    // without verify that writes there makes it forget.
    Result<WorkloadResult> run(BlockDevice& device, const WorkloadSpec& spec);

    // Stops the run in progress: no new requests, those in flight complete. Any thread.
    void cancel();
    // A copy of the live counters; any thread, any rate.
    WorkloadProgress progress() const;
    // Drops the remembered generations (e.g. after the device was rewritten by someone else).
    void forgetWrites();

private:
    struct LedgerKey
    {
        const BlockDevice* device = nullptr;
        uint64_t offset = 0;
        uint64_t blocks = 0;
        uint32_t blockSize = 0;
        bool operator==(const LedgerKey&) const = default;
    };

    void fail(const Status& status);
    void stopWorkers();

    WorkloadCounters m_counters;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_cancelled{false};
    std::atomic<bool> m_running{false};
    std::atomic<int64_t> m_startNs{0}; // steady clock, for progress()
    std::atomic<int64_t> m_endNs{0};

    std::mutex m_mutex; // guards m_workers (for cancel) and m_failure
    std::vector<std::unique_ptr<WorkloadWorker>> m_workers;
    Status m_failure;

    // Touched only by run() and the workers it waits for.
    LedgerKey m_ledgerKey;
    std::vector<uint32_t> m_generations; // per block of the region, in verify mode
};

} // namespace cryptstack
