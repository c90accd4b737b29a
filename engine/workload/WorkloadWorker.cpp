// One workload thread: submission, completion hand-over, verification and pacing.
#include "WorkloadWorker.h"

#include "VerifyBlock.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cryptstack {

namespace {

constexpr size_t BufferAlignment = 4096; // page-aligned, so any device may use the buffers directly

uint64_t seedFor(unsigned index, uint64_t pass)
{
    return (uint64_t{index} << 32) ^ (pass * 0x9e3779b97f4a7c15ull) ^ 0x5eedf00dull;
}

} // namespace

WorkloadWorker::WorkloadWorker(Setup setup)
    : m_setup(std::move(setup)), m_slots(m_setup.spec->queueDepth), m_random(seedFor(m_setup.index, ~0ull))
{
    const WorkloadSpec& spec = *m_setup.spec;
    const size_t bytes = size_t{spec.queueDepth} * spec.blockSize;
    const size_t rounded = (bytes + BufferAlignment - 1) / BufferAlignment * BufferAlignment;
    m_buffers.reset(static_cast<std::byte*>(std::aligned_alloc(BufferAlignment, rounded)));
    if (!m_buffers) {
        m_setupStatus = Status(ErrorCode::NoMemory,
                               QStringLiteral("workload: cannot allocate %1 bytes of buffers").arg(rounded));
        return;
    }
    // Plain writes carry whatever the buffer holds; start it with noise rather than zeroes, which
    // some layers could treat specially.
    std::mt19937_64 noise(seedFor(m_setup.index, 0));
    for (size_t i = 0; i + 8 <= rounded; i += 8) {
        const uint64_t word = noise();
        std::memcpy(m_buffers.get() + i, &word, sizeof word);
    }
    m_completed.reserve(spec.queueDepth);
    m_reaping.reserve(spec.queueDepth);
    m_free.reserve(spec.queueDepth);
    for (uint32_t i = 0; i < spec.queueDepth; ++i) {
        m_slots[i].owner = this;
        m_slots[i].buffer = m_buffers.get() + size_t{i} * spec.blockSize;
        m_free.push_back(&m_slots[i]);
    }
    if (spec.pattern == WorkloadPattern::Random)
        m_permutation.emplace(m_setup.blockCount, seedFor(m_setup.index, 0));
}

WorkloadWorker::~WorkloadWorker()
{
    Q_ASSERT(m_inFlight == 0);
}

void WorkloadWorker::endIo(Bio* bio)
{
    auto* slot = static_cast<Slot*>(bio->priv);
    slot->completed = Clock::now();
    WorkloadWorker* owner = slot->owner;
    std::lock_guard lock(owner->m_mutex);
    owner->m_completed.push_back(slot);
    // Notify under the lock: once the worker has seen its last completion it may be destroyed.
    owner->m_wake.notify_one();
}

void WorkloadWorker::wake()
{
    std::lock_guard lock(m_mutex);
    m_wake.notify_one();
}

uint64_t WorkloadWorker::deviceOffset(uint64_t block) const
{
    const WorkloadSpec& spec = *m_setup.spec;
    return spec.offset + (m_setup.firstBlock + block) * spec.blockSize;
}

bool WorkloadWorker::finished(Clock::time_point now) const
{
    return m_failed || m_setup.stop->load(std::memory_order_acquire) ||
           (m_setup.opLimit && m_issued >= *m_setup.opLimit) ||
           (m_setup.deadline && now >= *m_setup.deadline);
}

uint64_t WorkloadWorker::peekBlock()
{
    if (!m_pending)
        m_pending = m_permutation ? m_permutation->at(m_cursor) : m_cursor;
    return *m_pending;
}

void WorkloadWorker::consumeBlock()
{
    m_pending.reset();
    if (++m_cursor < m_setup.blockCount)
        return;
    // A new pass: random workloads take a fresh order, so passes do not repeat.
    m_cursor = 0;
    ++m_pass;
    if (m_permutation)
        m_permutation.emplace(m_setup.blockCount, seedFor(m_setup.index, m_pass));
}

bool WorkloadWorker::busy(uint64_t block) const
{
    // Completions may come back out of order (the crypt target reorders them), so an old request
    // for this block can outlive many newer ones: look at every slot (there are only iodepth).
    return std::any_of(m_slots.begin(), m_slots.end(),
                       [block](const Slot& slot) { return slot.busy && slot.block == block; });
}

