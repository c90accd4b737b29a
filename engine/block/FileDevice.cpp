#include "FileDevice.h"

#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cryptstack {

namespace {

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Full-length pread/pwrite: retries on EINTR and short transfers; false on error or end of file.
bool transfer(int fd, BioOp op, std::byte* data, uint64_t size, uint64_t offset)
{
    while (size > 0) {
        const ssize_t done = op == BioOp::Read ? ::pread(fd, data, size, static_cast<off_t>(offset))
                                               : ::pwrite(fd, data, size, static_cast<off_t>(offset));
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return false;
        data += done;
        size -= static_cast<uint64_t>(done);
        offset += static_cast<uint64_t>(done);
    }
    return true;
}

} // namespace

Result<std::shared_ptr<FileDevice>> FileDevice::open(const QString& path, Access access,
                                                     int completionThreads)
{
    const QByteArray native = QFile::encodeName(path);
    const int flags = (access == Access::ReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    const int fd = ::open(native.constData(), flags);
    if (fd < 0) {
        const int error = errno;
        const ErrorCode code = error == EACCES || error == EPERM || error == EROFS
                                   ? ErrorCode::PermissionDenied
                                   : ErrorCode::NoSuchDevice;
        return Status(code, QStringLiteral("cannot open image \"%1\": %2").arg(path, errnoText(error)));
    }
    struct stat info
    {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return Status(ErrorCode::NoSuchDevice,
                      QStringLiteral("\"%1\" is not a regular image file").arg(path));
    }
    // Like a loop device, a trailing partial sector is not part of the device.
    const uint64_t sectors = static_cast<uint64_t>(info.st_size) >> SectorShift;
    return std::shared_ptr<FileDevice>(new FileDevice(path, fd, sectors, access, completionThreads));
}

FileDevice::FileDevice(QString path, int fd, uint64_t sectors, Access access, int completionThreads)
    : m_path(std::move(path)), m_fd(fd), m_sectors(sectors), m_access(access)
{
    const QString base = QFileInfo(m_path).fileName();
    for (int i = 0; i < std::max(1, completionThreads); ++i) {
        m_threads.push_back(std::make_unique<NamedThread>(
            QStringLiteral("fio%1/%2").arg(i).arg(base),
            [this] {
                CompletionContextScope interruptContext;
                // The threads share the queue. Reads of one file run in parallel, so each thread
                // takes one at a time; writes serialize on the file's inode lock in the kernel, so a
                // thread takes the whole run of writes queued together rather than contend for it.
                std::vector<Bio*> batch;
                while (m_queue.popRun(batch, [](const Bio* bio) { return bio->op == BioOp::Write; })) {
                    for (Bio* bio : batch)
                        serve(bio);
                }
            },
            [this] { m_queue.close(); }));
    }
}

FileDevice::~FileDevice()
{
    m_queue.close();
    m_threads.clear();
    ::close(m_fd);
}

void FileDevice::startRequest(Bio* bio)
{
    m_queue.push(bio);
}

void FileDevice::serve(Bio* bio) const
{
    if (bio->op != BioOp::Flush && (bio->sector > m_sectors || bio->sectors() > m_sectors - bio->sector)) {
        bio->complete(BioStatus::OutOfRange, bio->sector);
        return;
    }
    if (m_access == Access::ReadOnly && (bio->op == BioOp::Write || bio->op == BioOp::Discard)) {
        bio->complete(BioStatus::ReadOnly, bio->sector);
        return;
    }
    const uint64_t offset = bio->sector << SectorShift;
    switch (bio->op) {
    case BioOp::Read:
    case BioOp::Write: {
        if ((bio->flags & BioFlag::PreFlush) && ::fdatasync(m_fd) != 0) {
            bio->complete(BioStatus::IoError, bio->sector);
            return;
        }
        if (!transfer(m_fd, bio->op, bio->data, bio->size, offset)) {
            bio->complete(BioStatus::IoError, bio->sector);
            return;
        }
        if ((bio->flags & BioFlag::Fua) && ::fdatasync(m_fd) != 0) {
            bio->complete(BioStatus::IoError, bio->sector);
            return;
        }
        bio->complete(BioStatus::Ok);
        return;
    }
    case BioOp::Flush:
        bio->complete(::fdatasync(m_fd) == 0 ? BioStatus::Ok : BioStatus::IoError);
        return;
    case BioOp::Discard:
        // Punching a hole keeps the file's size; filesystems without hole support refuse it.
        if (::fallocate(m_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                        static_cast<off_t>(bio->size)) == 0)
            bio->complete(BioStatus::Ok);
        else
            bio->complete(BioStatus::NotSupported, bio->sector);
        return;
    }
}

} // namespace cryptstack
