// Workload runner: slices the region, starts and waits for the worker threads, merges results.
#include "WorkloadRunner.h"

#include "WorkloadWorker.h"
#include "block/BlockDevice.h"
#include "core/NamedThread.h"

#include <latch>

namespace cryptstack {

namespace {

using Clock = std::chrono::steady_clock;

int64_t clockNs(Clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

} // namespace

WorkloadRunner::WorkloadRunner() = default;
WorkloadRunner::~WorkloadRunner() = default;

void WorkloadRunner::stopWorkers()
{
    m_stop.store(true, std::memory_order_release);
    std::lock_guard lock(m_mutex);
    for (const auto& worker : m_workers)
        worker->wake();
}

void WorkloadRunner::cancel()
{
    m_cancelled.store(true, std::memory_order_relaxed);
    stopWorkers();
}

void WorkloadRunner::fail(const Status& status)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_failure.isOk())
            m_failure = status;
    }
    stopWorkers();
}

void WorkloadRunner::forgetWrites()
{
    m_ledgerKey = {};
    m_generations.clear();
}

WorkloadProgress WorkloadRunner::progress() const
{
    WorkloadProgress progress = m_counters.snapshot();
    progress.running = m_running.load(std::memory_order_acquire);
    const int64_t start = m_startNs.load(std::memory_order_relaxed);
    const int64_t end = progress.running ? clockNs(Clock::now()) : m_endNs.load(std::memory_order_relaxed);
    progress.elapsed = std::chrono::nanoseconds(start && end > start ? end - start : 0);
    return progress;
}

Result<WorkloadResult> WorkloadRunner::run(BlockDevice& device, const WorkloadSpec& requested)
{
    Q_ASSERT(!CompletionContextScope::active());
    auto resolved = requested.resolvedFor(device);
    if (!resolved)
        return resolved.status();
    const WorkloadSpec spec = *resolved;
    const uint64_t blocks = *spec.size / spec.blockSize;
    const LedgerKey key{&device, spec.offset, blocks, spec.blockSize};
    if (spec.verify && !(key == m_ledgerKey)) {
        m_ledgerKey = key;
        m_generations.assign(blocks, 0);
    } else if (!spec.verify && spec.writes()) {
        forgetWrites(); // plain writes leave blocks without headers
    }

    m_counters.reset();
    m_stop.store(false);
    m_cancelled.store(false);
    m_failure = Status::ok();
    const Clock::time_point start = Clock::now();
    const std::optional<uint64_t> totalOps =
        spec.totalBytes ? std::optional<uint64_t>(*spec.totalBytes / spec.blockSize) : std::nullopt;
    {
        std::lock_guard lock(m_mutex);
        m_workers.clear();
        for (uint32_t i = 0; i < spec.threads; ++i) {
            WorkloadWorker::Setup setup;
            setup.device = &device;
            setup.spec = &spec;
            setup.index = i;
            // Contiguous slices of nearly equal size; blocks >= threads, so none is empty.
            setup.firstBlock = blocks * i / spec.threads;
            setup.blockCount = blocks * (i + 1) / spec.threads - setup.firstBlock;
            if (totalOps)
                setup.opLimit = *totalOps / spec.threads + (i < *totalOps % spec.threads ? 1 : 0);
            setup.start = start;
            if (spec.runtime)
                setup.deadline = start + *spec.runtime;
            // The total rate split evenly: each thread paces itself, no shared clock on the data path.
            if (spec.rateIops)
                setup.intervalNs = 1e9 * spec.threads / static_cast<double>(spec.rateIops);
            setup.generations = spec.verify ? m_generations.data() + setup.firstBlock : nullptr;
            setup.counters = &m_counters;
            setup.stop = &m_stop;
            setup.fail = [this](const Status& status) {
                fail(status);
            };
            m_workers.push_back(std::make_unique<WorkloadWorker>(std::move(setup)));
            if (Status status = m_workers.back()->setupStatus(); !status) {
                m_workers.clear();
                return status;
            }
        }
    }

    m_startNs.store(clockNs(start), std::memory_order_relaxed);
    m_running.store(true, std::memory_order_release);
    Clock::time_point end;
    {
        std::latch finished(spec.threads);
        std::vector<std::unique_ptr<NamedThread>> threads;
        for (uint32_t i = 0; i < spec.threads; ++i) {
            WorkloadWorker* worker = m_workers[i].get();
            threads.push_back(std::make_unique<NamedThread>(
                QStringLiteral("workload/%1").arg(i),
                [worker, &finished] {
                    worker->run();
                    finished.count_down();
                },
                [this] { stopWorkers(); }));
        }
        // The run ends when the last worker has reaped its last request; the threads are then
        // joined (their stop callback finds nothing left to stop).
        finished.wait();
        end = Clock::now();
    }
    m_endNs.store(clockNs(end), std::memory_order_relaxed);
    m_running.store(false, std::memory_order_release);

    WorkloadResult result;
    result.device = device.displayName();
    result.spec = spec;
    const WorkloadProgress counts = m_counters.snapshot();
    result.opsRead = counts.opsRead;
    result.opsWritten = counts.opsWritten;
    result.bytesRead = counts.bytesRead;
    result.bytesWritten = counts.bytesWritten;
    result.errors = counts.errors;
    result.mismatches = counts.mismatches;
    result.verifiedReads = counts.verifiedReads;
    result.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start);
    LatencyHistogram reads;
    LatencyHistogram writes;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& worker : m_workers) {
            reads.merge(worker->readLatency());
            writes.merge(worker->writeLatency());
        }
        m_workers.clear();
        result.status = m_failure;
    }
    result.readLatency = LatencySummary::of(reads);
    result.writeLatency = LatencySummary::of(writes);
    LatencyHistogram all = reads;
    all.merge(writes);
    result.latency = LatencySummary::of(all);
    result.cancelled = m_cancelled.load(std::memory_order_relaxed);
    return result;
}

} // namespace cryptstack
