#include "BlockDevice.h"

#include "core/ThreadName.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

namespace cryptstack {

namespace {

thread_local bool t_inCompletionContext = false;

// The kernel's current->bio_list: bios submitted while this thread is inside a device's
// startRequest, started one after another once it returns.
struct BioList
{
    std::mutex mutex; // taken only while tracing, so the watchdog can read a live list
    std::deque<std::pair<BlockDevice*, Bio*>> bios;
};
thread_local BioList* t_bioList = nullptr;

std::atomic<bool> g_tracing{false};
std::mutex g_listsMutex;
std::map<BioList*, QString> g_lists; // live lists of threads, while tracing

struct Waiter
{
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
};

void wakeWaiter(Bio* bio)
{
    auto* waiter = static_cast<Waiter*>(bio->priv);
    std::lock_guard lock(waiter->mutex);
    waiter->finished = true;
    // Notify under the lock: the waiter owns this object and frees it as soon as it sees finished.
    waiter->done.notify_one();
}

} // namespace

BlockDevice::~BlockDevice() = default;

void BlockDevice::submit(Bio* bio)
{
    const bool tracing = g_tracing.load(std::memory_order_relaxed);
    if (t_bioList) {
        if (tracing) {
            std::lock_guard lock(t_bioList->mutex);
            t_bioList->bios.emplace_back(this, bio);
        } else {
            t_bioList->bios.emplace_back(this, bio);
        }
        return;
    }
    // One list per thread, reused: no allocation per top-level submit on the data path.
    thread_local BioList list;
    t_bioList = &list;
    if (tracing) {
        std::lock_guard lock(g_listsMutex);
        g_lists.emplace(&list, currentThreadName());
    }
    // As the kernel's __submit_bio_noacct: after each request, the bios it queued for lower
    // devices go first, then those for the same device, then what was pending before. All of
    // them stay in the one list, so the watchdog sees everything that waits.
    BlockDevice* device = this;
    for (;;) {
        const size_t pending = list.bios.size(); // only this thread changes its list
        device->startRequest(bio);
        std::unique_lock lock(list.mutex, std::defer_lock);
        if (tracing)
            lock.lock();
        const auto added = list.bios.begin() + static_cast<ptrdiff_t>(pending);
        std::stable_partition(added, list.bios.end(),
                              [device](const auto& queued) { return queued.first != device; });
        std::rotate(list.bios.begin(), added, list.bios.end());
        if (list.bios.empty())
            break;
        std::tie(device, bio) = list.bios.front();
        list.bios.pop_front();
    }
    if (tracing) {
        std::lock_guard lock(g_listsMutex);
        g_lists.erase(&list);
    }
    t_bioList = nullptr;
}

void BlockDevice::setBioListTracing(bool on)
{
    g_tracing.store(on, std::memory_order_relaxed);
}

QStringList BlockDevice::bioListReport()
{
    QStringList report;
    std::lock_guard lock(g_listsMutex);
    for (auto& [list, thread] : g_lists) {
        std::lock_guard listLock(list->mutex);
        if (list->bios.empty())
            continue;
        QStringList bios;
        for (const auto& [device, bio] : list->bios)
            bios += QStringLiteral("%1 %2 sector %3+%4")
                        .arg(QLatin1String(bioOpName(bio->op)), device->displayName())
                        .arg(bio->sector)
                        .arg(bio->sectors());
        report += QStringLiteral("thread %1 has %2 bio(s) queued on its bio list, not yet started: %3")
                      .arg(thread)
                      .arg(list->bios.size())
                      .arg(bios.join(QStringLiteral(", ")));
    }
    return report;
}

Status BlockDevice::submitAndWait(Bio& bio)
{
    Q_ASSERT(!CompletionContextScope::active());
    Waiter waiter;
    bio.endIo = wakeWaiter;
    bio.priv = &waiter;
    submit(&bio);
    {
        std::unique_lock lock(waiter.mutex);
        waiter.done.wait(lock, [&] { return waiter.finished; });
    }
    if (bio.status == BioStatus::Ok)
        return Status::ok();
    const ErrorCode code =
        bio.status == BioStatus::NotSupported ? ErrorCode::NotSupported : ErrorCode::IOError;
    QString message = QStringLiteral("%1: %2 failed").arg(displayName(), QLatin1String(bioOpName(bio.op)));
    if (bio.op != BioOp::Flush)
        message += QStringLiteral(" at sector %1").arg(bio.errorSector);
    return Status(code, message + QStringLiteral(": ") + QLatin1String(bioStatusText(bio.status)));
}

Status BlockDevice::readSectors(uint64_t sector, void* buffer, uint64_t bytes)
{
    Bio bio;
    bio.op = BioOp::Read;
    bio.sector = sector;
    bio.data = static_cast<std::byte*>(buffer);
    bio.size = bytes;
    return submitAndWait(bio);
}

Status BlockDevice::writeSectors(uint64_t sector, const void* buffer, uint64_t bytes, uint32_t flags)
{
    Bio bio;
    bio.op = BioOp::Write;
    bio.flags = flags;
    bio.sector = sector;
    // Bio carries a mutable pointer for reads; a write's buffer is never modified by contract.
    bio.data = static_cast<std::byte*>(const_cast<void*>(buffer));
    bio.size = bytes;
    return submitAndWait(bio);
}

Status BlockDevice::flush()
{
    Bio bio;
    bio.op = BioOp::Flush;
    return submitAndWait(bio);
}

Status BlockDevice::discard(uint64_t sector, uint64_t count)
{
    Bio bio;
    bio.op = BioOp::Discard;
    bio.sector = sector;
    bio.size = count << SectorShift;
    return submitAndWait(bio);
}

Status BlockDevice::readBytes(uint64_t offset, void* buffer, uint64_t bytes)
{
    if (bytes == 0)
        return Status::ok();
    // Whole logical blocks: a device with 4096-byte blocks refuses anything smaller.
    const uint64_t block = logicalBlockSize();
    const uint64_t head = offset % block;
    if (head == 0 && bytes % block == 0)
        return readSectors(offset >> SectorShift, buffer, bytes);
    const uint64_t first = offset - head;
    const uint64_t end = (offset + bytes + block - 1) / block * block;
    std::vector<std::byte> span(end - first);
    if (Status status = readSectors(first >> SectorShift, span.data(), span.size()); !status)
        return status;
    std::memcpy(buffer, span.data() + head, bytes);
    return Status::ok();
}

Status BlockDevice::writeBytes(uint64_t offset, const void* buffer, uint64_t bytes)
{
    if (bytes == 0)
        return Status::ok();
    const uint64_t block = logicalBlockSize();
    const uint64_t head = offset % block;
    if (head == 0 && bytes % block == 0)
        return writeSectors(offset >> SectorShift, buffer, bytes);
    // Read-modify-write the partial first and last blocks; the middle comes from the caller.
    const uint64_t first = offset - head;
    const uint64_t end = (offset + bytes + block - 1) / block * block;
    std::vector<std::byte> span(end - first);
    if (Status status = readSectors(first >> SectorShift, span.data(), block); !status)
        return status;
    if (span.size() > block) {
        const uint64_t lastBlock = end - block;
        if (Status status = readSectors(lastBlock >> SectorShift, span.data() + span.size() - block, block);
            !status)
            return status;
    }
    std::memcpy(span.data() + head, buffer, bytes);
    return writeSectors(first >> SectorShift, span.data(), span.size());
}

CompletionContextScope::CompletionContextScope() : m_previous(t_inCompletionContext)
{
    t_inCompletionContext = true;
}

CompletionContextScope::~CompletionContextScope()
{
    t_inCompletionContext = m_previous;
}

bool CompletionContextScope::active()
{
    return t_inCompletionContext;
}

} // namespace cryptstack
