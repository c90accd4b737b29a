#include "HeaderDevice.h"

#include "block/BlockDevice.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace cryptstack {

namespace {

Status missing(const QString& path)
{
    return Status(ErrorCode::NoSuchDevice,
                  QStringLiteral("Device %1 does not exist or access denied.").arg(path));
}

Status ioFailed(const QString& what, const QString& path, int error)
{
    return Status(
        ErrorCode::IOError,
        QStringLiteral("%1 %2 failed: %3").arg(what, path, QString::fromLocal8Bit(strerror(error))));
}

} // namespace

Result<std::unique_ptr<HeaderDevice>> HeaderDevice::open(const QString& path, Access access)
{
    const QByteArray native = QFile::encodeName(path);
    const int flags = (access == Access::ReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    const int fd = ::open(native.constData(), flags);
    if (fd < 0)
        return missing(path);
    struct stat info = {};
    if (::fstat(fd, &info) != 0 || !(S_ISREG(info.st_mode) || S_ISBLK(info.st_mode))) {
        ::close(fd);
        return missing(path);
    }
    std::unique_ptr<HeaderDevice> device(new HeaderDevice);
    device->m_path = path;
    device->m_fd = fd;
    device->m_regularFile = S_ISREG(info.st_mode);
    device->m_writable = access == Access::ReadWrite;
    // cryptsetup's metadata lock on image files: shared to read, exclusive to change.
    if (device->m_regularFile && ::flock(fd, LOCK_SH) != 0)
        return ioFailed(QStringLiteral("Locking"), path, errno);
    return device;
}

Result<std::unique_ptr<HeaderDevice>> HeaderDevice::create(const QString& path)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return missing(path);
    ::close(fd);
    return open(path, Access::ReadWrite);
}

std::unique_ptr<HeaderDevice> HeaderDevice::over(std::shared_ptr<BlockDevice> device, const QString& name)
{
    std::unique_ptr<HeaderDevice> header(new HeaderDevice);
    header->m_path = name;
    header->m_writable = !device->isReadOnly();
    header->m_device = std::move(device);
    return header;
}

HeaderDevice::~HeaderDevice()
{
    if (m_fd >= 0)
        ::close(m_fd); // also drops the flock
}

uint64_t HeaderDevice::size() const
{
    if (m_device)
        return m_device->sizeBytes();
    struct stat info = {};
    if (::fstat(m_fd, &info) != 0)
        return 0;
    if (m_regularFile)
        return uint64_t(info.st_size);
    uint64_t bytes = 0;
    return ::ioctl(m_fd, BLKGETSIZE64, &bytes) == 0 ? bytes : 0;
}

bool HeaderDevice::isWritable() const
{
    return m_writable;
}

uint32_t HeaderDevice::optimalSectorSize() const
{
    if (!m_regularFile)
        return 512;
    struct statvfs fs = {};
    if (::fstatvfs(m_fd, &fs) != 0)
        return 512;
    const auto page = uint64_t(::sysconf(_SC_PAGESIZE));
    return uint32_t(std::max<uint64_t>(fs.f_bsize, page) >= 4096 ? 4096 : 512);
}

Status HeaderDevice::read(uint64_t offset, std::span<uint8_t> out) const
{
    if (m_device)
        return m_device->readBytes(offset, out.data(), out.size());
    size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(m_fd, out.data() + done, out.size() - done, off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ioFailed(QStringLiteral("Reading"), m_path, errno);
        if (n == 0)
            return Status(ErrorCode::IOError, QStringLiteral("Reading %1 failed: the device ends at byte %2.")
                                                  .arg(m_path)
                                                  .arg(offset + done));
        done += size_t(n);
    }
    return Status::ok();
}

Status HeaderDevice::write(uint64_t offset, std::span<const uint8_t> data)
{
    if (!m_writable)
        return Status(ErrorCode::PermissionDenied, QStringLiteral("Device %1 is read-only.").arg(m_path));
    if (m_device)
        return m_device->writeBytes(offset, data.data(), data.size());
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(m_fd, data.data() + done, data.size() - done, off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ioFailed(QStringLiteral("Writing"), m_path, n < 0 ? errno : ENOSPC);
        done += size_t(n);
    }
    return Status::ok();
}

Status HeaderDevice::sync()
{
    if (m_device)
        return m_device->flush();
    if (::fsync(m_fd) != 0)
        return ioFailed(QStringLiteral("Syncing"), m_path, errno);
    return Status::ok();
}

Status HeaderDevice::growTo(uint64_t bytes)
{
    if (size() >= bytes)
        return Status::ok();
    if (!m_regularFile || !m_writable)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Device %1 is too small.").arg(m_path));
    if (::ftruncate(m_fd, off_t(bytes)) != 0)
        return ioFailed(QStringLiteral("Extending"), m_path, errno);
    return Status::ok();
}

Result<HeaderDevice::UpdateLock> HeaderDevice::lockForUpdate()
{
    // Upgrading is not atomic in flock(); LUKS2 re-checks the on-disk seqid once it holds the lock.
    if (m_regularFile && m_updateDepth == 0 && ::flock(m_fd, LOCK_EX) != 0)
        return ioFailed(QStringLiteral("Locking"), m_path, errno);
    ++m_updateDepth;
    return UpdateLock(this);
}

HeaderDevice::UpdateLock::~UpdateLock()
{
    if (m_device && --m_device->m_updateDepth == 0 && m_device->m_regularFile)
        ::flock(m_device->m_fd, LOCK_SH);
}

} // namespace cryptstack
