#include "BioTrace.h"

namespace cryptstack {

const char* traceStageName(TraceStage stage)
{
    switch (stage) {
    case TraceStage::Mapped:
        return "map";
    case TraceStage::IoQueued:
        return "kcryptd_io queued";
    case TraceStage::LowerSubmitted:
        return "lower submitted";
    case TraceStage::LowerCompleted:
        return "lower completed";
    case TraceStage::CryptQueued:
        return "kcryptd queued";
    case TraceStage::CryptStarted:
        return "crypt started";
    case TraceStage::CryptDone:
        return "crypt done";
    case TraceStage::AsyncQueued:
        return "cryptd queued";
    case TraceStage::AsyncDone:
        return "cryptd callback";
    case TraceStage::WriteQueued:
        return "dmcrypt_write queued";
    case TraceStage::Completed:
        return "completed";
    }
    return "?";
}

void BioTrace::setEnabled(bool on)
{
    std::lock_guard lock(m_mutex);
    if (on && !m_enabled.load()) {
        m_ring.clear();
        m_next = 0;
    }
    m_enabled.store(on, std::memory_order_relaxed);
}

void BioTrace::record(const TraceEvent& event)
{
    std::lock_guard lock(m_mutex);
    if (m_ring.size() < m_capacity) {
        m_ring.push_back(event);
        return;
    }
    m_ring[m_next] = event;
    m_next = (m_next + 1) % m_capacity;
}

std::vector<TraceEvent> BioTrace::events() const
{
    std::lock_guard lock(m_mutex);
    std::vector<TraceEvent> ordered(m_ring.begin() + static_cast<ptrdiff_t>(m_next), m_ring.end());
    ordered.insert(ordered.end(), m_ring.begin(), m_ring.begin() + static_cast<ptrdiff_t>(m_next));
    return ordered;
}

} // namespace cryptstack
