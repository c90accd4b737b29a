// cryptstack luksHeaderBackup IMAGE --header-backup-file FILE: the header and keyslot areas into
// a new file (mode 0400); an existing file is never overwritten.
#include "CommandTable.h"
#include "HeaderBackupCommands.h"
#include "VolumeOptions.h"

#include <QFile>

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

namespace {

class LuksHeaderBackupCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksHeaderBackup"); }
    QString synopsis() const override { return QStringLiteral("IMAGE --header-backup-file FILE"); }
    QString summary() const override
    {
        return QStringLiteral("save the LUKS header and keyslots to a new file");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() +
               QList<OptionSpec>{{QStringLiteral("header-backup-file"),
                                  {},
                                  QStringLiteral("FILE"),
                                  QStringLiteral("the backup file (must not exist)")}};
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
        const QString path =
            arguments.isSet(QStringLiteral("header")) ? arguments.value(QStringLiteral("header")) : image;
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), false);
        if (!volume)
            return volume.status();
        const QString file = arguments.value(QStringLiteral("header-backup-file"));
        return copyToNewFile(volume.value()->device(), volume.value()->headerBytes(), file,
                             QStringLiteral("Requested header backup file %1 already exists.").arg(file),
                             QStringLiteral("Cannot create header backup file %1.").arg(file));
    }
};

} // namespace

std::unique_ptr<Command> makeLuksHeaderBackupCommand()
{
    return std::make_unique<LuksHeaderBackupCommand>();
}

} // namespace cryptstack::cli
