// cryptstack open IMAGE [NAME]: with --test-passphrase, checks a passphrase against a LUKS
// volume as cryptsetup does. A mapping lives in the engine of the process that made it, so a
// one-shot command cannot leave one behind: without --test-passphrase the verb says so (after
// checking its arguments, before asking for a passphrase) and points to the shell, where
// "open IMAGE NAME" keeps the mapping, and to read/write for the data.
#include "CommandTable.h"
#include "VolumeOptions.h"

namespace cryptstack::cli {

namespace {

class OpenCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("open"); }
    QString synopsis() const override { return QStringLiteral("IMAGE [NAME]"); }
    QString summary() const override
    {
        return QStringLiteral("check a passphrase (--test-passphrase); mappings live in 'cryptstack shell'");
    }
    QList<OptionSpec> verbOptions() const override { return VolumeOptionSpecs::open(); }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (arguments.positionals().isEmpty())
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("open: requires IMAGE [NAME] as arguments"));
        if (Status status = expectPositionals(arguments, 1, 2); !status)
            return status;
        auto options = parseVolumeOptions(arguments, arguments.positionals().first());
        if (!options)
            return options.status();
        if (!options->testPassphrase) {
            if (arguments.positionals().size() < 2)
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("Command requires device and mapped name as arguments."));
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("open: a mapping lives only as long as the cryptstack process that made "
                               "it; use 'cryptstack shell' (open %1 %2 …) to keep one, 'cryptstack "
                               "read'/'write' for the data, or --test-passphrase to check a key")
                    .arg(arguments.positionals().at(0), arguments.positionals().at(1)));
        }
        auto unlocked = unlockVolume(context, *options, arguments.positionals().value(1));
        return unlocked.status();
    }
};

} // namespace

std::unique_ptr<Command> makeOpenCommand()
{
    return std::make_unique<OpenCommand>();
}

} // namespace cryptstack::cli
