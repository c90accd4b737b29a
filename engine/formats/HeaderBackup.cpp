#include "HeaderBackup.h"

#include "luks2/Luks2Volume.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace cryptstack::HeaderBackup {

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

Status backup(const LuksVolume& volume, const QString& file)
{
    return copyToNewFile(volume.device(), volume.headerBytes(), file,
                         QStringLiteral("Requested header backup file %1 already exists.").arg(file),
                         QStringLiteral("Cannot create header backup file %1.").arg(file));
}

Result<RestorePlan> planRestore(const QString& backupFile, const QString& headerPath, const QString& type)
{
    RestorePlan plan;
    auto backupDevice = HeaderDevice::open(backupFile, HeaderDevice::Access::ReadOnly);
    if (!backupDevice)
        return backupDevice.status();
    auto backup = LuksVolume::load(std::move(backupDevice.value()));
    const int backupVersion = backup ? backup.value()->version() : 0;
    if (!backup || (type == u"luks1" && backupVersion != 1) || (type == u"luks2" && backupVersion != 2))
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Header backup file does not contain compatible LUKS header."));
    plan.backup = std::move(backup.value());
    auto target = HeaderDevice::open(headerPath, HeaderDevice::Access::ReadWrite);
    if (!target)
        return target.status();
    plan.target = std::move(target.value());
    // What the device holds now, read through a second handle so the target stays ours.
    auto currentDevice = HeaderDevice::open(headerPath, HeaderDevice::Access::ReadOnly);
    auto current = currentDevice ? LuksVolume::load(std::move(currentDevice.value()))
                                 : Result<std::unique_ptr<LuksVolume>>(currentDevice.status());
    if (!current) {
        plan.question = QStringLiteral("Device %1 does not contain LUKS header. Replacing header can destroy "
                                       "data on that device.")
                            .arg(headerPath);
        return plan;
    }
    const LuksVolume& now = **current;
    plan.warnings = now.warnings();
    if (now.version() == 1 && backupVersion == 1 &&
        (now.activation().dataOffsetSectors != plan.backup->activation().dataOffsetSectors ||
         now.volumeKeyBytes() != plan.backup->volumeKeyBytes()))
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("Data offset or key size differs on device and backup, restore failed."));
    const auto* nowLuks2 = dynamic_cast<const Luks2Volume*>(&now);
    const auto* backupLuks2 = dynamic_cast<const Luks2Volume*>(plan.backup.get());
    if (nowLuks2 && backupLuks2 &&
        (nowLuks2->hdrSize() != backupLuks2->hdrSize() || now.headerBytes() != plan.backup->headerBytes()))
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Binary header with keyslot areas size differ on device and backup, "
                                     "restore failed."));
    plan.question = QStringLiteral("Device %1 already contains LUKS%2 header. Replacing header will destroy "
                                   "existing keyslots.")
                        .arg(headerPath, now.version() == 2 ? QStringLiteral("2") : QString());
    if (now.uuid() != plan.backup->uuid())
        plan.question += QStringLiteral("\nWARNING: real device header has different UUID than backup!");
    return plan;
}

Status applyRestore(RestorePlan& plan, const std::function<void(const QString&, uint64_t)>& saved)
{
    HeaderDevice& target = *plan.target;
    const uint64_t bytes = plan.backup->device().size();
    // Keep what is about to be overwritten.
    const uint64_t keep = std::min(bytes, target.size());
    if (keep) {
        auto savedPath = saveHeaderArea(target, keep, QStringLiteral("before-restore"));
        if (!savedPath)
            return savedPath.status();
        if (saved)
            saved(*savedPath, keep);
    }
    if (target.size() < bytes) {
        if (Status grown = target.growTo(bytes); !grown)
            return grown;
    }
    auto updateLock = target.lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    std::vector<uint8_t> chunk(1 << 20);
    for (uint64_t done = 0; done < bytes;) {
        const size_t piece = static_cast<size_t>(std::min<uint64_t>(chunk.size(), bytes - done));
        std::span<uint8_t> view(chunk.data(), piece);
        if (Status status = plan.backup->device().read(done, view); !status)
            return status;
        if (Status status = target.write(done, view); !status)
            return status;
        done += piece;
    }
    return target.sync();
}

} // namespace cryptstack::HeaderBackup
