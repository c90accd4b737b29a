// cryptstack luksHeaderRestore IMAGE --header-backup-file FILE: writes a header backup back. The
// backup must be a valid LUKS header of the requested --type; over a LUKS header of the same
// version, the sizes must agree as cryptsetup requires (LUKS1: payload offset and key size;
// LUKS2: header size and header plus keyslot areas). Before writing, the bytes about to be overwritten are
// saved to IMAGE.before-restore-<UTC time> (mode 0400), and the command says where.
#include "CommandTable.h"
#include "HeaderBackupCommands.h"
#include "VolumeOptions.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::cli {

namespace {

class LuksHeaderRestoreCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksHeaderRestore"); }
    QString synopsis() const override { return QStringLiteral("IMAGE --header-backup-file FILE"); }
    QString summary() const override
    {
        return QStringLiteral("write a LUKS header backup back to the volume");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() +
               QList<OptionSpec>{{QStringLiteral("header-backup-file"),
                                  {},
                                  QStringLiteral("FILE"),
                                  QStringLiteral("the backup to restore")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        if (!arguments.isSet(QStringLiteral("header-backup-file")))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Option --header-backup-file is required."));
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        const QString file = arguments.value(QStringLiteral("header-backup-file"));
        const QString type = arguments.value(QStringLiteral("type")).toLower();
        auto backupDevice = HeaderDevice::open(file, HeaderDevice::Access::ReadOnly);
        if (!backupDevice)
            return backupDevice.status();
        auto backup = LuksVolume::load(std::move(backupDevice.value()));
        const int backupVersion = backup ? backup.value()->version() : 0;
        if (!backup || (type == u"luks1" && backupVersion != 1) || (type == u"luks2" && backupVersion != 2))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Header backup file does not contain compatible LUKS header."));
        const uint64_t bytes = backup.value()->device().size();
        auto target = HeaderDevice::open(path, HeaderDevice::Access::ReadWrite);
        if (!target)
            return target.status();
        // What the device holds now (read through a second handle, so the target stays ours).
        auto current = loadLuks(context, path, QString(), false);
        QString question;
        if (current) {
            LuksVolume& now = **current;
            if (now.version() == 1 && backupVersion == 1 &&
                (now.activation().dataOffsetSectors != backup.value()->activation().dataOffsetSectors ||
                 now.volumeKeyBytes() != backup.value()->volumeKeyBytes()))
                return Status(
                    ErrorCode::InvalidArgument,
                    QStringLiteral("Data offset or key size differs on device and backup, restore failed."));
            const auto* nowLuks2 = dynamic_cast<const Luks2Volume*>(&now);
            const auto* backupLuks2 = dynamic_cast<const Luks2Volume*>(backup.value().get());
            if (nowLuks2 && backupLuks2 &&
                (nowLuks2->hdrSize() != backupLuks2->hdrSize() ||
                 now.headerBytes() != backup.value()->headerBytes()))
                return Status(
                    ErrorCode::InvalidArgument,
                    QStringLiteral("Binary header with keyslot areas size differ on device and backup, "
                                   "restore failed."));
            question =
                QStringLiteral("Device %1 already contains LUKS%2 header. Replacing header will destroy "
                               "existing keyslots.")
                    .arg(path, now.version() == 2 ? QStringLiteral("2") : QString());
            if (now.uuid() != backup.value()->uuid())
                question += QStringLiteral("\nWARNING: real device header has different UUID than backup!");
            current.value().reset();
        } else {
            question =
                QStringLiteral("Device %1 does not contain LUKS header. Replacing header can destroy data "
                               "on that device.")
                    .arg(path);
        }
        if (!context.confirm(question))
            return silentFailure(ErrorCode::InvalidArgument);
        // Keep what is about to be overwritten.
        const uint64_t saved = std::min(bytes, target.value()->size());
        if (saved) {
            auto savedPath = saveHeaderArea(**target, saved, QStringLiteral("before-restore"));
            if (!savedPath)
                return savedPath.status();
            context.console().printLine(QStringLiteral("The replaced header area (%1 bytes) was saved to %2.")
                                            .arg(saved)
                                            .arg(*savedPath));
        }
        if (target.value()->size() < bytes) {
            if (Status grown = target.value()->growTo(bytes); !grown)
                return grown;
        }
        auto updateLock = target.value()->lockForUpdate();
        if (!updateLock)
            return updateLock.status();
        std::vector<uint8_t> chunk(1 << 20);
        for (uint64_t done = 0; done < bytes;) {
            const size_t piece = static_cast<size_t>(std::min<uint64_t>(chunk.size(), bytes - done));
            std::span<uint8_t> view(chunk.data(), piece);
            if (Status status = backup.value()->device().read(done, view); !status)
                return status;
            if (Status status = target.value()->write(done, view); !status)
                return status;
            done += piece;
        }
        return target.value()->sync();
    }
};

} // namespace

std::unique_ptr<Command> makeLuksHeaderRestoreCommand()
{
    return std::make_unique<LuksHeaderRestoreCommand>();
}

} // namespace cryptstack::cli
