// The bounded bounce-buffer pool of the write path (the kernel's page mempool with its per-client
// page limit). Writes take their pages on the crypt queue, where waiting is allowed; a blocking
// taker holds the allocation lock while it collects pages one by one, so two writers can never
// each hold half of the pool and wait for each other (the kernel's bio_alloc_lock).
// Like a mempool, buffers given back are kept for the next taker of the same size, as long as
// the memory allocated (buffers handed out plus buffers kept) stays within the limit: a fresh
// 128 KiB allocation costs a memset plus a page fault per page, which profiled at a sixth of a
// write's crypt time. (A blocking taker counts its pages before it allocates, so inUse() plus
// sparePages() can pass the limit for a moment; kept buffers are dropped before it allocates.)
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <QStringList>

namespace cryptstack {

class PagePool
{
public:
    static constexpr size_t PageSize = 4096;
    explicit PagePool(uint64_t pageLimit) : m_limit(pageLimit) {}

    // A buffer of whole pages for `bytes`, accounted against the limit. Returns null when it
    // would exceed the limit and mayWait is false.
    using Buffer = std::unique_ptr<std::byte[]>;
    Buffer take(size_t bytes, bool mayWait);
    void give(Buffer buffer, size_t bytes);

    // Wakes every waiting taker with no buffer (the watchdog breaking a deadlock). Until pages
    // come back to the pool, takers that would wait fail at once too, so a deadlocked map call
    // unwinds in one go; the first page given back ends that.
    void failWaiters();
    // The threads waiting for pages now, as "thread (n pages)".
    QStringList waiters() const;

    uint64_t inUse() const;
    // Pages held in buffers kept for reuse.
    uint64_t sparePages() const;
    uint64_t limit() const;
    void setLimit(uint64_t pages);
    static uint64_t pagesFor(size_t bytes) { return (bytes + PageSize - 1) / PageSize; }

private:
    // With m_mutex held and `pages` already counted in use: a kept buffer of that size, or null
    // after moving kept buffers of other sizes into `dropped` until a fresh one fits the limit.
    Buffer takeSpare(uint64_t pages, std::vector<Buffer>& dropped);
    // With m_mutex held: moves kept buffers into `dropped` until in use + kept <= the limit.
    void trimSpare(std::vector<Buffer>& dropped);
    static Buffer allocate(uint64_t pages);

    mutable std::mutex m_mutex;
    std::condition_variable m_released;
    std::mutex m_allocationLock;
    uint64_t m_inUse = 0;
    uint64_t m_limit;
    bool m_failing = false;
    std::vector<QString> m_waiters;
    std::map<uint64_t, std::vector<Buffer>> m_spare; // by page count
    uint64_t m_sparePages = 0;
};

} // namespace cryptstack
