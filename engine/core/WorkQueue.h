// A blocking multi-producer, multi-consumer queue for the data path. std::mutex and
// std::condition_variable rather than Qt's locks, so ThreadSanitizer sees every hand-off.
// Consumers take one item, everything queued so far, or a run of items that belong together.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace cryptstack {

template <typename T> class WorkQueue
{
public:
    void push(T item)
    {
        // Notify under the lock: once the item is taken, its consumer may finish the work and the
        // queue's owner may destroy the queue, so nothing may touch it after the lock is released.
        std::lock_guard lock(m_mutex);
        m_items.push_back(std::move(item));
        m_ready.notify_one();
    }

    // Waits for work; returns false once the queue is closed and empty.
    bool popAll(std::vector<T>& out)
    {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] { return !m_items.empty() || m_closed; });
        if (m_items.empty())
            return false;
        out.assign(std::make_move_iterator(m_items.begin()), std::make_move_iterator(m_items.end()));
        m_items.clear();
        return true;
    }

    // Waits for work; takes the first item and, if it satisfies `batchable`, every batchable item
    // right behind it. Returns false once the queue is closed and empty.
    template <typename Predicate> bool popRun(std::vector<T>& out, Predicate batchable)
    {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] { return !m_items.empty() || m_closed; });
        if (m_items.empty())
            return false;
        out.clear();
        do {
            out.push_back(std::move(m_items.front()));
            m_items.pop_front();
        } while (!m_items.empty() && batchable(out.front()) && batchable(m_items.front()));
        return true;
    }

    std::optional<T> pop()
    {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] { return !m_items.empty() || m_closed; });
        if (m_items.empty())
            return std::nullopt;
        T item = std::move(m_items.front());
        m_items.pop_front();
        return item;
    }

    void close()
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_ready.notify_all();
    }

    size_t size() const
    {
        std::lock_guard lock(m_mutex);
        return m_items.size();
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<T> m_items;
    bool m_closed = false;
};

} // namespace cryptstack
