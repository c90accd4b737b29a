// cryptstack luksHeaderBackup IMAGE --header-backup-file FILE: the header and keyslot areas into
// a new file (mode 0400); an existing file is never overwritten.
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/HeaderBackup.h"

namespace cryptstack::cli {

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
        const QString path = headerPathOf(arguments, image);
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), false);
        if (!volume)
            return volume.status();
        const QString file = arguments.value(QStringLiteral("header-backup-file"));
        return HeaderBackup::backup(**volume, file);
    }
};

} // namespace

std::unique_ptr<Command> makeLuksHeaderBackupCommand()
{
    return std::make_unique<LuksHeaderBackupCommand>();
}

} // namespace cryptstack::cli
