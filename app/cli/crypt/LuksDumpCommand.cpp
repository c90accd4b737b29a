// cryptstack luksDump IMAGE: the header as cryptsetup prints it; --dump-json-metadata (LUKS2),
// --dump-volume-key (asks for a passphrase and confirmation; --volume-key-file writes the key
// to a new file, mode 0400, instead of printing it).
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/CipherNames.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::cli {

namespace {

class LuksDumpCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksDump"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override { return QStringLiteral("print the LUKS header"); }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() + VolumeOptionSpecs::keySlot() +
               VolumeOptionSpecs::keyFile() + VolumeOptionSpecs::volumeKeyFile() +
               QList<OptionSpec>{{QStringLiteral("dump-json-metadata"),
                                  {},
                                  {},
                                  QStringLiteral("print the LUKS2 JSON area")},
                                 {QStringLiteral("dump-volume-key"),
                                  {},
                                  {},
                                  QStringLiteral("print the volume key (needs a passphrase)")},
                                 {QStringLiteral("dump-master-key"),
                                  {},
                                  {},
                                  QStringLiteral("old name of --dump-volume-key")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), false);
        if (!volume)
            return volume.status();
        if (arguments.isSet(QStringLiteral("dump-volume-key")) ||
            arguments.isSet(QStringLiteral("dump-master-key")))
            return dumpVolumeKey(context, **volume, image);
        if (arguments.isSet(QStringLiteral("dump-json-metadata"))) {
            auto* luks2 = dynamic_cast<Luks2Volume*>(volume->get());
            // crypt_dump_json on LUKS1 (verified wording, exit 1).
            if (!luks2)
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("Dump operation is not supported for this device type."));
            context.console().print(luks2->dumpJson());
            return Status::ok();
        }
        context.console().print(volume.value()->dump(path));
        return Status::ok();
    }

private:
    Status dumpVolumeKey(CryptContext& context, LuksVolume& volume, const QString& image)
    {
        const ArgParser& arguments = context.arguments();
        if (!context.confirm(
                QStringLiteral("The header dump with volume key is sensitive information\n"
                               "that allows access to encrypted partition without a passphrase.\n"
                               "This dump should be stored encrypted in a safe place.")))
            return silentFailure(ErrorCode::PermissionDenied);
        auto key = keySourceOption(arguments);
        if (!key)
            return key.status();
        auto slot = keySlotOption(arguments);
        if (!slot)
            return slot.status();
        auto passphrase =
            context.passphrases().read(*key, QStringLiteral("Enter passphrase for %1: ").arg(image));
        if (!passphrase)
            return passphrase.status();
        auto unlocked = volume.unlock(passphrase->bytes(), *slot);
        if (!unlocked)
            return unlocked.status();
        context.verboseLine(QStringLiteral("Key slot %1 unlocked.").arg(unlocked->keyslot));
        QString keyFile = arguments.value(QStringLiteral("volume-key-file"));
        if (keyFile.isEmpty())
            keyFile = arguments.value(QStringLiteral("master-key-file"));
        if (!keyFile.isEmpty()) {
            if (Status written = writeVolumeKeyFile(keyFile, unlocked->volumeKey); !written)
                return written;
        }
        const auto parts = CipherNames::split(volume.cipherSpec());
        const SecureBuffer& vk = unlocked->volumeKey;
        Console& console = context.console();
        console.printLine(QStringLiteral("LUKS header information for %1").arg(image));
        console.printLine(
            QStringLiteral("Cipher name:   \t%1").arg(parts ? parts->cipher : volume.cipherSpec()));
        console.printLine(QStringLiteral("Cipher mode:   \t%1").arg(parts ? parts->mode : QString()));
        console.printLine(QStringLiteral("Payload offset:\t%1").arg(volume.activation().dataOffsetSectors));
        console.printLine(QStringLiteral("UUID:          \t%1").arg(volume.uuid()));
        console.printLine(QStringLiteral("MK bits:       \t%1").arg(vk.size() * 8));
        if (!keyFile.isEmpty()) {
            console.printLine(QStringLiteral("Key stored to file %1.").arg(keyFile));
            return Status::ok();
        }
        // Built in a buffer that is wiped afterwards; the console's own copy is out of reach.
        static constexpr char Hex[] = "0123456789abcdef";
        QByteArray text("MK dump:\t");
        text.reserve(static_cast<qsizetype>(16 + vk.size() * 4));
        for (size_t i = 0; i < vk.size(); ++i) {
            if (i && i % 16 == 0)
                text += "\n\t\t";
            text += Hex[vk.data()[i] >> 4];
            text += Hex[vk.data()[i] & 15];
            text += ' ';
        }
        text += '\n';
        console.out()->write(text);
        SecureBuffer::wipe(text.data(), static_cast<size_t>(text.size()));
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeLuksDumpCommand()
{
    return std::make_unique<LuksDumpCommand>();
}

} // namespace cryptstack::cli
