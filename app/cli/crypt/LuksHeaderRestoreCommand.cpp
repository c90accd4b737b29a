// cryptstack luksHeaderRestore IMAGE --header-backup-file FILE: writes a header backup back. The
// backup must be a valid LUKS header of the requested --type; over a LUKS header of the same
// version, the sizes must agree as cryptsetup requires (LUKS1: payload offset and key size;
// LUKS2: header size and header plus keyslot areas). Before writing, the bytes about to be overwritten are
// saved to IMAGE.before-restore-<UTC time> (mode 0400), and the command says where.
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/HeaderBackup.h"

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
        auto plan = HeaderBackup::planRestore(file, path, arguments.value(QStringLiteral("type")).toLower());
        if (!plan)
            return plan.status();
        for (const QString& warning : plan->warnings)
            context.console().writeError((warning + u'\n').toUtf8());
        if (!context.confirm(plan->question))
            return silentFailure(ErrorCode::InvalidArgument);
        return HeaderBackup::applyRestore(*plan, [&context](const QString& savedPath, uint64_t bytes) {
            context.console().printLine(QStringLiteral("The replaced header area (%1 bytes) was saved to %2.")
                                            .arg(bytes)
                                            .arg(savedPath));
        });
    }
};

} // namespace

std::unique_ptr<Command> makeLuksHeaderRestoreCommand()
{
    return std::make_unique<LuksHeaderRestoreCommand>();
}

} // namespace cryptstack::cli
