// One NBD client: the fixed-newstyle handshake, then transmission. Two threads per connection:
// the reader (nbd-rx/<id>) negotiates, parses requests, validates them, reads WRITE payloads and
// hands requests to the executor; the sender (nbd-tx/<id>) is the only writer once transmission
// starts and sends every reply, in completion order, matched by cookie. A per-connection bound on
// requests and bytes in flight (reserved before a buffer is allocated, given back once the reply
// is sent) keeps memory bounded and makes a client that does not read its replies stall only
// itself. Ending (DISC, EOF, a protocol violation, the server stopping): stop reading, let every
// request already started finish and be answered, flush after DISC, close.
#pragma once

#include "NbdRequest.h"
#include "NbdStream.h"
#include "core/NamedThread.h"
#include "core/WorkQueue.h"

#include <QByteArray>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace cryptstack::nbd {

class NbdExecutor;
struct RequestHeader;

// What the handshake tells a client about the (single, default) export.
struct NbdExport
{
    uint64_t size = 0;
    uint16_t flags = 0; // transmission flags
    uint32_t minimumBlock = 1;
    uint32_t preferredBlock = 4096;
    uint32_t maximumPayload = 32u << 20;
    QByteArray description; // UTF-8, for LIST and INFO_DESCRIPTION
    bool readOnly() const;
};

// Limits of one connection.
struct NbdConnectionLimits
{
    uint32_t maxRequests = 64;       // requests in flight (started, reply not yet sent)
    uint64_t maxBytes = 64ull << 20; // their buffers
    int handshakeTimeoutMs = 30000;  // silence allowed between handshake messages
    int drainTimeoutMs = 10000;      // once stopping: how long a reply may wait for a client not reading
    uint32_t maxOptions = 4096;      // options in one handshake
};

// Counters shared by a server's connections (NbdServer::stats reads them).
struct NbdCounters
{
    std::atomic<uint64_t> connections{0};
    std::atomic<uint64_t> connectionsTotal{0};
    std::atomic<uint64_t> refused{0};
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> bytesRead{0};
    std::atomic<uint64_t> bytesWritten{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> inFlight{0};
};

class NbdConnection final : public NbdRequestOwner
{
public:
    NbdConnection(int fd, uint64_t id, const NbdExport& exported, NbdExecutor& executor,
                  NbdCounters& counters, const NbdConnectionLimits& limits);
    // Stops and joins: requests in flight finish first.
    ~NbdConnection();
    NbdConnection(const NbdConnection&) = delete;
    NbdConnection& operator=(const NbdConnection&) = delete;

    uint64_t id() const { return m_id; }
    // Stop reading; what was started finishes and is answered (within drainTimeoutMs).
    void requestStop();
    // The reader has ended and the socket is closed.
    bool finished() const { return m_finished.load(std::memory_order_acquire); }

    void requestDone(NbdRequest* request) override;

private:
    enum class Next { Options, Transmission, Close };

    void run();
    Next negotiate();
    Next infoOrGo(uint32_t option, const QByteArray& data);
    bool sendOptionReply(uint32_t option, uint32_t type, const QByteArray& data = {});
    void transmit();
    uint32_t validate(const RequestHeader& header) const;
    bool reserve(uint64_t bytes);
    void release(uint64_t bytes);
    void waitIdle();
    void sendLoop();

    const uint64_t m_id;
    const NbdExport m_export;
    NbdExecutor& m_executor;
    NbdCounters& m_counters;
    const NbdConnectionLimits m_limits;
    NbdStream m_stream;
    std::atomic<bool> m_finished{false};

    std::mutex m_budgetMutex;
    std::condition_variable m_budgetChanged;
    bool m_stopping = false; // under m_budgetMutex
    uint32_t m_requests = 0;
    uint64_t m_bytes = 0;

    WorkQueue<NbdRequest*> m_replies;
    std::unique_ptr<NamedThread> m_sender; // started and joined by the reader
    std::unique_ptr<NamedThread> m_reader;
};

} // namespace cryptstack::nbd
