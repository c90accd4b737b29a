// cryptstack luksFormat IMAGE [KEY-FILE]: a new LUKS1 or LUKS2 (default) header with one keyslot,
// in cryptsetup 2.6.1's order of checks, questions and writes.
#include "CommandTable.h"
#include "KeyslotVerbs.h"
#include "formats/CipherNames.h"
#include "formats/LuksFormat.h"
#include "formats/SecureRandom.h"

#include <QFileInfo>

namespace cryptstack::cli {

namespace {

OptionSpec option(const char* name, QChar shortName, const char* value, const char* help)
{
    return {QString::fromUtf8(name), shortName, QString::fromUtf8(value), QString::fromUtf8(help)};
}

class LuksFormatCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksFormat"); }
    QString synopsis() const override { return QStringLiteral("IMAGE [KEY-FILE]"); }
    QString summary() const override
    {
        return QStringLiteral("write a new LUKS header (destroys the volume's data)");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() + VolumeOptionSpecs::keySlot() +
               VolumeOptionSpecs::keyFile() + VolumeOptionSpecs::volumeKeyFile() +
               VolumeOptionSpecs::pbkdf() + keyslotCipherOptions() +
               QList<OptionSpec>{
                   option("cipher", u'c', "SPEC", "data cipher (default aes-xts-plain64)"),
                   option("key-size", u's', "BITS", "volume key size (default 256, 512 for xts)"),
                   option("hash", u'h', "HASH", "hash for PBKDF2, AF and digest (default sha256)"),
                   option("sector-size", {}, "BYTES", "LUKS2 encryption sector size"),
                   option("label", {}, "TEXT", "LUKS2 label"),
                   option("subsystem", {}, "TEXT", "LUKS2 subsystem"),
                   option("uuid", {}, "UUID", "the volume's UUID (default: random)"),
                   option("offset", {}, "SECTORS", "data offset in 512-byte sectors"),
                   option("align-payload", {}, "SECTORS", "align the data to this many sectors"),
                   option("luks2-metadata-size", {}, "BYTES", "LUKS2 header size (16 KiB … 4 MiB)"),
                   option("luks2-keyslots-size", {}, "BYTES", "LUKS2 keyslots area size")};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 2); !status)
            return status;
        if (arguments.isSet(QStringLiteral("align-payload")) && arguments.isSet(QStringLiteral("offset")))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Options --align-payload and --offset cannot be combined."));
        const QString image = arguments.positionals().first();
        const QString type = arguments.isSet(QStringLiteral("type"))
                                 ? arguments.value(QStringLiteral("type")).toLower()
                                 : QStringLiteral("luks2");
        if (type != u"luks1" && type != u"luks2" && type != u"luks")
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Invalid LUKS type, only luks1 and luks2 are supported."));
        const bool luks1 = type == u"luks1";
        auto sectorSize = numberOption(arguments, QStringLiteral("sector-size"));
        if (!sectorSize)
            return sectorSize.status();
        if (arguments.isSet(QStringLiteral("sector-size")) &&
            (*sectorSize < 512 || *sectorSize > 4096 || (*sectorSize & (*sectorSize - 1))))
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported encryption sector size."));
        if (luks1 && *sectorSize > 512)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported encryption sector size."));
        if (luks1 && (arguments.isSet(QStringLiteral("luks2-metadata-size")) ||
                      arguments.isSet(QStringLiteral("luks2-keyslots-size"))))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Unsupported LUKS2 metadata size options."));
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
        auto keyslot = addKeyslotOptions(arguments, nullptr);
        if (!keyslot)
            return keyslot.status();
        if (Status checked = checkPbkdfOptions(keyslot->kdf, luks1 ? 1 : 2); !checked)
            return checked;
        if (luks1 && (arguments.isSet(QStringLiteral("keyslot-cipher")) ||
                      arguments.isSet(QStringLiteral("keyslot-key-size"))))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Keyslot encryption parameters can be set only for LUKS2 device."));
        // A detached header file that does not exist yet is created (after asking).
        const QString headerPath = headerPathOf(arguments, image);
        const bool detached = arguments.isSet(QStringLiteral("header"));
        bool created = false;
        if (detached && !QFileInfo::exists(headerPath)) {
            if (!context.confirm(QStringLiteral("Header file does not exist, do you want to create it?"),
                                 QStringLiteral("Operation aborted.")))
                return silentFailure(ErrorCode::PermissionDenied);
            created = true;
        }
        const auto cipher = CipherNames::split(arguments.isSet(QStringLiteral("cipher"))
                                                   ? arguments.value(QStringLiteral("cipher"))
                                                   : QStringLiteral("aes-xts-plain64"));
        if (!cipher)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("No known cipher specification pattern detected."));
        if (!created) {
            // The device must exist before anyone is asked about overwriting it.
            auto probe = HeaderDevice::open(headerPath, HeaderDevice::Access::ReadWrite);
            if (!probe)
                return probe.status();
        }
        if (!created &&
            !context.confirm(QStringLiteral("This will overwrite data on %1 irrevocably.").arg(headerPath),
                             QStringLiteral("Operation aborted.")))
            return silentFailure(ErrorCode::InvalidArgument);
        auto bits = numberOption(arguments, QStringLiteral("key-size"), 256);
        if (!bits)
            return bits.status();
        if (*bits % 8)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Key size must be a multiple of 8 bits"));
        uint64_t keyBits = *bits;
        if (!arguments.isSet(QStringLiteral("key-size")) && cipher->mode.startsWith(QStringLiteral("xts")))
            keyBits *= 2;
        const size_t keyBytes = static_cast<size_t>(keyBits / 8);
        auto passphrase = context.passphrases().read(
            *key, QStringLiteral("Enter passphrase for %1: ").arg(headerPath), true);
        if (!passphrase)
            return passphrase.status();
        SecureBuffer volumeKey;
        QString volumeKeyFile = arguments.value(QStringLiteral("volume-key-file"));
        if (volumeKeyFile.isEmpty())
            volumeKeyFile = arguments.value(QStringLiteral("master-key-file"));
        if (!volumeKeyFile.isEmpty()) {
            auto read = readVolumeKeyFile(volumeKeyFile, keyBytes);
            if (!read)
                return read.status();
            volumeKey = std::move(read.value());
        } else {
            volumeKey = SecureBuffer(keyBytes);
            if (Status random = SecureRandom::fill(std::span<uint8_t>(volumeKey.data(), volumeKey.size()));
                !random)
                return random;
        }
        auto device = created ? HeaderDevice::create(headerPath)
                              : HeaderDevice::open(headerPath, HeaderDevice::Access::ReadWrite);
        if (!device)
            return device.status();
        LuksFormatRequest request;
        request.version = luks1 ? 1 : 2;
        request.keyslot = *keyslot;
        if (Status built = luks1 ? luks1Options(arguments, *cipher, detached, request.luks1)
                                 : luks2Options(arguments, *cipher, detached, image, request.luks2);
            !built)
            return built;
        auto formatted =
            LuksFormat::format(std::move(device.value()), request, volumeKey, passphrase->bytes(),
                               [&context](const QString& text) { context.console().printLine(text); });
        if (!formatted)
            return formatted.status();
        context.verboseLine(QStringLiteral("Key slot %1 created.").arg(formatted->keyslot));
        return Status::ok();
    }

