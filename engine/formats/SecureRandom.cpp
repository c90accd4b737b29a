#include "SecureRandom.h"

#include <cerrno>
#include <sys/random.h>

namespace cryptstack::SecureRandom {

Status fill(std::span<uint8_t> out)
{
    // getrandom(2) blocks only until the pool is first initialised; it may return short reads
    // for large requests or be interrupted by a signal.
    size_t done = 0;
    while (done < out.size()) {
        const ssize_t got = ::getrandom(out.data() + done, out.size() - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return Status(
                ErrorCode::IOError,
                QStringLiteral("Cannot get random bytes: %1").arg(QString::fromLocal8Bit(strerror(errno))));
        }
        done += static_cast<size_t>(got);
    }
    return Status::ok();
}

} // namespace cryptstack::SecureRandom
