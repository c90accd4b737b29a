#include "PagePool.h"

#include "core/ThreadName.h"

#include <algorithm>

namespace cryptstack {

PagePool::Buffer PagePool::allocate(uint64_t pages)
{
    // Not zeroed: a write's bounce buffer is filled by the cipher before anything reads it.
    return std::make_unique_for_overwrite<std::byte[]>(pages * PageSize);
}

PagePool::Buffer PagePool::takeSpare(uint64_t pages, std::vector<Buffer>& dropped)
{
    auto same = m_spare.find(pages);
    if (same != m_spare.end() && !same->second.empty()) {
        Buffer buffer = std::move(same->second.back());
        same->second.pop_back();
        m_sparePages -= pages;
        return buffer;
    }
    trimSpare(dropped);
    return nullptr;
}

void PagePool::trimSpare(std::vector<Buffer>& dropped)
{
    for (auto it = m_spare.begin(); m_inUse + m_sparePages > m_limit && it != m_spare.end(); ++it) {
        while (m_inUse + m_sparePages > m_limit && !it->second.empty()) {
            dropped.push_back(std::move(it->second.back()));
            it->second.pop_back();
            m_sparePages -= it->first;
        }
    }
}

PagePool::Buffer PagePool::take(size_t bytes, bool mayWait)
{
    const uint64_t pages = pagesFor(bytes);
    std::vector<Buffer> dropped; // freed after the lock is let go
    {
        std::unique_lock lock(m_mutex);
        if (m_inUse + pages <= m_limit) {
            m_inUse += pages;
            Buffer kept = takeSpare(pages, dropped);
            lock.unlock();
            return kept ? std::move(kept) : allocate(pages);
        }
    }
    if (!mayWait)
        return nullptr;
    std::lock_guard allocation(m_allocationLock);
    std::unique_lock lock(m_mutex);
    const QString waiter = QStringLiteral("%1 (%2 pages)").arg(currentThreadName()).arg(pages);
    m_waiters.push_back(waiter);
    uint64_t taken = 0;
    for (; taken < pages; ++taken) {
        m_released.wait(lock, [this] { return m_inUse < m_limit || m_failing; });
        if (m_failing)
            break;
        ++m_inUse; // counted, not allocated: kept buffers are trimmed before allocating
    }
    m_waiters.erase(std::find(m_waiters.begin(), m_waiters.end(), waiter));
    if (taken < pages) {
        m_inUse -= taken;
        m_released.notify_all();
        return nullptr;
    }
    Buffer kept = takeSpare(pages, dropped);
    lock.unlock();
    return kept ? std::move(kept) : allocate(pages);
}

void PagePool::give(Buffer buffer, size_t bytes)
{
    const uint64_t pages = pagesFor(bytes);
    {
        std::lock_guard lock(m_mutex);
        m_inUse -= pages;
        m_failing = false;
        if (m_inUse + m_sparePages + pages <= m_limit) {
            m_spare[pages].push_back(std::move(buffer));
            m_sparePages += pages;
        }
    }
    m_released.notify_all();
    buffer.reset(); // not kept: freed outside the lock
}

void PagePool::failWaiters()
{
    {
        std::lock_guard lock(m_mutex);
        m_failing = true;
    }
    m_released.notify_all();
}

QStringList PagePool::waiters() const
{
    std::lock_guard lock(m_mutex);
    return QStringList(m_waiters.begin(), m_waiters.end());
}

uint64_t PagePool::inUse() const
{
    std::lock_guard lock(m_mutex);
    return m_inUse;
}

uint64_t PagePool::sparePages() const
{
    std::lock_guard lock(m_mutex);
    return m_sparePages;
}

uint64_t PagePool::limit() const
{
    std::lock_guard lock(m_mutex);
    return m_limit;
}

void PagePool::setLimit(uint64_t pages)
{
    std::vector<Buffer> dropped;
    {
        std::lock_guard lock(m_mutex);
        m_limit = pages;
        trimSpare(dropped);
    }
    m_released.notify_all();
}

} // namespace cryptstack
