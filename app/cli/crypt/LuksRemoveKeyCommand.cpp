// cryptstack luksRemoveKey IMAGE [KEY-FILE]: destroys the keyslot the given passphrase opens.
#include "CommandTable.h"
#include "VolumeOptions.h"

namespace cryptstack::cli {

namespace {

int activeKeyslots(const LuksVolume& volume)
{
    int count = 0;
    for (int slot = 0; slot < volume.keyslotLimit(); ++slot)
        count += volume.isKeyslotActive(slot) ? 1 : 0;
    return count;
}

class LuksRemoveKeyCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksRemoveKey"); }
    QString synopsis() const override { return QStringLiteral("IMAGE [KEY-FILE]"); }
    QString summary() const override
    {
        return QStringLiteral("remove the keyslot a passphrase or key file opens");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() + VolumeOptionSpecs::keyFile();
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 2); !status)
            return status;
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        auto key = keySourceOption(arguments);
        if (!key)
            return key.status();
        if (arguments.positionals().size() > 1) {
            if (arguments.isSet(QStringLiteral("key-file")))
                context.console().error(
                    QStringLiteral("Option --key-file takes precedence over specified key file argument."));
            else
                key->keyFile = arguments.positionals().at(1);
        }
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), true);
        if (!volume)
            return volume.status();
        auto passphrase =
            context.passphrases().read(*key, QStringLiteral("Enter passphrase to be deleted: "));
        if (!passphrase)
            return passphrase.status();
        auto unlocked = volume.value()->unlock(passphrase->bytes(), std::nullopt);
        if (!unlocked)
            return unlocked.status();
        const int slot = unlocked->keyslot;
        context.verboseLine(QStringLiteral("Key slot %1 unlocked.").arg(slot));
        context.verboseLine(QStringLiteral("Keyslot %1 is selected for deletion.").arg(slot));
        if (activeKeyslots(**volume) == 1 && !context.batchMode() &&
            !context.confirm(
                QStringLiteral("This is the last keyslot. Device will become unusable after purging "
                               "this key."),
                QStringLiteral("Operation aborted, the keyslot was NOT wiped.")))
            return silentFailure(ErrorCode::PermissionDenied);
        if (Status destroyed = volume.value()->destroyKeyslot(slot); !destroyed)
            return destroyed;
        context.verboseLine(QStringLiteral("Key slot %1 removed.").arg(slot));
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeLuksRemoveKeyCommand()
{
    return std::make_unique<LuksRemoveKeyCommand>();
}

} // namespace cryptstack::cli
