// cryptstack status IMAGE [NAME] [open options] [--json], or status NAME with --concise /
// --concise-file: cryptsetup's `status` layout for a mapping, followed by what the device holds
// (ContentProbe). With IMAGE the volume is opened read-only for this command only, as `read` does,
// and mapped as NAME (default: the image's file name without its extension).
//
// The layout is cryptsetup 2.6.1's action_status (src/cryptsetup.c): "<dir>/<name> is active.",
// then type, cipher, keysize, key location, device, sector size, offset, size, skipped (when the
// IV offset is not zero), mode and flags. Every field is read back from the device's live crypt
// segment, as cryptsetup reads the active table; the key word there is masked, never printed. A
// device that is not a single crypt segment gets "type: n/a" (where cryptsetup stops) and its
// table lines. There is no loop device, so the "loop:" line never appears: "device:" is the image.
#include "CommandTable.h"
#include "VolumeData.h"
#include "probe/ContentProbe.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace cryptstack::cli {

namespace {

// The fields cryptsetup prints for an active crypt mapping, from its table line.
struct CryptFields
{
    QString cipher;
    unsigned keyBits = 0;
    bool keyring = false;
    QString device;
    unsigned sectorSize = 512;
    uint64_t offset = 0;
    uint64_t ivOffset = 0;
    QStringList flags; // cryptsetup's names: discards same_cpu_crypt …
};

// "<cipher> <key> <iv_offset> <device> <offset> [<#opts> <opts>…]", as the crypt target prints its
// table with keys masked.
std::optional<CryptFields> cryptFields(const Segment& segment)
{
    if (segment.type != u"crypt")
        return std::nullopt;
    const QStringList words =
        segment.target->status(StatusType::Table, false).split(u' ', Qt::SkipEmptyParts);
    if (words.size() < 5)
        return std::nullopt;
    CryptFields fields;
    fields.cipher = words.at(0);
    const QString& key = words.at(1);
    if (key.startsWith(u':')) { // ":<size>:<type>:<description>"
        fields.keyring = true;
        fields.keyBits = key.section(u':', 1, 1).toUInt() * 8;
    } else if (key != u"-") {
        fields.keyBits = static_cast<unsigned>(key.size()) * 4;
    }
    fields.ivOffset = words.at(2).toULongLong();
    fields.device = words.at(3);
    fields.offset = words.at(4).toULongLong();
    static const QList<std::pair<QString, QString>> flagNames = {
        {QStringLiteral("allow_discards"), QStringLiteral("discards")},
        {QStringLiteral("same_cpu_crypt"), QStringLiteral("same_cpu_crypt")},
        {QStringLiteral("submit_from_crypt_cpus"), QStringLiteral("submit_from_crypt_cpus")},
        {QStringLiteral("no_read_workqueue"), QStringLiteral("no_read_workqueue")},
        {QStringLiteral("no_write_workqueue"), QStringLiteral("no_write_workqueue")},
    };
    const QStringList options = words.mid(6);
    for (const auto& [option, flag] : flagNames) {
        if (options.contains(option))
            fields.flags << flag;
    }
    for (const QString& option : options) {
        if (option.startsWith(QStringLiteral("sector_size:")))
            fields.sectorSize = option.section(u':', 1).toUInt();
    }
    return fields;
}

// cryptsetup takes the type from the dm UUID "CRYPT-<TYPE>-…" (LUKS1, LUKS2, PLAIN).
QString volumeType(const MappedDevice& device)
{
    const QString& uuid = device.identity().uuid;
    if (!uuid.startsWith(QStringLiteral("CRYPT-")))
        return QStringLiteral("n/a");
    return uuid.section(u'-', 1, 1);
}

QString textReport(const MappedDevice& device, const Table& table, const std::optional<CryptFields>& crypt,
                   const ContentDescription& content)
{
    QStringList lines;
    lines << QStringLiteral("/dev/mapper/%1 is active.").arg(device.displayName());
    lines << QStringLiteral("  type:    %1").arg(volumeType(device));
    if (crypt) {
        lines << QStringLiteral("  cipher:  %1").arg(crypt->cipher);
        lines << QStringLiteral("  keysize: %1 bits").arg(crypt->keyBits);
        lines << QStringLiteral("  key location: %1")
                     .arg(crypt->keyring ? QStringLiteral("keyring") : QStringLiteral("dm-crypt"));
        lines << QStringLiteral("  device:  %1").arg(crypt->device);
        lines << QStringLiteral("  sector size:  %1").arg(crypt->sectorSize);
        lines << QStringLiteral("  offset:  %1 sectors").arg(crypt->offset);
        lines << QStringLiteral("  size:    %1 sectors").arg(device.sectors());
        if (crypt->ivOffset)
            lines << QStringLiteral("  skipped: %1 sectors").arg(crypt->ivOffset);
        lines << QStringLiteral("  mode:    %1%2")
                     .arg(device.isReadOnly() ? QStringLiteral("readonly") : QStringLiteral("read/write"),
                          device.isSuspended() ? QStringLiteral(" (suspended)") : QString());
        if (!crypt->flags.isEmpty())
            lines << QStringLiteral("  flags:   %1").arg(crypt->flags.join(u' '));
    } else {
        lines << QStringLiteral("  size:    %1 sectors").arg(device.sectors());
        lines << QStringLiteral("  mode:    %1")
                     .arg(device.isReadOnly() ? QStringLiteral("readonly") : QStringLiteral("read/write"));
        lines << QStringLiteral("  targets:");
        for (const QString& line : table.lines(StatusType::Table, false))
            lines << QStringLiteral("    ") + line;
    }
    lines << QStringLiteral("  content: %1").arg(content.summary());
    for (const QString& partition : content.partitionLines())
        lines << QStringLiteral("    ") + partition;
    return lines.join(u'\n') + u'\n';
}

QJsonObject jsonReport(const MappedDevice& device, const Table& table,
                       const std::optional<CryptFields>& crypt, const ContentDescription& content)
{
    QJsonObject json{
        {QStringLiteral("device"), QString(QStringLiteral("/dev/mapper/") + device.displayName())},
        {QStringLiteral("type"), volumeType(device)},
        {QStringLiteral("size"), static_cast<qint64>(device.sectors())},
        {QStringLiteral("mode"),
         device.isReadOnly() ? QStringLiteral("readonly") : QStringLiteral("read/write")},
        {QStringLiteral("suspended"), device.isSuspended()},
        {QStringLiteral("content"), content.toJson()},
    };
    if (crypt) {
        json.insert(QStringLiteral("cipher"), crypt->cipher);
        json.insert(QStringLiteral("keysize"), static_cast<int>(crypt->keyBits));
        json.insert(QStringLiteral("key_location"),
                    crypt->keyring ? QStringLiteral("keyring") : QStringLiteral("dm-crypt"));
        json.insert(QStringLiteral("backing_device"), crypt->device);
        json.insert(QStringLiteral("sector_size"), static_cast<int>(crypt->sectorSize));
        json.insert(QStringLiteral("offset"), static_cast<qint64>(crypt->offset));
        json.insert(QStringLiteral("skipped"), static_cast<qint64>(crypt->ivOffset));
        json.insert(QStringLiteral("flags"), QJsonArray::fromStringList(crypt->flags));
    } else {
        // Table lines with keys masked, as dmsetup table prints them without --showkeys.
        json.insert(QStringLiteral("targets"),
                    QJsonArray::fromStringList(table.lines(StatusType::Table, false)));
    }
    return json;
}

class StatusCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("status"); }
    QString synopsis() const override { return QStringLiteral("IMAGE [NAME] | NAME"); }
    QString summary() const override
    {
        return QStringLiteral("show a mapping as cryptsetup status does, and what the device holds");
    }
    QList<OptionSpec> options() const override
    {
        QList<OptionSpec> all = VolumeOptionSpecs::open(QStringLiteral("plain-offset"));
        all += {QStringLiteral("json"), {}, {}, QStringLiteral("print one JSON object")};
        all += {QStringLiteral("verbose"), u'v', {}, QStringLiteral("print more messages")};
        return all;
    }
    int run(CliContext& context, const ArgParser& arguments) override
    {
        CryptContext crypt(context, arguments);
        const Status status = execute(crypt, arguments);
        if (status)
            return 0;
        if (!status.message().isEmpty())
            context.console().error(status.message());
        return exitCodeFor(status.code());
    }

