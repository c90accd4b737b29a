// Runs NBD requests against one block device, asynchronously, for all connections of a server.
// Each request goes through stages of bios submitted with BlockDevice::submit: a read; a
// read of the partial edge blocks, then the write of the patched span (a write that does not cover
// whole logical blocks); zeros written in bounded chunks; a discard; a flush (FLUSH, and after a
// write with FUA). A bio's endIo only counts the stage down and, with the stage's last bio, hands
// the request to this executor's thread (nbd-io): no I/O, no waiting and no reply in a completion
// context. The thread starts the next stage or gives the finished request back to its owner.
// Write-type requests hold their block range in an NbdRangeLock while their data is written.
#pragma once

#include "NbdRangeLock.h"
#include "NbdRequest.h"
#include "block/BlockDevice.h"
#include "core/NamedThread.h"
#include "core/WorkQueue.h"

#include <memory>

namespace cryptstack::nbd {

class NbdExecutor
{
public:
    explicit NbdExecutor(std::shared_ptr<BlockDevice> device);
    // Every request given to execute() must have been handed back before.
    ~NbdExecutor();
    NbdExecutor(const NbdExecutor&) = delete;
    NbdExecutor& operator=(const NbdExecutor&) = delete;

    BlockDevice& device() { return *m_device; }
    // The unit of the device's requests; smaller or unaligned NBD requests are widened to it.
    uint32_t blockSize() const { return m_blockSize; }

    // Allocates the request's buffer (READ, WRITE) for its aligned span and sets budgetBytes.
    // Call after validation, before reading a WRITE's payload into data().
    void prepare(NbdRequest& request) const;
    // What prepare() will count against the connection's byte bound, without allocating.
    uint64_t cost(const NbdRequest& request) const;
    // Starts a validated request (READ, WRITE, WRITE_ZEROES, TRIM, FLUSH). Its owner's
    // requestDone() is called exactly once, with error set on failure; possibly before this returns.
    void execute(NbdRequest* request);
    // Requests started and not yet handed back.
    uint64_t inFlight() const { return m_inFlight.load(std::memory_order_relaxed); }

private:
    static void bioDone(Bio* bio);
    void post(NbdRequest* request);
    void advance(NbdRequest* request);
    void begin(NbdRequest* request); // first device stage, once any range is held
    void submitStage(NbdRequest* request, NbdRequest::Stage stage, int bios);
    // The partial head and tail blocks a write-type request must read, patch and write back.
    void findEdges(NbdRequest* request) const;
    void readEdges(NbdRequest* request);
    void startWrite(NbdRequest* request);
    void startZero(NbdRequest* request);
    void continueZero(NbdRequest* request);
    void mergeEdges(NbdRequest* request);
    void afterData(NbdRequest* request); // releases the range; FUA flush or done
    void releaseRange(NbdRequest* request);
    void finish(NbdRequest* request);
    Bio& bio(NbdRequest* request, int index, BioOp op, uint64_t byteOffset, std::byte* data, uint64_t bytes);

    const std::shared_ptr<BlockDevice> m_device;
    const uint32_t m_blockSize;
    NbdRangeLock m_ranges;
    std::atomic<uint64_t> m_inFlight{0};
    WorkQueue<NbdRequest*> m_queue;
    std::unique_ptr<NamedThread> m_thread;
};

} // namespace cryptstack::nbd
