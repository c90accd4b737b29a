#include "VolumeOptions.h"

#include "core/Parse.h"
#include "formats/HeaderDevice.h"
#include "volume/LuksActivation.h"

#include <QFile>

#include <fcntl.h>
#include <unistd.h>

namespace cryptstack::cli {

namespace {

OptionSpec flag(const char* name, QChar shortName, const char* help)
{
    return {QString::fromUtf8(name), shortName, {}, QString::fromUtf8(help)};
}

OptionSpec valued(const char* name, QChar shortName, const char* value, const char* help)
{
    return {QString::fromUtf8(name), shortName, QString::fromUtf8(value), QString::fromUtf8(help)};
}

Status invalid(const QString& text)
{
    return Status(ErrorCode::InvalidArgument, text);
}

} // namespace

namespace VolumeOptionSpecs {

QList<OptionSpec> keyFile()
{
    return {valued("key-file", u'd', "FILE", "read the key from a file (- is stdin, taken whole)"),
            valued("keyfile-offset", {}, "BYTES", "skip this many bytes of the key file"),
            valued("keyfile-size", u'l', "BYTES", "read at most this many bytes of the key file")};
}

QList<OptionSpec> newKeyFile()
{
    return {valued("new-keyfile-offset", {}, "BYTES", "skip this many bytes of the new key file"),
            valued("new-keyfile-size", {}, "BYTES", "read at most this many bytes of the new key file")};
}

QList<OptionSpec> keySlot()
{
    return {valued("key-slot", u'S', "N", "the keyslot to use")};
}

QList<OptionSpec> header()
{
    return {valued("header", {}, "FILE", "the LUKS header is in this file (detached header)")};
}

QList<OptionSpec> type()
{
    return {valued("type", u'M', "TYPE", "luks, luks1, luks2 or plain")};
}

QList<OptionSpec> volumeKeyFile()
{
    return {valued("volume-key-file", {}, "FILE", "the volume key in a file, raw bytes"),
            valued("master-key-file", {}, "FILE", "old name of --volume-key-file")};
}

QList<OptionSpec> plain(const QString& offsetOption, const QString& sizeOption)
{
    return {valued("cipher", u'c', "SPEC", "plain: cipher (default aes-cbc-essiv:sha256)"),
            valued("key-size", u's', "BITS", "plain: key size in bits (default 256)"),
            valued("hash", u'h', "HASH", "plain: passphrase hash (default ripemd160; plain: none)"),
            {offsetOption, {}, QStringLiteral("SECTORS"), QStringLiteral("plain: data start on the device")},
            valued("skip", u'p', "SECTORS", "plain: IV offset"),
            {sizeOption, sizeOption == u"size" ? QChar(u'b') : QChar(), QStringLiteral("SECTORS"),
             QStringLiteral("plain: mapping length (default: to the end)")},
            valued("sector-size", {}, "BYTES", "plain: encryption sector size (512 to 4096)"),
            flag("iv-large-sectors", {}, "plain: IVs count sector-size units")};
}

QList<OptionSpec> activationFlags()
{
    return {flag("allow-discards", {}, "pass discards down"),
            flag("perf-same_cpu_crypt", {}, "encrypt on the submitting CPU"),
            flag("perf-submit_from_crypt_cpus", {}, "submit writes from the crypt threads"),
            flag("perf-no_read_workqueue", {}, "decrypt reads without the crypt queue"),
            flag("perf-no_write_workqueue", {}, "encrypt writes without the crypt queue"),
            flag("readonly", u'r', "map read-only"),
            flag("disable-keyring", {}, "put a LUKS2 key into the table as hex")};
}

QList<OptionSpec> pbkdf()
{
    return {valued("pbkdf", {}, "TYPE", "pbkdf2, argon2i or argon2id"),
            valued("iter-time", u'i', "MS", "PBKDF time target (default 2000)"),
            valued("pbkdf-force-iterations", {}, "N", "fixed iterations (argon2: time cost)"),
            valued("pbkdf-memory", {}, "KIB", "argon2 memory limit"),
            valued("pbkdf-parallel", {}, "N", "argon2 threads limit")};
}

QList<OptionSpec> open(const QString& offsetOption, const QString& sizeOption)
{
    return type() + header() + keySlot() + keyFile() + plain(offsetOption, sizeOption) + activationFlags() +
           QList<OptionSpec>{flag("test-passphrase", {}, "only check the passphrase")};
}

} // namespace VolumeOptionSpecs

Result<uint64_t> numberOption(const ArgParser& arguments, const QString& name, uint64_t defaultValue)
{
    if (!arguments.isSet(name))
        return defaultValue;
    const auto value = parseU64(arguments.value(name));
    if (!value)
        return invalid(QStringLiteral("--%1: invalid number \"%2\"").arg(name, arguments.value(name)));
    return *value;
}

Result<std::optional<int>> keySlotOption(const ArgParser& arguments)
{
    if (!arguments.isSet(QStringLiteral("key-slot")))
        return std::optional<int>();
    bool ok = false;
    const int slot = arguments.value(QStringLiteral("key-slot")).toInt(&ok);
    if (!ok || slot < 0)
        return invalid(QStringLiteral("Key slot is invalid."));
    return std::optional<int>(slot);
}

Result<KeySource> keySourceOption(const ArgParser& arguments)
{
    KeySource source;
    source.keyFile = arguments.value(QStringLiteral("key-file"));
    auto offset = numberOption(arguments, QStringLiteral("keyfile-offset"));
    if (!offset)
        return offset.status();
    auto size = numberOption(arguments, QStringLiteral("keyfile-size"));
    if (!size)
        return size.status();
    source.keyfileOffset = *offset;
    source.keyfileSize = *size;
    return source;
}

Result<KeySource> newKeySource(const ArgParser& arguments, const QString& newKeyFile)
{
    KeySource source;
    source.keyFile = newKeyFile;
    auto offset = numberOption(arguments, QStringLiteral("new-keyfile-offset"));
    if (!offset)
        return offset.status();
    auto size = numberOption(arguments, QStringLiteral("new-keyfile-size"));
    if (!size)
        return size.status();
    source.keyfileOffset = *offset;
    source.keyfileSize = *size;
    return source;
}

Result<KdfRequest> kdfRequestOption(const ArgParser& arguments)
{
    KdfRequest request;
    request.type = arguments.value(QStringLiteral("pbkdf")).toLower();
    if (!request.type.isEmpty() && request.type != u"pbkdf2" && request.type != u"argon2i" &&
        request.type != u"argon2id")
        return invalid(
            QStringLiteral("Unknown PBKDF type %1.").arg(arguments.value(QStringLiteral("pbkdf"))));
    request.hash = arguments.value(QStringLiteral("hash")).toLower();
    auto iterTime = numberOption(arguments, QStringLiteral("iter-time"), 2000);
    auto forced = numberOption(arguments, QStringLiteral("pbkdf-force-iterations"));
    auto memory = numberOption(arguments, QStringLiteral("pbkdf-memory"));
    auto parallel = numberOption(arguments, QStringLiteral("pbkdf-parallel"));
    for (const auto* value : {&iterTime, &forced, &memory, &parallel}) {
        if (!*value)
            return value->status();
        if (value->value() > UINT32_MAX)
            return invalid(QStringLiteral("PBKDF option value out of range."));
    }
    if (arguments.isSet(QStringLiteral("iter-time")) && forced.value())
        return invalid(
            QStringLiteral("PBKDF forced iterations cannot be combined with iteration time option."));
    request.iterTimeMs = static_cast<uint32_t>(iterTime.value() ? iterTime.value() : 2000);
    request.forcedIterations = static_cast<uint32_t>(forced.value());
    request.maxMemoryKiB = static_cast<uint32_t>(memory.value());
    request.maxParallel = static_cast<uint32_t>(parallel.value());
    return request;
}

Result<VolumeOptions> parseVolumeOptions(const ArgParser& arguments, const QString& image,
                                         const QString& offsetOption, const QString& sizeOption)
{
    VolumeOptions options;
    options.image = image;
    options.header = arguments.value(QStringLiteral("header"));
    options.type = arguments.isSet(QStringLiteral("type")) ? arguments.value(QStringLiteral("type")).toLower()
                                                           : QStringLiteral("luks");
    if (options.type != u"luks" && options.type != u"luks1" && options.type != u"luks2" &&
        options.type != u"plain")
        return invalid(QStringLiteral("Unrecognized metadata device type %1.")
                           .arg(arguments.value(QStringLiteral("type"))));
    options.testPassphrase = arguments.isSet(QStringLiteral("test-passphrase"));
    const bool plain = options.isPlain();
    // verify_open's checks, in its order.
    if (arguments.isSet(QStringLiteral("skip")) && !plain)
        return invalid(
            QStringLiteral("Option --skip is supported only for open of plain and loopaes devices."));
    if (arguments.isSet(offsetOption) && !plain)
        return invalid(
            QStringLiteral("Option --%1 with open action is only supported for plain and loopaes devices.")
                .arg(offsetOption));
    if (arguments.isSet(QStringLiteral("sector-size")) && !plain)
        return invalid(
            QStringLiteral("Sector size option with open action is supported only for plain devices."));
    auto sectorSize = numberOption(arguments, QStringLiteral("sector-size"), 512);
    if (!sectorSize)
        return sectorSize.status();
    if (arguments.isSet(QStringLiteral("iv-large-sectors")) && (!plain || *sectorSize <= 512))
        return invalid(
            QStringLiteral("Large IV sectors option is supported only for opening plain type device "
                           "with sector size larger than 512 bytes."));
    if (options.testPassphrase && plain)
        return invalid(QStringLiteral(
            "Option --test-passphrase is allowed only for open of LUKS, TCRYPT and BITLK devices."));
    if (plain && !options.header.isEmpty())
        return invalid(QStringLiteral("Detached metadata device is not supported for this crypt type."));
    auto slot = keySlotOption(arguments);
    if (!slot)
        return slot.status();
    options.keySlot = *slot;
    auto key = keySourceOption(arguments);
    if (!key)
        return key.status();
    options.key = *key;
    options.keyfileSizeGiven = arguments.isSet(QStringLiteral("keyfile-size"));
    if (plain) {
        if (arguments.isSet(QStringLiteral("cipher")))
            options.plain.cipher = arguments.value(QStringLiteral("cipher"));
        auto keyBits = numberOption(arguments, QStringLiteral("key-size"), 256);
        auto offset = numberOption(arguments, offsetOption);
        auto skip = numberOption(arguments, QStringLiteral("skip"));
        auto size = numberOption(arguments, sizeOption);
        for (const auto* value : {&keyBits, &offset, &skip, &size}) {
            if (!*value)
                return value->status();
        }
        if (keyBits.value() % 8 != 0)
            return invalid(QStringLiteral("Key size must be a multiple of 8 bits"));
        options.plain.keyBits = static_cast<size_t>(keyBits.value());
        options.hashGiven = arguments.isSet(QStringLiteral("hash"));
        if (options.hashGiven)
            options.plain.hash = arguments.value(QStringLiteral("hash"));
        options.plain.offset = offset.value();
        options.plain.skip = skip.value();
        options.plain.size = size.value();
        options.plain.sectorSize = static_cast<unsigned>(std::min<uint64_t>(*sectorSize, 1u << 20));
        options.plain.ivLargeSectors = arguments.isSet(QStringLiteral("iv-large-sectors"));
    }
    options.flags.allowDiscards = arguments.isSet(QStringLiteral("allow-discards"));
    options.flags.sameCpuCrypt = arguments.isSet(QStringLiteral("perf-same_cpu_crypt"));
    options.flags.submitFromCryptCpus = arguments.isSet(QStringLiteral("perf-submit_from_crypt_cpus"));
    options.flags.noReadWorkqueue = arguments.isSet(QStringLiteral("perf-no_read_workqueue"));
    options.flags.noWriteWorkqueue = arguments.isSet(QStringLiteral("perf-no_write_workqueue"));
    options.flags.readOnly = arguments.isSet(QStringLiteral("readonly"));
    options.disableKeyring = arguments.isSet(QStringLiteral("disable-keyring"));
    return options;
}

QString headerPathOf(const ArgParser& arguments, const QString& image)
{
    return arguments.isSet(QStringLiteral("header")) ? arguments.value(QStringLiteral("header")) : image;
}

Result<std::unique_ptr<LuksVolume>> loadLuks(CryptContext& context, const QString& headerPath,
                                             const QString& requestedType, bool forWrite)
{
    // Verbs that only read open the header read-only: an inspection never writes. Unlike
    // cryptsetup's crypt_load, a damaged or older LUKS2 copy is not rewritten on load; the user is
    // told, and only "repair" (or a verb that commits new metadata, which writes both copies)
    // changes the device.
    const auto access = forWrite ? HeaderDevice::Access::ReadWrite : HeaderDevice::Access::ReadOnly;
    auto device = HeaderDevice::open(headerPath, access);
    if (!device)
        return device.status();
    auto volume = LuksVolume::load(std::move(device.value()));
    if (!volume) {
        // One line: the verdict; the reasons per header copy follow it in the engine's message.
        const Status& status = volume.status();
        return Status(status.code(), status.message().section(u'\n', 0, 0));
    }
    for (const QString& warning : volume.value()->warnings())
        context.console().writeError((warning + u'\n').toUtf8());
    const int version = volume.value()->version();
    if ((requestedType == u"luks1" && version != 1) || (requestedType == u"luks2" && version != 2))
        return invalid(QStringLiteral("Device %1 is not a valid LUKS device.").arg(headerPath));
    return std::move(volume.value());
}

Result<UnlockedKey> unlockLuks(CryptContext& context, LuksVolume& volume, const KeySource& key,
                               std::optional<int> keySlot, const QString& prompt)
{
    PassphraseReader& reader = context.passphrases();
    int tries = reader.interactive(key) ? 3 : 1;
    const QString text =
        prompt.isEmpty()
            ? QStringLiteral("Enter passphrase for %1: ").arg(context.arguments().positionals().value(0))
            : prompt;
    for (;;) {
        auto passphrase = reader.read(key, text);
        if (!passphrase)
            return passphrase.status();
        auto unlocked = volume.unlock(passphrase->bytes(), keySlot);
        if (unlocked) {
            context.verboseLine(QStringLiteral("Key slot %1 unlocked.").arg(unlocked->keyslot));
            return unlocked;
        }
        if (unlocked.status().code() != ErrorCode::WrongPassphrase || --tries == 0)
            return unlocked.status();
        context.console().error(unlocked.status().message());
    }
}

Status writeVolumeKeyFile(const QString& path, const SecureBuffer& key)
{
    // tools_write_mk: a new file, owner read-only (0400, as cryptsetup 2.6.1 creates it).
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0400);
    if (fd < 0)
        return invalid(QStringLiteral("Cannot open keyfile %1 for write.").arg(path));
    size_t done = 0;
    while (done < key.size()) {
        const ssize_t wrote = ::write(fd, key.data() + done, key.size() - done);
        if (wrote <= 0)
            break;
        done += static_cast<size_t>(wrote);
    }
    ::close(fd);
    if (done != key.size())
        return Status(ErrorCode::IOError, QStringLiteral("Cannot write to keyfile %1.").arg(path));
    return Status::ok();
}

