// Exclusive byte ranges for the NBD server's write-type requests. A write that does not cover
// whole logical blocks is a read-modify-write of its edge blocks; if another write to the same
// block landed between that read and the write-back, its bytes outside the first write's range
// would be lost. So every WRITE, WRITE_ZEROES and TRIM holds its block-aligned range until its
// data is on the device; overlapping ones wait in arrival order (FIFO, so none starves), others
// run concurrently. Shared by all connections of a server: the device is one.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace cryptstack::nbd {

struct NbdRequest;

class NbdRangeLock
{
public:
    // Takes [start, end) for owner and returns true, or queues it behind the ranges it overlaps
    // (held or waiting) and returns false: release() hands it over later.
    bool acquire(NbdRequest* owner, uint64_t start, uint64_t end);
    // Drops owner's range; returns the waiting owners that now hold theirs, in arrival order.
    std::vector<NbdRequest*> release(NbdRequest* owner);

    size_t heldCount() const;
    size_t waitingCount() const;

private:
    struct Range
    {
        NbdRequest* owner;
        uint64_t start;
        uint64_t end;
        bool overlaps(const Range& other) const { return start < other.end && other.start < end; }
    };

    mutable std::mutex m_mutex;
    std::vector<Range> m_held;
    std::deque<Range> m_waiting;
};

} // namespace cryptstack::nbd
