#include "NbdServer.h"

#include "NbdExecutor.h"
#include "NbdProtocol.h"

#include <QThread>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace cryptstack::nbd {

namespace {

constexpr int ListenBacklog = 128;
// The acceptor wakes at least this often to reap finished connections.
constexpr int ReapIntervalMs = 500;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

ErrorCode codeForBindError(int error)
{
    switch (error) {
    case EADDRINUSE:
        return ErrorCode::Busy;
    case EACCES:
    case EPERM:
        return ErrorCode::PermissionDenied;
    case ENOENT:
    case ENOTDIR:
        return ErrorCode::NoSuchDevice;
    default:
        return ErrorCode::InvalidArgument;
    }
}

bool fillUnixAddress(sockaddr_un& address, const QByteArray& path)
{
    address = {};
    address.sun_family = AF_UNIX;
    if (static_cast<size_t>(path.size()) >= sizeof(address.sun_path))
        return false;
    std::memcpy(address.sun_path, path.constData(), static_cast<size_t>(path.size()));
    return true;
}

} // namespace

NbdServer::NbdServer(std::shared_ptr<BlockDevice> device, NbdServerOptions options)
    : m_device(std::move(device)), m_options(std::move(options)), m_address(m_options.address)
{
    const bool readOnly = m_options.readOnly || m_device->isReadOnly();
    m_export.size = m_device->sizeBytes();
    // CAN_MULTI_CONN is true here, not just hoped for: every connection of this server submits to
    // the one BlockDevice, with no per-connection cache in between, and a write is answered only
    // once the device has completed it. The device's flush (fdatasync of the image below the crypt
    // target) therefore covers every write completed on any connection, and a READ on any
    // connection sees every completed write.
    m_export.flags = TxHasFlags | TxSendFlush | TxCanMultiConn;
    if (readOnly)
        m_export.flags |= TxReadOnly;
    else
        m_export.flags |= TxSendFua | TxSendTrim | TxSendWriteZeroes;
    // Requests of whole logical blocks avoid a read-modify-write; smaller ones still work.
    const uint32_t block = std::max<uint32_t>(m_device->logicalBlockSize(), SectorSize);
    m_export.minimumBlock = m_export.size % block == 0 ? block : 1;
    m_export.preferredBlock = std::max(block, PreferredBlockSize);
    m_export.maximumPayload = MaxPayload;
    const QString description = m_options.description.isEmpty()
                                    ? QStringLiteral("cryptstack: ") + m_device->displayName()
                                    : m_options.description;
    m_export.description = description.toUtf8().left(MaxStringLength);
}

NbdServer::~NbdServer()
{
    (void)stop();
}

Status NbdServer::start()
{
    if (m_running)
        return Status(ErrorCode::Busy, QStringLiteral("the NBD server is already running"));
    if (::pipe2(m_wakePipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return Status(ErrorCode::IOError, QStringLiteral("pipe: ") + errnoText(errno));
    Status status = m_address.isUnix() ? listenUnix() : listenTcp();
    if (!status) {
        ::close(m_wakePipe[0]);
        ::close(m_wakePipe[1]);
        m_wakePipe[0] = m_wakePipe[1] = -1;
        return status;
    }
    m_executor = std::make_unique<NbdExecutor>(m_device);
    m_running = true;
    m_acceptor = std::make_unique<NamedThread>(
        QStringLiteral("nbd-accept"), [this] { acceptLoop(); },
        [this] {
            const char byte = 0;
            [[maybe_unused]] auto n = ::write(m_wakePipe[1], &byte, 1);
        });
    return Status::ok();
}

Status NbdServer::listenUnix()
{
    const QString where = m_address.toString() + QStringLiteral(": ");
    const QByteArray path = m_address.path.toLocal8Bit();
    sockaddr_un address{};
    if (!fillUnixAddress(address, path))
        return Status(ErrorCode::InvalidArgument, where + QStringLiteral("socket path too long"));
    struct stat info
    {};
    if (::lstat(path.constData(), &info) == 0) {
        if (!S_ISSOCK(info.st_mode))
            return Status(
                ErrorCode::Busy,
                where +
                    QStringLiteral("%1 exists and is not a socket; not replacing it").arg(m_address.path));
        // A socket file: in use if someone accepts on it, else left over from a server that died.
        const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const bool live =
            probe >= 0 && ::connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
        const int probeError = errno;
        if (probe >= 0)
            ::close(probe);
        if (live)
            return Status(ErrorCode::Busy, where + QStringLiteral("address already in use"));
        if (probeError != ECONNREFUSED)
            return Status(codeForBindError(probeError), where + errnoText(probeError));
        ::unlink(path.constData());
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return Status(ErrorCode::IOError, where + QStringLiteral("socket: ") + errnoText(errno));
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, ListenBacklog) != 0) {
        const int error = errno;
        ::close(fd);
        return Status(codeForBindError(error), where + errnoText(error));
    }
    if (::stat(path.constData(), &info) == 0) {
        m_ownsSocketFile = true;
        m_socketInode = info.st_ino;
        m_socketDevice = info.st_dev;
    }
    m_listenFd = fd;
    return Status::ok();
}

Status NbdServer::listenTcp()
{
    const QString where = m_address.toString() + QStringLiteral(": ");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const QByteArray host = m_address.host.toUtf8();
    const QByteArray port = QByteArray::number(m_address.port);
    if (const int error = ::getaddrinfo(host.constData(), port.constData(), &hints, &found); error != 0)
        return Status(ErrorCode::InvalidArgument,
                      where + QStringLiteral("cannot resolve \"%1\": %2")
                                  .arg(m_address.host, QString::fromLocal8Bit(::gai_strerror(error))));
    int lastError = EADDRNOTAVAIL;
    int fd = -1;
    for (addrinfo* candidate = found; candidate; candidate = candidate->ai_next) {
        fd = ::socket(candidate->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            lastError = errno;
            continue;
        }
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (candidate->ai_family == AF_INET6)
            ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (::bind(fd, candidate->ai_addr, candidate->ai_addrlen) == 0 && ::listen(fd, ListenBacklog) == 0)
            break;
        lastError = errno;
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd < 0)
        return Status(codeForBindError(lastError), where + errnoText(lastError));
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
        if (bound.ss_family == AF_INET)
            m_address.port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
        else if (bound.ss_family == AF_INET6)
            m_address.port = ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
    }
    m_listenFd = fd;
    return Status::ok();
}

