// One connected NBD socket: buffered exact reads for the connection's reader, whole-message
// writes for its single writer. The socket is non-blocking and every wait is a poll(), so a
// reader can be woken for shutdown (wake()), a handshake can time out, and a writer stuck on a
// client that does not read gives up at a deadline once the server stops. Writes use
// MSG_NOSIGNAL: a client that closed early costs an EPIPE, never a SIGPIPE.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cryptstack::nbd {

class NbdStream
{
public:
    enum class Io { Ok, Closed, Failed, TimedOut, Woken };

    explicit NbdStream(int fd); // takes the descriptor
    ~NbdStream();
    NbdStream(const NbdStream&) = delete;
    NbdStream& operator=(const NbdStream&) = delete;

    // Reader side (one thread). Waits at most timeoutMs for each piece (-1: no limit).
    Io read(void* destination, size_t bytes, int timeoutMs = -1);
    // Reads and drops bytes (a payload that will not be used).
    Io skip(uint64_t bytes);

    // Writer side (one thread at a time): all pieces, in order.
    struct Piece
    {
        const void* data;
        size_t size;
    };
    Io write(std::initializer_list<Piece> pieces);

    // From any thread: reads that would wait return Woken from now on, and a write that cannot
    // progress fails once the deadline has passed.
    void wake(std::chrono::steady_clock::time_point writeDeadline);
    // Both directions off (the peer sees EOF; our reads and writes fail fast).
    void shutdown();

private:
    // Receives at least one byte into [into, into + room), waiting for the socket up to timeoutMs.
    Io receiveSome(uint8_t* into, size_t room, size_t& received, int timeoutMs);
    Io fill(int timeoutMs);
    Io waitReadable(int timeoutMs);

    const int m_fd;
    int m_wakeFd = -1;
    std::vector<uint8_t> m_buffer;
    size_t m_begin = 0;
    size_t m_end = 0;
    std::atomic<bool> m_woken{false};
    std::atomic<int64_t> m_writeDeadlineNs{0}; // steady clock; 0: none
};

} // namespace cryptstack::nbd