private:
    static bool stackGiven(const ArgParser& arguments)
    {
        return arguments.isSet(QStringLiteral("concise")) || arguments.isSet(QStringLiteral("concise-file"));
    }

    Status usage() const
    {
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("status: expected IMAGE [NAME], or NAME with --concise/--concise-file "
                                     "(usage: cryptstack status %1)")
                          .arg(synopsis()));
    }

    Status execute(CryptContext& context, const ArgParser& arguments)
    {
        const QStringList& positionals = arguments.positionals();
        if (stackGiven(arguments)) {
            if (positionals.size() != 1)
                return usage();
            auto device = context.registry().get(positionals.first());
            if (!device)
                return device.status();
            return report(context, **device);
        }
        if (positionals.isEmpty() || positionals.size() > 2)
            return usage();
        auto options = parseVolumeOptions(arguments, positionals.first(), QStringLiteral("plain-offset"));
        if (!options)
            return options.status();
        if (options->testPassphrase)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("status: --test-passphrase is for 'cryptstack open'"));
        // status only looks: the mapping is read-only whatever the options say.
        options->flags.readOnly = true;
        QString mappingName = positionals.value(1, QFileInfo(positionals.first()).completeBaseName());
        if (mappingName.isEmpty())
            mappingName = QStringLiteral("cryptstack-status");
        auto device = openMapped(context, *options, mappingName);
        if (!device)
            return device.status();
        Status status = report(context, **device);
        (void)VolumeMapper(context.registry()).close(mappingName);
        return status;
    }

    Status report(CryptContext& context, MappedDevice& device)
    {
        if (!context.registry().suspendedInStack(device.displayName()).isEmpty())
            return Status(
                ErrorCode::Busy,
                QStringLiteral("status: device %1 cannot be read while %2 is suspended")
                    .arg(device.displayName(), context.registry().suspendedInStack(device.displayName())));
        auto content = ContentProbe::probe(device);
        if (!content)
            return content.status();
        const std::shared_ptr<Table> table = device.activeTable();
        std::optional<CryptFields> crypt;
        if (table->segments().size() == 1)
            crypt = cryptFields(table->segments().front());
        if (context.arguments().isSet(QStringLiteral("json")))
            context.console().print(QString::fromUtf8(
                QJsonDocument(jsonReport(device, *table, crypt, *content)).toJson(QJsonDocument::Indented)));
        else
            context.console().print(textReport(device, *table, crypt, *content));
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeStatusCommand()
{
    return std::make_unique<StatusCommand>();
}

} // namespace cryptstack::cli
