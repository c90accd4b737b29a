#include "NbdRangeLock.h"

#include <algorithm>

namespace cryptstack::nbd {

bool NbdRangeLock::acquire(NbdRequest* owner, uint64_t start, uint64_t end)
{
    const Range range{owner, start, end};
    std::lock_guard lock(m_mutex);
    const auto conflicts = [&range](const Range& other) {
        return other.overlaps(range);
    };
    if (std::ranges::any_of(m_held, conflicts) || std::ranges::any_of(m_waiting, conflicts)) {
        m_waiting.push_back(range);
        return false;
    }
    m_held.push_back(range);
    return true;
}

std::vector<NbdRequest*> NbdRangeLock::release(NbdRequest* owner)
{
    std::vector<NbdRequest*> granted;
    std::lock_guard lock(m_mutex);
    std::erase_if(m_held, [owner](const Range& range) { return range.owner == owner; });
    // A waiter goes ahead when it overlaps nothing held and no earlier waiter: overlapping
    // requests keep their arrival order.
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        const auto conflicts = [&it](const Range& other) {
            return other.overlaps(*it);
        };
        if (std::ranges::any_of(m_held, conflicts) || std::any_of(m_waiting.begin(), it, conflicts)) {
            ++it;
            continue;
        }
        m_held.push_back(*it);
        granted.push_back(it->owner);
        it = m_waiting.erase(it);
    }
    return granted;
}

size_t NbdRangeLock::heldCount() const
{
    std::lock_guard lock(m_mutex);
    return m_held.size();
}

size_t NbdRangeLock::waitingCount() const
{
    std::lock_guard lock(m_mutex);
    return m_waiting.size();
}

} // namespace cryptstack::nbd
