// cryptstack luksChangeKey IMAGE [NEW-KEY-FILE]: replaces a passphrase. -S names the slot the old
// passphrase must open and makes the change in place; else the engine's changeKeyslot decides.
#include "CommandTable.h"
#include "KeyslotVerbs.h"

namespace cryptstack::cli {

namespace {

class LuksChangeKeyCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksChangeKey"); }
    QString synopsis() const override { return QStringLiteral("IMAGE [NEW-KEY-FILE]"); }
    QString summary() const override
    {
        return QStringLiteral("change a passphrase or key file of a LUKS volume");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() + VolumeOptionSpecs::keySlot() +
               VolumeOptionSpecs::keyFile() + VolumeOptionSpecs::newKeyFile() + VolumeOptionSpecs::pbkdf() +
               keyslotCipherOptions() +
               QList<OptionSpec>{
                   {QStringLiteral("hash"), u'h', QStringLiteral("HASH"), QStringLiteral("PBKDF2 hash")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 2); !status)
            return status;
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), true);
        if (!volume)
            return volume.status();
        auto options = addKeyslotOptions(arguments, volume->get());
        if (!options)
            return options.status();
        auto key = keySourceOption(arguments);
        if (!key)
            return key.status();
        auto newKey = newKeySource(arguments, arguments.positionals().value(1));
        if (!newKey)
            return newKey.status();
        auto unlocked = unlockLuks(context, **volume, *key, options->keyslot,
                                   QStringLiteral("Enter passphrase to be changed: "));
        if (!unlocked)
            return unlocked.status();
        auto passphrase = context.passphrases().read(*newKey, QStringLiteral("Enter new passphrase: "), true);
        if (!passphrase)
            return passphrase.status();
        // -S: the new passphrase overwrites that keyslot in place (as cryptsetup passes the same
        // slot as old and new); without it the engine picks where the new key goes.
        if (options->keyslot)
            options->keyslot = unlocked->keyslot;
        auto slot = volume.value()->changeKeyslot(*unlocked, passphrase->bytes(), *options);
        if (!slot)
            return slot.status();
        context.verboseLine(QStringLiteral("Key slot %1 created.").arg(*slot));
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeLuksChangeKeyCommand()
{
    return std::make_unique<LuksChangeKeyCommand>();
}

} // namespace cryptstack::cli
