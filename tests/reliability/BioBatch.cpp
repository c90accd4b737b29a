#include "BioBatch.h"

#include "TestImages.h"

namespace cryptstack::test {

BioBatch::BioBatch(const std::vector<Request>& requests, uint32_t seed) : m_seed(seed)
{
    for (const Request& request : requests) {
        auto entry = std::make_unique<Entry>();
        entry->batch = this;
        entry->request = request;
        const auto bytes = static_cast<qsizetype>(request.sectors << SectorShift);
        entry->buffer = request.op == BioOp::Write ? patternBytes(seed, request.sector << SectorShift, bytes)
                                                   : QByteArray(bytes, '\xee');
        m_entries.push_back(std::move(entry));
    }
}

BioBatch::~BioBatch()
{
    // A bio still in flight would complete into freed memory: wait (the caller checked wait()
    // already; this only keeps a failing test from crashing instead of reporting).
    wait(std::chrono::seconds(60));
}

QByteArray BioBatch::expectedWrite(size_t index) const
{
    const Request& r = m_entries[index]->request;
    return patternBytes(m_seed, r.sector << SectorShift, static_cast<qsizetype>(r.sectors << SectorShift));
}

void BioBatch::submitEntry(BlockDevice& device, Entry& entry)
{
    Bio& bio = entry.bio;
    bio = Bio{};
    bio.op = entry.request.op;
    bio.sector = entry.request.sector;
    bio.size = entry.request.sectors << SectorShift;
    bio.data = reinterpret_cast<std::byte*>(entry.buffer.data());
    bio.endIo = &BioBatch::endIo;
    bio.priv = &entry;
    {
        std::lock_guard lock(m_mutex);
        ++m_submitted;
    }
    device.submit(&bio);
}

void BioBatch::submitAll(BlockDevice& device)
{
    for (auto& entry : m_entries)
        submitEntry(device, *entry);
}

bool BioBatch::submitOneAtATime(BlockDevice& device, std::chrono::milliseconds timeout)
{
    for (auto& entry : m_entries) {
        submitEntry(device, *entry);
        if (!wait(timeout))
            return false;
    }
    return true;
}

bool BioBatch::wait(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    return m_done.wait_for(lock, timeout, [this] { return m_completions.load() >= m_submitted; });
}

uint64_t BioBatch::duplicated() const
{
    uint64_t count = 0;
    for (const auto& entry : m_entries)
        count += entry->calls.load() > 1;
    return count;
}

void BioBatch::endIo(Bio* bio)
{
    auto* entry = static_cast<Entry*>(bio->priv);
    BioBatch* batch = entry->batch;
    entry->calls.fetch_add(1);
    // Counted and notified under the lock: the waiter may destroy the batch once it sees the count.
    std::lock_guard lock(batch->m_mutex);
    batch->m_completions.fetch_add(1);
    batch->m_done.notify_all();
}

} // namespace cryptstack::test