private:
    static Status luks1Options(const ArgParser& arguments, const CipherNames::NameAndMode& cipher,
                               bool detached, Luks1FormatOptions& options)
    {
        options.cipherName = cipher.cipher;
        options.cipherMode = cipher.mode;
        if (arguments.isSet(QStringLiteral("hash")))
            options.hash = arguments.value(QStringLiteral("hash")).toLower();
        options.uuid = arguments.value(QStringLiteral("uuid"));
        if (arguments.isSet(QStringLiteral("offset"))) {
            auto offset = numberOption(arguments, QStringLiteral("offset"));
            if (!offset)
                return offset.status();
            options.payloadOffsetSectors = *offset;
        }
        auto align = numberOption(arguments, QStringLiteral("align-payload"));
        if (!align)
            return align.status();
        options.alignPayloadSectors = *align;
        options.detachedHeader = detached;
        auto kdf = kdfRequestOption(arguments);
        if (!kdf)
            return kdf.status();
        options.kdf = *kdf;
        return Status::ok();
    }

    static Status luks2Options(const ArgParser& arguments, const CipherNames::NameAndMode& cipher,
                               bool detached, const QString& image, Luks2FormatOptions& options)
    {
        options.cipher = cipher.joined();
        if (arguments.isSet(QStringLiteral("hash")))
            options.hash = arguments.value(QStringLiteral("hash")).toLower();
        auto kdf = kdfRequestOption(arguments);
        if (!kdf)
            return kdf.status();
        options.digestKdf = *kdf;
        auto sector = numberOption(arguments, QStringLiteral("sector-size"));
        auto align = numberOption(arguments, QStringLiteral("align-payload"));
        auto metadata = numberOption(arguments, QStringLiteral("luks2-metadata-size"));
        auto keyslots = numberOption(arguments, QStringLiteral("luks2-keyslots-size"));
        for (const auto* value : {&sector, &align, &metadata, &keyslots}) {
            if (!*value)
                return value->status();
        }
        options.sectorSize = static_cast<unsigned>(sector.value());
        options.uuid = arguments.value(QStringLiteral("uuid"));
        options.label = arguments.value(QStringLiteral("label"));
        options.subsystem = arguments.value(QStringLiteral("subsystem"));
        if (arguments.isSet(QStringLiteral("offset"))) {
            auto offset = numberOption(arguments, QStringLiteral("offset"));
            if (!offset)
                return offset.status();
            options.offsetSectors = *offset;
        }
        options.alignPayloadSectors = align.value();
        options.metadataSize = metadata.value();
        options.keyslotsSize = keyslots.value();
        options.detachedHeader = detached;
        if (detached) {
            // The data device's size and sector size choice come from the image itself.
            auto data = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
            if (!data)
                return data.status();
            options.dataDeviceBytes = data.value()->size();
            options.dataDeviceOptimalSectorSize = data.value()->optimalSectorSize();
        }
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeLuksFormatCommand()
{
    return std::make_unique<LuksFormatCommand>();
}

} // namespace cryptstack::cli