void NbdServer::acceptLoop()
{
    for (;;) {
        std::array<pollfd, 2> fds{{{m_listenFd, POLLIN, 0}, {m_wakePipe[0], POLLIN, 0}}};
        const int ready = ::poll(fds.data(), fds.size(), ReapIntervalMs);
        if (ready < 0 && errno != EINTR)
            return;
        if (fds[1].revents)
            return;
        reap(false);
        if (ready <= 0 || !(fds[0].revents & POLLIN))
            continue;
        const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                QThread::msleep(100); // out of descriptors: let connections end before trying again
            continue;
        }
        if (!m_address.isUnix()) {
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        std::lock_guard lock(m_connectionsMutex);
        if (m_connections.size() >= m_options.maxConnections) {
            m_counters.refused.fetch_add(1, std::memory_order_relaxed);
            ::close(fd);
            continue;
        }
        m_connections.push_back(std::make_unique<NbdConnection>(fd, m_nextId++, m_export, *m_executor,
                                                                m_counters, m_options.limits));
    }
}

void NbdServer::reap(bool all)
{
    std::list<std::unique_ptr<NbdConnection>> done;
    {
        std::lock_guard lock(m_connectionsMutex);
        for (auto it = m_connections.begin(); it != m_connections.end();) {
            if (all || (*it)->finished())
                done.splice(done.end(), m_connections, it++);
            else
                ++it;
        }
    }
    done.clear(); // joins outside the lock
}

Status NbdServer::stop()
{
    if (!m_running)
        return Status::ok();
    m_acceptor.reset(); // wakes it through the pipe and joins
    ::close(m_listenFd);
    m_listenFd = -1;
    if (m_ownsSocketFile) {
        // Only our own socket: another server may have replaced the file since.
        const QByteArray path = m_address.path.toLocal8Bit();
        struct stat info
        {};
        if (::lstat(path.constData(), &info) == 0 && info.st_ino == m_socketInode &&
            info.st_dev == m_socketDevice)
            ::unlink(path.constData());
        m_ownsSocketFile = false;
    }
    {
        std::lock_guard lock(m_connectionsMutex);
        for (const auto& connection : m_connections)
            connection->requestStop();
    }
    reap(true); // each connection drains: started requests finish and are answered
    m_executor.reset();
    ::close(m_wakePipe[0]);
    ::close(m_wakePipe[1]);
    m_wakePipe[0] = m_wakePipe[1] = -1;
    m_running = false;
    return m_device->flush();
}

NbdServerStats NbdServer::stats() const
{
    NbdServerStats stats;
    stats.connections = m_counters.connections.load(std::memory_order_relaxed);
    stats.connectionsTotal = m_counters.connectionsTotal.load(std::memory_order_relaxed);
    stats.refused = m_counters.refused.load(std::memory_order_relaxed);
    stats.requests = m_counters.requests.load(std::memory_order_relaxed);
    stats.bytesRead = m_counters.bytesRead.load(std::memory_order_relaxed);
    stats.bytesWritten = m_counters.bytesWritten.load(std::memory_order_relaxed);
    stats.errors = m_counters.errors.load(std::memory_order_relaxed);
    stats.inFlight = m_counters.inFlight.load(std::memory_order_relaxed);
    return stats;
}

} // namespace cryptstack::nbd