void WorkloadWorker::issue(uint64_t block)
{
    const WorkloadSpec& spec = *m_setup.spec;
    Slot* slot = m_free.back();
    m_free.pop_back();
    const bool read =
        spec.op == WorkloadOp::Read || (spec.op == WorkloadOp::Mixed && m_random() % 100 < spec.readPercent);
    const uint64_t offset = deviceOffset(block);
    slot->block = block;
    slot->busy = true;
    if (!read && spec.verify) {
        const uint32_t next = m_setup.generations[block] + 1;
        slot->generation = next ? next : 1; // 0 means unknown, even after wrapping
        VerifyBlock::fill(slot->buffer, spec.blockSize, offset, slot->generation);
    }
    slot->bio = Bio{};
    slot->bio.op = read ? BioOp::Read : BioOp::Write;
    slot->bio.sector = offset >> SectorShift;
    slot->bio.data = slot->buffer;
    slot->bio.size = spec.blockSize;
    slot->bio.endIo = endIo;
    slot->bio.priv = slot;
    consumeBlock();
    ++m_issued;
    ++m_inFlight;
    m_setup.counters->submitted();
    slot->submitted = Clock::now();
    m_setup.device->submit(&slot->bio);
}

void WorkloadWorker::reap()
{
    {
        std::lock_guard lock(m_mutex);
        std::swap(m_completed, m_reaping);
    }
    for (Slot* slot : m_reaping)
        finish(*slot);
    m_reaping.clear();
}

void WorkloadWorker::finish(Slot& slot)
{
    const WorkloadSpec& spec = *m_setup.spec;
    const Bio& bio = slot.bio;
    const bool read = bio.op == BioOp::Read;
    const auto latency =
        std::chrono::duration_cast<std::chrono::nanoseconds>(slot.completed - slot.submitted);
    (read ? m_readLatency : m_writeLatency)
        .record(static_cast<uint64_t>(std::max<int64_t>(0, latency.count())));
    --m_inFlight;
    m_setup.counters->reaped();
    slot.busy = false;
    m_free.push_back(&slot);

    if (bio.status != BioStatus::Ok) {
        m_setup.counters->error();
        if (!read && spec.verify)
            m_setup.generations[slot.block] = 0; // what the block holds now is unknown
        m_failed = true;
        const ErrorCode code =
            bio.status == BioStatus::NotSupported ? ErrorCode::NotSupported : ErrorCode::IOError;
        m_setup.fail(Status(code, QStringLiteral("%1: %2 failed at sector %3: %4")
                                      .arg(m_setup.device->displayName(), QLatin1String(bioOpName(bio.op)))
                                      .arg(bio.errorSector)
                                      .arg(QLatin1String(bioStatusText(bio.status)))));
        return;
    }
    m_setup.counters->completed(read, spec.blockSize);
    if (!spec.verify)
        return;
    uint32_t& generation = m_setup.generations[slot.block];
    if (!read) {
        generation = slot.generation;
        return;
    }
    // A mixed run checks only what it knows was written; a read-only run checks every block for a
    // well-formed header (an earlier verify run wrote the region), and its generation when known.
    if (generation == 0 && spec.op != WorkloadOp::Read)
        return;
    const uint64_t offset = deviceOffset(slot.block);
    const VerifyBlock::Check check = VerifyBlock::check(slot.buffer, spec.blockSize, offset, generation);
    m_setup.counters->verified();
    if (check.outcome == VerifyBlock::Outcome::Ok)
        return;
    m_setup.counters->mismatch();
    m_failed = true;
    m_setup.fail(Status(ErrorCode::Corruption, QStringLiteral("%1: verify failed at offset %2: %3")
                                                   .arg(m_setup.device->displayName())
                                                   .arg(offset)
                                                   .arg(VerifyBlock::describe(check, generation))));
}

void WorkloadWorker::waitForCompletion(std::optional<Clock::time_point> until, bool wakeOnStop)
{
    std::unique_lock lock(m_mutex);
    const auto ready = [&] {
        return !m_completed.empty() || (wakeOnStop && m_setup.stop->load(std::memory_order_acquire));
    };
    if (until)
        m_wake.wait_until(lock, *until, ready);
    else
        m_wake.wait(lock, ready);
}

void WorkloadWorker::run()
{
    Q_ASSERT(m_setupStatus.isOk());
    const WorkloadSpec& spec = *m_setup.spec;
    for (;;) {
        reap();
        if (finished(Clock::now())) {
            // Stop issuing; wait for what is in flight, which may still complete with an error.
            if (m_inFlight == 0)
                return;
            waitForCompletion(std::nullopt, false);
            continue;
        }
        std::optional<Clock::time_point> wakeAt = m_setup.deadline;
        bool issued = false;
        while (m_inFlight < spec.queueDepth && !(m_setup.opLimit && m_issued >= *m_setup.opLimit)) {
            if (m_setup.intervalNs > 0) {
                const auto due = m_setup.start +
                                 std::chrono::nanoseconds(static_cast<int64_t>(
                                     std::llround(static_cast<double>(m_issued + 1) * m_setup.intervalNs)));
                if (Clock::now() < due) {
                    wakeAt = wakeAt ? std::min(*wakeAt, due) : due;
                    break;
                }
            }
            const uint64_t block = peekBlock();
            if (busy(block))
                break; // its earlier request must finish first, or a read could see either version
            issue(block);
            issued = true;
        }
        if (!issued)
            waitForCompletion(wakeAt, true);
    }
}

} // namespace cryptstack
