#include "NbdStream.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace cryptstack::nbd {

namespace {

constexpr size_t BufferSize = 64u << 10;
// Payload reads at least this large bypass the buffer.
constexpr size_t DirectRead = 16u << 10;
// A blocked writer re-checks its deadline this often.
constexpr int WriteSliceMs = 100;

int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

NbdStream::NbdStream(int fd) : m_fd(fd), m_buffer(BufferSize)
{
    const int flags = ::fcntl(m_fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK);
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

NbdStream::~NbdStream()
{
    ::close(m_fd);
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
}

void NbdStream::wake(std::chrono::steady_clock::time_point writeDeadline)
{
    m_writeDeadlineNs.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(writeDeadline.time_since_epoch()).count(),
        std::memory_order_relaxed);
    m_woken.store(true, std::memory_order_release);
    if (m_wakeFd >= 0) {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(m_wakeFd, &one, sizeof one);
    }
}

void NbdStream::shutdown()
{
    ::shutdown(m_fd, SHUT_RDWR);
}

NbdStream::Io NbdStream::waitReadable(int timeoutMs)
{
    if (m_woken.load(std::memory_order_acquire))
        return Io::Woken;
    std::array<pollfd, 2> fds{{{m_fd, POLLIN, 0}, {m_wakeFd, POLLIN, 0}}};
    const nfds_t count = m_wakeFd >= 0 ? 2 : 1;
    for (;;) {
        const int ready = ::poll(fds.data(), count, timeoutMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return Io::Failed;
        if (ready == 0)
            return Io::TimedOut;
        if (count == 2 && fds[1].revents)
            return Io::Woken;
        return Io::Ok; // readable, or an error/hang-up the next recv reports
    }
}

NbdStream::Io NbdStream::receiveSome(uint8_t* into, size_t room, size_t& received, int timeoutMs)
{
    for (;;) {
        const ssize_t got = ::recv(m_fd, into, room, MSG_DONTWAIT);
        if (got > 0) {
            received = static_cast<size_t>(got);
            return Io::Ok;
        }
        if (got == 0)
            return Io::Closed;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == ECONNRESET ? Io::Closed : Io::Failed;
        if (const Io waited = waitReadable(timeoutMs); waited != Io::Ok)
            return waited;
    }
}

NbdStream::Io NbdStream::fill(int timeoutMs)
{
    size_t received = 0;
    const Io io = receiveSome(m_buffer.data() + m_end, m_buffer.size() - m_end, received, timeoutMs);
    m_end += received;
    return io;
}

NbdStream::Io NbdStream::read(void* destination, size_t bytes, int timeoutMs)
{
    auto* out = static_cast<uint8_t*>(destination);
    while (bytes > 0) {
        if (m_begin < m_end) {
            const size_t take = std::min(bytes, m_end - m_begin);
            std::memcpy(out, m_buffer.data() + m_begin, take);
            m_begin += take;
            out += take;
            bytes -= take;
            continue;
        }
        m_begin = m_end = 0;
        if (bytes >= DirectRead) {
            // A large payload goes straight into its destination.
            size_t received = 0;
            if (const Io io = receiveSome(out, bytes, received, timeoutMs); io != Io::Ok)
                return io;
            out += received;
            bytes -= received;
            continue;
        }
        if (const Io filled = fill(timeoutMs); filled != Io::Ok)
            return filled;
    }
    return Io::Ok;
}

NbdStream::Io NbdStream::skip(uint64_t bytes)
{
    std::array<uint8_t, 16384> sink;
    while (bytes > 0) {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(bytes, sink.size()));
        if (const Io got = read(sink.data(), take); got != Io::Ok)
            return got;
        bytes -= take;
    }
    return Io::Ok;
}

NbdStream::Io NbdStream::write(std::initializer_list<Piece> pieces)
{
    std::array<iovec, 4> vectors{};
    size_t count = 0;
    for (const Piece& piece : pieces) {
        if (piece.size > 0 && count < vectors.size())
            vectors[count++] = {const_cast<void*>(piece.data), piece.size};
    }
    size_t first = 0;
    while (first < count) {
        msghdr message{};
        message.msg_iov = vectors.data() + first;
        message.msg_iovlen = count - first;
        const ssize_t sent = ::sendmsg(m_fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent >= 0) {
            auto left = static_cast<size_t>(sent);
            while (first < count && left >= vectors[first].iov_len) {
                left -= vectors[first].iov_len;
                ++first;
            }
            if (first < count) {
                vectors[first].iov_base = static_cast<uint8_t*>(vectors[first].iov_base) + left;
                vectors[first].iov_len -= left;
            }
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return errno == EPIPE || errno == ECONNRESET ? Io::Closed : Io::Failed;
        // The client is not reading: wait, and give up at the deadline once stopping.
        for (;;) {
            const int64_t deadline = m_writeDeadlineNs.load(std::memory_order_relaxed);
            if (deadline != 0 && nowNs() >= deadline)
                return Io::TimedOut;
            pollfd fd{m_fd, POLLOUT, 0};
            const int ready = ::poll(&fd, 1, WriteSliceMs);
            if (ready < 0 && errno != EINTR)
                return Io::Failed;
            if (ready > 0)
                break;
        }
    }
    return Io::Ok;
}

} // namespace cryptstack::nbd
