#include "PagePool.h"

#include "core/ThreadName.h"

#include <algorithm>

namespace cryptstack {

std::unique_ptr<std::byte[]> PagePool::take(size_t bytes, bool mayWait)
{
    const uint64_t pages = pagesFor(bytes);
    {
        std::lock_guard lock(m_mutex);
        if (m_inUse + pages <= m_limit) {
            m_inUse += pages;
            return std::make_unique<std::byte[]>(pages * PageSize);
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
        ++m_inUse;
    }
    m_waiters.erase(std::find(m_waiters.begin(), m_waiters.end(), waiter));
    if (taken < pages) {
        m_inUse -= taken;
        m_released.notify_all();
        return nullptr;
    }
    return std::make_unique<std::byte[]>(pages * PageSize);
}

void PagePool::give(std::unique_ptr<std::byte[]> buffer, size_t bytes)
{
    buffer.reset();
    std::lock_guard lock(m_mutex);
    m_inUse -= pagesFor(bytes);
    m_failing = false;
    m_released.notify_all();
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

uint64_t PagePool::limit() const
{
    std::lock_guard lock(m_mutex);
    return m_limit;
}

void PagePool::setLimit(uint64_t pages)
{
    {
        std::lock_guard lock(m_mutex);
        m_limit = pages;
    }
    m_released.notify_all();
}

} // namespace cryptstack
