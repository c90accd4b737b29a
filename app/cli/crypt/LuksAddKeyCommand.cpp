// cryptstack luksAddKey IMAGE [NEW-KEY-FILE]: a new keyslot for the volume key, opened with an
// existing passphrase (-d names the existing key's file, as in cryptsetup 2.6) or with
// --volume-key-file. -S is the new slot.
//
// Deliberate difference: cryptsetup 2.6.1 exits 2 without a message when -d and NEW-KEY-FILE are
// both files and the existing key is wrong (its key-file path skips the message). We print
// "No key available with this passphrase." there too; the exit code is the same.
#include "CommandTable.h"
#include "KeyslotVerbs.h"

namespace cryptstack::cli {

namespace {

class LuksAddKeyCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksAddKey"); }
    QString synopsis() const override { return QStringLiteral("IMAGE [NEW-KEY-FILE]"); }
    QString summary() const override
    {
        return QStringLiteral("add a passphrase or key file to a LUKS volume");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() + VolumeOptionSpecs::keySlot() +
               VolumeOptionSpecs::keyFile() + VolumeOptionSpecs::newKeyFile() +
               VolumeOptionSpecs::volumeKeyFile() + VolumeOptionSpecs::pbkdf() + keyslotCipherOptions() +
               QList<OptionSpec>{
                   {QStringLiteral("hash"), u'h', QStringLiteral("HASH"), QStringLiteral("PBKDF2 hash")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 2); !status)
            return status;
        // cryptsetup 2.6.1 says so whenever -S is given to luksAddKey (stdout, verified).
        if (arguments.isSet(QStringLiteral("key-slot")))
            context.console().printLine(
                QStringLiteral("WARNING: The --key-slot parameter is used for new keyslot number."));
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), true);
        if (!volume)
            return volume.status();
        auto options = addKeyslotOptions(arguments, volume->get());
        if (!options)
            return options.status();
        auto newKey = newKeySource(arguments, arguments.positionals().value(1));
        if (!newKey)
            return newKey.status();
        SecureBuffer volumeKey;
        QString volumeKeyFile = arguments.value(QStringLiteral("volume-key-file"));
        if (volumeKeyFile.isEmpty())
            volumeKeyFile = arguments.value(QStringLiteral("master-key-file"));
        if (!volumeKeyFile.isEmpty()) {
            auto key = readVolumeKeyFile(volumeKeyFile, volume.value()->volumeKeyBytes());
            if (!key)
                return key.status();
            if (Status verified = volume.value()->verifyVolumeKey(*key); !verified)
                return verified;
            volumeKey = std::move(key.value());
        } else {
            auto existing = keySourceOption(arguments);
            if (!existing)
                return existing.status();
            // The existing passphrase opens any slot; -S names the new one. With -d, 2.6.1 goes
            // through crypt_keyslot_add_by_keyfile: no "unlocked" line, and a wrong key exits 2
            // silently there; we keep the exit code but say why (one clear line for bad input).
            if (arguments.isSet(QStringLiteral("key-file"))) {
                auto passphrase =
                    context.passphrases().read(*existing, QStringLiteral("Enter any existing passphrase: "));
                if (!passphrase)
                    return passphrase.status();
                auto unlocked = volume.value()->unlock(passphrase->bytes(), std::nullopt);
                if (!unlocked)
                    return unlocked.status();
                volumeKey = std::move(unlocked->volumeKey);
            } else {
                auto unlocked = unlockLuks(context, **volume, *existing, std::nullopt,
                                           QStringLiteral("Enter any existing passphrase: "));
                if (!unlocked)
                    return unlocked.status();
                volumeKey = std::move(unlocked->volumeKey);
            }
        }
        auto passphrase =
            context.passphrases().read(*newKey, QStringLiteral("Enter new passphrase for key slot: "), true);
        if (!passphrase)
            return passphrase.status();
        auto slot = volume.value()->addKeyslot(volumeKey, passphrase->bytes(), *options);
        if (!slot)
            return slot.status();
        context.verboseLine(QStringLiteral("Key slot %1 created.").arg(*slot));
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeLuksAddKeyCommand()
{
    return std::make_unique<LuksAddKeyCommand>();
}

} // namespace cryptstack::cli
