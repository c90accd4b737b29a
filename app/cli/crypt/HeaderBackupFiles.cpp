#include "HeaderBackupCommands.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <unistd.h>

namespace cryptstack::cli {

Status copyToNewFile(const HeaderDevice& device, uint64_t bytes, const QString& path,
                     const QString& existsMessage, const QString& failMessage)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0400);
    if (fd < 0)
        return Status(ErrorCode::InvalidArgument, errno == EEXIST ? existsMessage : failMessage);
    std::vector<uint8_t> chunk(1 << 20);
    Status status;
    for (uint64_t done = 0; done < bytes && status;) {
        const size_t piece = static_cast<size_t>(std::min<uint64_t>(chunk.size(), bytes - done));
        status = device.read(done, std::span<uint8_t>(chunk.data(), piece));
        if (status && ::write(fd, chunk.data(), piece) != static_cast<ssize_t>(piece))
            status = Status(ErrorCode::IOError, failMessage);
        done += piece;
    }
    if (status && ::fsync(fd) != 0)
        status = Status(ErrorCode::IOError, failMessage);
    ::close(fd);
    if (!status)
        ::unlink(name.constData());
    return status;
}

Result<QString> saveHeaderArea(const HeaderDevice& device, uint64_t bytes, const QString& tag)
{
    const QString path =
        QStringLiteral("%1.%2-%3")
            .arg(device.path(), tag,
                 QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss.zzz'Z'")));
    if (Status status = copyToNewFile(device, bytes, path,
                                      QStringLiteral("Cannot save the current header: %1 exists.").arg(path),
                                      QStringLiteral("Cannot save the current header to %1.").arg(path));
        !status)
        return status;
    // The entry must survive a crash too: the caller is about to overwrite the original.
    const QByteArray directory = QFile::encodeName(QFileInfo(path).absolutePath());
    if (const int fd = ::open(directory.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    return path;
}

} // namespace cryptstack::cli
