#include "NbdRawClient.h"

#include <QThread>

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace cryptstack::test {

QByteArray be16(uint16_t value)
{
    QByteArray bytes(2, '\0');
    bytes[0] = char(value >> 8);
    bytes[1] = char(value);
    return bytes;
}

QByteArray be32(uint32_t value)
{
    return be16(uint16_t(value >> 16)) + be16(uint16_t(value));
}

QByteArray be64(uint64_t value)
{
    return be32(uint32_t(value >> 32)) + be32(uint32_t(value));
}

uint16_t loadBe16(const QByteArray& bytes, qsizetype at)
{
    return uint16_t(uint8_t(bytes[at]) << 8 | uint8_t(bytes[at + 1]));
}

uint32_t loadBe32(const QByteArray& bytes, qsizetype at)
{
    return uint32_t(loadBe16(bytes, at)) << 16 | loadBe16(bytes, at + 2);
}

uint64_t loadBe64(const QByteArray& bytes, qsizetype at)
{
    return uint64_t(loadBe32(bytes, at)) << 32 | loadBe32(bytes, at + 4);
}

QByteArray optionBytes(uint32_t option, const QByteArray& data)
{
    return be64(0x49484156454f5054ull) + be32(option) + be32(uint32_t(data.size())) + data;
}

QByteArray infoData(const QByteArray& name, const QList<uint16_t>& infos)
{
    QByteArray data = be32(uint32_t(name.size())) + name + be16(uint16_t(infos.size()));
    for (uint16_t info : infos)
        data += be16(info);
    return data;
}

QByteArray requestBytes(uint16_t type, uint64_t cookie, uint64_t offset, uint32_t length, uint16_t flags,
                        uint32_t magic)
{
    return be32(magic) + be16(flags) + be16(type) + be64(cookie) + be64(offset) + be32(length);
}

namespace {

void setTimeouts(int fd, int timeoutMs)
{
    timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

} // namespace

std::unique_ptr<RawClient> RawClient::connectUnix(const QString& path, int timeoutMs)
{
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return nullptr;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const QByteArray bytes = path.toLocal8Bit();
    std::memcpy(address.sun_path, bytes.constData(),
                std::min<size_t>(size_t(bytes.size()), sizeof address.sun_path - 1));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return nullptr;
    }
    setTimeouts(fd, timeoutMs);
    return std::unique_ptr<RawClient>(new RawClient(fd));
}

std::unique_ptr<RawClient> RawClient::connectTcp(const QString& host, uint16_t port, int timeoutMs)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return nullptr;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, host.toLatin1().constData(), &address.sin_addr);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return nullptr;
    }
    setTimeouts(fd, timeoutMs);
    return std::unique_ptr<RawClient>(new RawClient(fd));
}

RawClient::~RawClient()
{
    ::close(m_fd);
}

bool RawClient::send(const QByteArray& bytes)
{
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t sent =
            ::send(m_fd, bytes.constData() + done, size_t(bytes.size() - done), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return false;
        done += sent;
    }
    return true;
}

bool RawClient::sendByteByByte(const QByteArray& bytes)
{
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (!send(bytes.mid(i, 1)))
            return false;
        if (i % 7 == 6)
            QThread::usleep(200);
    }
    return true;
}