Result<SecureBuffer> readVolumeKeyFile(const QString& path, size_t keyBytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return invalid(QStringLiteral("Cannot read keyfile %1.").arg(path));
    SecureBuffer key(keyBytes);
    if (file.read(reinterpret_cast<char*>(key.data()), static_cast<qint64>(keyBytes)) !=
        static_cast<qint64>(keyBytes))
        return invalid(QStringLiteral("Cannot read %1 bytes from keyfile %2.").arg(keyBytes).arg(path));
    return key;
}

namespace {

Result<UnlockedVolume> unlockPlain(CryptContext& context, const VolumeOptions& options, const QString& name)
{
    auto activation = PlainVolume::activation(options.plain);
    if (!activation)
        return activation.status();
    const size_t keyBytes = options.plain.keyBits / 8;
    PlainOptions keyOptions = options.plain;
    KeySource source = options.key;
    const bool keyFile = !options.key.keyFile.isEmpty() && options.key.keyFile != u"-";
    if (keyFile) {
        // A real key file is the key itself: no hashing, exactly the key size.
        if (!context.batchMode() && options.hashGiven)
            context.console().printLine(QStringLiteral(
                "WARNING: The --hash parameter is being ignored in plain mode with keyfile specified."));
        keyOptions.hash.clear();
        if (!context.batchMode() && options.keyfileSizeGiven)
            context.console().printLine(
                QStringLiteral("WARNING: The --keyfile-size option is being ignored, the "
                               "read size is the same as the encryption key size."));
        source.keyfileSize = keyBytes;
    } else if (keyOptions.hash == u"plain" && !options.key.keyFile.isEmpty()) {
        source.keyfileSize = keyBytes;
    }
    auto passphrase =
        context.passphrases().read(source, QStringLiteral("Enter passphrase for %1: ").arg(options.image));
    if (!passphrase)
        return passphrase.status();
    auto key = PlainVolume::volumeKey(keyOptions, passphrase->bytes());
    if (!key)
        return key.status();
    UnlockedVolume result;
    result.request.name = name;
    result.request.dataDevice = options.image;
    result.request.volumeType = QStringLiteral("PLAIN");
    result.request.activation = *activation;
    if (options.plain.size)
        result.request.lengthSectors = options.plain.size;
    result.request.flags = options.flags;
    result.key = std::move(key.value());
    return result;
}

} // namespace

Result<UnlockedVolume> unlockVolume(CryptContext& context, const VolumeOptions& options, const QString& name)
{
    if (options.isPlain())
        return unlockPlain(context, options, name);
    auto volume = loadLuks(context, options.headerPath(), options.type, false);
    if (!volume)
        return volume.status();
    if (!options.testPassphrase) {
        if (Status checked = LuksActivation::check(**volume, !options.header.isEmpty()); !checked)
            return checked;
    }
    auto unlocked = unlockLuks(context, **volume, options.key, options.keySlot, {});
    if (!unlocked)
        return unlocked.status();
    UnlockedVolume result;
    result.request =
        LuksActivation::mappingRequest(**volume, name, options.image, options.flags, !options.disableKeyring);
    result.key = std::move(unlocked->volumeKey);
    return result;
}

} // namespace cryptstack::cli
