// An NBD server for one block device (the default, unnamed export): fixed newstyle handshake,
// simple replies, READ/WRITE/FLUSH/TRIM/WRITE_ZEROES with FUA, several clients at once. A library
// class: the CLI's serve verb runs one in the foreground, and a front end can start and stop one
// in-process. start() binds and listens on its own threads (nbd-accept, nbd-io, two per client)
// and returns; stop() stops accepting, lets every started request finish and be answered, closes
// the connections, flushes the device and removes a Unix socket file it created.
#pragma once

#include "NbdAddress.h"
#include "NbdConnection.h"
#include "block/BlockDevice.h"
#include "core/NamedThread.h"

#include <list>
#include <memory>
#include <mutex>

namespace cryptstack::nbd {

class NbdExecutor;

struct NbdServerOptions
{
    NbdAddress address;
    bool readOnly = false; // also implied by a read-only device
    QString description;   // shown by LIST and INFO (nbdinfo); default: "cryptstack: <device name>"
    NbdConnectionLimits limits;
    uint32_t maxConnections = 64; // more are accepted and closed at once
};

struct NbdServerStats
{
    uint64_t connections = 0;      // open now (handshake or transmission)
    uint64_t connectionsTotal = 0; // accepted since start
    uint64_t refused = 0;          // closed at once: over maxConnections
    uint64_t requests = 0;         // answered (DISC has no answer)
    uint64_t bytesRead = 0;        // READ payloads sent
    uint64_t bytesWritten = 0;     // WRITE payloads written
    uint64_t errors = 0;           // answers with an error
    uint64_t inFlight = 0;         // requests started, not yet answered
};

class NbdServer
{
public:
    NbdServer(std::shared_ptr<BlockDevice> device, NbdServerOptions options);
    ~NbdServer(); // stop()s
    NbdServer(const NbdServer&) = delete;
    NbdServer& operator=(const NbdServer&) = delete;

    // Binds and listens. Errors: the address is in use (Busy), a Unix path that exists and is no
    // socket (Busy), an unknown host (InvalidArgument), no permission (PermissionDenied).
    Status start();
    // Idempotent. Returns the final flush's status.
    Status stop();
    bool isRunning() const { return m_running; }

    // Where it listens: after start(), a TCP port 0 is replaced by the port the system chose.
    const NbdAddress& address() const { return m_address; }
    uint64_t exportSize() const { return m_export.size; }
    uint16_t transmissionFlags() const { return m_export.flags; }
    NbdServerStats stats() const;

private:
    Status listenUnix();
    Status listenTcp();
    void acceptLoop();
    void reap(bool all);

    const std::shared_ptr<BlockDevice> m_device;
    const NbdServerOptions m_options;
    NbdAddress m_address;
    NbdExport m_export;
    NbdCounters m_counters;
    bool m_running = false;
    int m_listenFd = -1;
    int m_wakePipe[2] = {-1, -1};
    bool m_ownsSocketFile = false;
    uint64_t m_socketInode = 0;
    uint64_t m_socketDevice = 0;
    uint64_t m_nextId = 1;

    std::unique_ptr<NbdExecutor> m_executor;
    std::mutex m_connectionsMutex;
    std::list<std::unique_ptr<NbdConnection>> m_connections;
    std::unique_ptr<NamedThread> m_acceptor;
};

} // namespace cryptstack::nbd