QByteArray RawClient::receive(qsizetype bytes)
{
    QByteArray data(bytes, Qt::Uninitialized);
    qsizetype done = 0;
    while (done < bytes) {
        const ssize_t got = ::recv(m_fd, data.data() + done, size_t(bytes - done), 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += got;
    }
    data.truncate(done);
    return data;
}

bool RawClient::closedByPeer(int timeoutMs)
{
    pollfd fd{m_fd, POLLIN, 0};
    if (::poll(&fd, 1, timeoutMs) <= 0)
        return false;
    char byte = 0;
    const ssize_t got = ::recv(m_fd, &byte, 1, MSG_DONTWAIT);
    return got == 0 || (got < 0 && errno == ECONNRESET);
}

bool RawClient::silentFor(int timeoutMs)
{
    pollfd fd{m_fd, POLLIN, 0};
    return ::poll(&fd, 1, timeoutMs) == 0;
}

void RawClient::shutdownWrite()
{
    ::shutdown(m_fd, SHUT_WR);
}

bool RawClient::greet(uint32_t clientFlags)
{
    const QByteArray hello = receive(18);
    if (hello.size() != 18 || loadBe64(hello, 0) != 0x4e42444d41474943ull ||
        loadBe64(hello, 8) != 0x49484156454f5054ull || loadBe16(hello, 16) != 3)
        return false;
    return send(be32(clientFlags));
}

OptionReply RawClient::readOptionReply()
{
    OptionReply reply;
    const QByteArray header = receive(20);
    if (header.size() != 20)
        return reply;
    reply.magic = loadBe64(header, 0);
    reply.option = loadBe32(header, 8);
    reply.type = loadBe32(header, 12);
    const uint32_t length = loadBe32(header, 16);
    if (length > (1u << 20))
        return reply;
    reply.data = receive(length);
    reply.ok = reply.data.size() == qsizetype(length);
    return reply;
}

ExportInfo RawClient::infoOrGo(uint32_t option, const QByteArray& name, const QList<uint16_t>& infos,
                               QList<OptionReply>* replies)
{
    ExportInfo info;
    if (!send(optionBytes(option, infoData(name, infos)))) {
        info.error = QStringLiteral("send failed");
        return info;
    }
    bool sawExport = false;
    for (int i = 0; i < 16; ++i) {
        const OptionReply reply = readOptionReply();
        if (replies)
            replies->append(reply);
        if (!reply.ok || reply.magic != 0x0003e889045565a9ull || reply.option != option) {
            info.error = QStringLiteral("bad or missing option reply");
            return info;
        }
        if (reply.type == 1) { // ACK
            info.ok = sawExport;
            if (!sawExport)
                info.error = QStringLiteral("ACK without INFO_EXPORT");
            return info;
        }
        if (reply.type & 0x80000000u) {
            info.error = QStringLiteral("error reply 0x%1: %2")
                             .arg(reply.type, 0, 16)
                             .arg(QString::fromUtf8(reply.data));
            return info;
        }
        if (reply.type != 3 || reply.data.size() < 2) {
            info.error = QStringLiteral("unexpected reply type %1").arg(reply.type);
            return info;
        }
        const uint16_t type = loadBe16(reply.data, 0);
        if (type == 0) {
            if (reply.data.size() != 12) {
                info.error = QStringLiteral("INFO_EXPORT of length %1").arg(reply.data.size());
                return info;
            }
            sawExport = true;
            info.size = loadBe64(reply.data, 2);
            info.flags = loadBe16(reply.data, 10);
        } else if (type == 3) {
            if (reply.data.size() != 14) {
                info.error = QStringLiteral("INFO_BLOCK_SIZE of length %1").arg(reply.data.size());
                return info;
            }
            info.hasBlockSize = true;
            info.minimumBlock = loadBe32(reply.data, 2);
            info.preferredBlock = loadBe32(reply.data, 6);
            info.maximumPayload = loadBe32(reply.data, 10);
        }
    }
    info.error = QStringLiteral("too many replies");
    return info;
}

ExportInfo RawClient::handshake()
{
    if (!greet()) {
        ExportInfo info;
        info.error = QStringLiteral("bad greeting");
        return info;
    }
    return infoOrGo(7, {}, {3});
}

SimpleReply RawClient::readReply()
{
    SimpleReply reply;
    const QByteArray bytes = receive(16);
    if (bytes.size() != 16)
        return reply;
    reply.ok = true;
    reply.magic = loadBe32(bytes, 0);
    reply.error = loadBe32(bytes, 4);
    reply.cookie = loadBe64(bytes, 8);
    return reply;
}

} // namespace cryptstack::test
