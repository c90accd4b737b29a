// cryptstack luksKillSlot IMAGE SLOT: destroys a keyslot. A passphrase of another slot (or of
// this one, when it is the last) must be given unless -q is used at a terminal, as in cryptsetup.
#include "CommandTable.h"
#include "VolumeOptions.h"

#include <unistd.h>

namespace cryptstack::cli {

namespace {

class LuksKillSlotCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksKillSlot"); }
    QString synopsis() const override { return QStringLiteral("IMAGE SLOT"); }
    QString summary() const override { return QStringLiteral("wipe the keyslot numbered SLOT"); }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() + VolumeOptionSpecs::keyFile();
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 2, 2); !status)
            return status;
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        const int slot = arguments.positionals().at(1).toInt(); // atoi, as cryptsetup
        if (slot < 0)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Key slot is invalid."));
        auto key = keySourceOption(arguments);
        if (!key)
            return key.status();
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), true);
        if (!volume)
            return volume.status();
        LuksVolume& luks = **volume;
        // A slot past the limit is CRYPT_SLOT_INVALID: cryptsetup fails without a word (verified).
        if (slot >= luks.keyslotLimit())
            return silentFailure(ErrorCode::InvalidArgument);
        if (!luks.isKeyslotActive(slot))
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Keyslot %1 is not active.").arg(slot));
        context.verboseLine(QStringLiteral("Keyslot %1 is selected for deletion.").arg(slot));
        int others = 0;
        for (int other = 0; other < luks.keyslotLimit(); ++other)
            others += other != slot && luks.isKeyslotActive(other) ? 1 : 0;
        const bool keyFile = arguments.isSet(QStringLiteral("key-file"));
        if (!context.batchMode() || keyFile || !context.console().inputIsInteractive()) {
            if (Status verified = verify(context, luks, slot, others == 0, *key, keyFile); !verified)
                return verified;
        }
        if (Status destroyed = luks.destroyKeyslot(slot); !destroyed)
            return destroyed;
        context.verboseLine(QStringLiteral("Key slot %1 removed.").arg(slot));
        return Status::ok();
    }

private:
    // verify_keyslot: the last slot must open with the passphrase; otherwise any other slot must.
    Status verify(CryptContext& context, LuksVolume& luks, int slot, bool last, const KeySource& key,
                  bool keyFile)
    {
        if (last && !context.batchMode() && !keyFile &&
            !context.confirm(
                QStringLiteral("This is the last keyslot. Device will become unusable after purging "
                               "this key."),
                QStringLiteral("Operation aborted, the keyslot was NOT wiped.")))
            return silentFailure(ErrorCode::PermissionDenied);
        auto passphrase = context.passphrases().read(key, QStringLiteral("Enter any remaining passphrase: "));
        if (!passphrase) {
            // cryptsetup goes ahead when stdin gave nothing at all (EPIPE), after saying so.
            if (passphrase.status().code() == ErrorCode::IOError && key.isStdin()) {
                context.console().error(passphrase.status().message());
                return Status::ok();
            }
            return passphrase.status();
        }
        if (last) {
            auto unlocked = luks.unlock(passphrase->bytes(), slot);
            if (unlocked) {
                context.verboseLine(QStringLiteral("Key slot %1 unlocked.").arg(unlocked->keyslot));
                return Status::ok();
            }
            return wrongPassphrase(unlocked.status());
        }
        Status lastFailure;
        for (int other = 0; other < luks.keyslotLimit(); ++other) {
            if (other == slot || !luks.isKeyslotActive(other))
                continue;
            auto unlocked = luks.unlock(passphrase->bytes(), other);
            if (unlocked) {
                context.verboseLine(QStringLiteral("Key slot %1 unlocked.").arg(other));
                return Status::ok();
            }
            lastFailure = unlocked.status();
        }
        return wrongPassphrase(lastFailure);
    }

    static Status wrongPassphrase(const Status& status)
    {
        // Inactive slots count as a bad passphrase here.
        if (status.code() == ErrorCode::WrongPassphrase || status.isOk() ||
            status.message() == u"No usable keyslot is available.")
            return Status(ErrorCode::WrongPassphrase,
                          QStringLiteral("No key available with this passphrase."));
        return status;
    }
};

} // namespace

std::unique_ptr<Command> makeLuksKillSlotCommand()
{
    return std::make_unique<LuksKillSlotCommand>();
}

} // namespace cryptstack::cli
