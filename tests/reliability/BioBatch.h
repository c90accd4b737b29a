// A set of asynchronous bios submitted through BlockDevice::submit and tracked to completion: each
// endIo call is counted per bio, so a lost completion (never called) and a duplicated one (called
// twice) are both visible. Write buffers hold patternBytes(seed, byte offset, size), so anyone can
// recompute what a successful write put on the device.
#pragma once

#include "block/BlockDevice.h"

#include <QByteArray>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace cryptstack::test {

class BioBatch
{
public:
    struct Request
    {
        BioOp op = BioOp::Read;
        uint64_t sector = 0;
        uint64_t sectors = 0;
    };

    BioBatch(const std::vector<Request>& requests, uint32_t seed);
    ~BioBatch();
    BioBatch(const BioBatch&) = delete;
    BioBatch& operator=(const BioBatch&) = delete;

    // All at once (many in flight), or each waited for before the next (one in flight).
    void submitAll(BlockDevice& device);
    // Returns false if a bio has not completed within the timeout (oneAtATime stops there).
    bool submitOneAtATime(BlockDevice& device, std::chrono::milliseconds timeout);
    // Waits until every submitted bio completed at least once; false on timeout (a hang).
    bool wait(std::chrono::milliseconds timeout);

    size_t size() const { return m_entries.size(); }
    const Bio& bio(size_t index) const { return m_entries[index]->bio; }
    const Request& request(size_t index) const { return m_entries[index]->request; }
    const QByteArray& buffer(size_t index) const { return m_entries[index]->buffer; }
    // What a write bio carried.
    QByteArray expectedWrite(size_t index) const;
    uint32_t seed() const { return m_seed; }

    uint64_t submitted() const { return m_submitted; }
    uint64_t completions() const { return m_completions.load(); }
    // Bios whose endIo ran more than once.
    uint64_t duplicated() const;

private:
    struct Entry
    {
        BioBatch* batch = nullptr;
        Request request;
        Bio bio;
        QByteArray buffer;
        std::atomic<int> calls{0};
    };
    static void endIo(Bio* bio);
    void submitEntry(BlockDevice& device, Entry& entry);

    uint32_t m_seed;
    std::vector<std::unique_ptr<Entry>> m_entries;
    uint64_t m_submitted = 0;
    std::atomic<uint64_t> m_completions{0};
    std::mutex m_mutex;
    std::condition_variable m_done;
};

} // namespace cryptstack::test
