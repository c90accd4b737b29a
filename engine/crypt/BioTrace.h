// An optional per-bio trace of the crypt pipeline: a ring of stage timestamps, for a slow-motion
// view of where each piece spent its time. Off by default; when off it costs one relaxed load.
#pragma once

#include <QString>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace cryptstack {

enum class TraceStage : uint8_t {
    Mapped,   // crypt_map took the piece
    IoQueued, // waiting on kcryptd_io for a read clone
    LowerSubmitted,
    LowerCompleted,
    CryptQueued, // on a kcryptd queue
    CryptStarted,
    CryptDone,
    AsyncQueued, // handed to the cryptd driver (or backlogged)
    AsyncDone,   // the driver's completion callback
    WriteQueued, // in the dmcrypt_write tree
    Completed,   // the piece's bio completed upwards
};

const char* traceStageName(TraceStage stage);

struct TraceEvent
{
    uint64_t bio = 0; // trace id of the piece
    TraceStage stage = TraceStage::Mapped;
    bool write = false;
    uint64_t sector = 0; // target-relative 512-byte sector
    uint64_t bytes = 0;
    uint64_t ns = 0; // steady clock
};

class BioTrace
{
public:
    explicit BioTrace(size_t capacity = 4096) : m_capacity(capacity) {}

    void setEnabled(bool on);
    bool enabled() const { return m_enabled.load(std::memory_order_relaxed); }
    uint64_t nextId() { return m_nextId.fetch_add(1, std::memory_order_relaxed) + 1; }
    void record(const TraceEvent& event);
    // The events still in the ring, oldest first.
    std::vector<TraceEvent> events() const;

private:
    std::atomic<bool> m_enabled{false};
    std::atomic<uint64_t> m_nextId{0};
    const size_t m_capacity;
    mutable std::mutex m_mutex;
    std::vector<TraceEvent> m_ring;
    size_t m_next = 0;
};

} // namespace cryptstack
