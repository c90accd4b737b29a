#include "ConciseFormat.h"

#include "DeviceRegistry.h"
#include "core/Parse.h"

#include <QFile>
#include <QFileInfo>

namespace cryptstack {

namespace {

Status invalid(const QString& message)
{
    return Status(ErrorCode::InvalidArgument, message);
}

// Splits one device specification (already separated from the others) into its fields.
Result<QStringList> splitFields(const QString& spec, const QString& where)
{
    QStringList fields;
    QString current;
    for (qsizetype i = 0; i < spec.size(); ++i) {
        const QChar c = spec.at(i);
        if (c == u'\\') {
            if (i + 1 == spec.size())
                return invalid(where + QStringLiteral("backslash at the end with nothing to escape"));
            current += spec.at(++i);
        } else if (c == u',') {
            fields += current;
            current.clear();
        } else {
            current += c;
        }
    }
    fields += current;
    return fields;
}

// Splits on unescaped semicolons, keeping escapes for splitFields.
QStringList splitDevices(const QString& text)
{
    QStringList specs;
    QString current;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'\\' && i + 1 < text.size()) {
            current += c;
            current += text.at(++i);
        } else if (c == u';') {
            specs += current;
            current.clear();
        } else {
            current += c;
        }
    }
    specs += current;
    return specs;
}

Status parseInto(const QString& text, const QString& origin, QList<ConciseDevice>* devices)
{
    const QStringList specs = splitDevices(text);
    for (qsizetype i = 0; i < specs.size(); ++i) {
        if (specs.at(i).trimmed().isEmpty() && specs.size() > 1 && i == specs.size() - 1)
            continue; // a trailing ';' is harmless
        const QString where = origin + QStringLiteral("device %1: ").arg(devices->size() + 1);
        auto fields = splitFields(specs.at(i), where);
        if (!fields)
            return fields.status();
        if (fields->size() < 5)
            return invalid(where +
                           QStringLiteral("expected \"name,uuid,minor,flags,table[,table]...\" but found "
                                          "%1 field(s)")
                               .arg(fields->size()));
        ConciseDevice device;
        device.name = fields->at(0).trimmed();
        if (device.name.isEmpty())
            return invalid(where + QStringLiteral("device name is empty"));
        const QString named = origin + QStringLiteral("device \"%1\": ").arg(device.name);
        device.uuid = fields->at(1).trimmed();
        const QString minor = fields->at(2).trimmed();
        if (!minor.isEmpty()) {
            const auto value = parseU32(minor);
            if (!value || *value >= (1u << 20))
                return invalid(named + QStringLiteral("invalid minor number \"%1\"").arg(minor));
            device.minor = *value;
        }
        const QString flags = fields->at(3).trimmed();
        if (flags == u"ro")
            device.readOnly = true;
        else if (!flags.isEmpty() && flags != u"rw")
            return invalid(named + QStringLiteral("invalid flags \"%1\" (expected ro or rw)").arg(flags));
        for (qsizetype f = 4; f < fields->size(); ++f) {
            const QString line = fields->at(f).trimmed();
            if (line.isEmpty())
                return invalid(named + QStringLiteral("table line %1 is empty").arg(f - 3));
            device.tableLines += line;
        }
        for (const ConciseDevice& earlier : std::as_const(*devices)) {
            if (earlier.name == device.name)
                return invalid(named + QStringLiteral("defined more than once"));
            if (!device.uuid.isEmpty() && earlier.uuid == device.uuid)
                return invalid(
                    named +
                    QStringLiteral("uuid \"%1\" is already used by \"%2\"").arg(device.uuid, earlier.name));
        }
        devices->append(device);
    }
    return Status::ok();
}

QString escapeConcise(const QString& text)
{
    QString escaped;
    for (QChar c : text) {
        if (c == u',' || c == u';' || c == u'\\')
            escaped += u'\\';
        escaped += c;
    }
    return escaped;
}

} // namespace

Result<ConciseStack> parseConcise(const QString& text)
{
    if (text.trimmed().isEmpty())
        return invalid(QStringLiteral("concise device specification is empty"));
    ConciseStack stack;
    if (Status status = parseInto(text, QStringLiteral("concise "), &stack.devices); !status)
        return status;
    return stack;
}

Result<ConciseStack> parseConciseFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Status(ErrorCode::NoSuchDevice,
                      QStringLiteral("cannot read concise file \"%1\": %2").arg(path, file.errorString()));
    ConciseStack stack;
    stack.baseDirectory = QFileInfo(path).absolutePath();
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QString origin = QStringLiteral("%1:%2: ").arg(path).arg(i + 1);
        if (Status status = parseInto(line, origin, &stack.devices); !status)
            return status;
    }
    if (stack.devices.isEmpty())
        return invalid(QStringLiteral("%1: no device defined").arg(path));
    return stack;
}

QString formatConcise(const QList<ConciseDevice>& devices)
{
    QStringList specs;
    for (const ConciseDevice& device : devices) {
        QStringList fields{escapeConcise(device.name), escapeConcise(device.uuid),
                           device.minor ? QString::number(*device.minor) : QString(),
                           device.readOnly ? QStringLiteral("ro") : QStringLiteral("rw")};
        for (const QString& line : device.tableLines)
            fields += escapeConcise(line);
        specs += fields.join(u',');
    }
    return specs.join(u';');
}

Status createConciseStack(DeviceRegistry& registry, const ConciseStack& stack)
{
    QStringList created;
    for (const ConciseDevice& device : stack.devices) {
        DeviceRegistry::CreateOptions options;
        options.uuid = device.uuid;
        options.minor = device.minor;
        options.readOnly = device.readOnly;
        options.baseDirectory = stack.baseDirectory;
        auto result = registry.create(device.name, device.tableLines, options);
        if (!result) {
            for (auto it = created.crbegin(); it != created.crend(); ++it)
                (void)registry.remove(*it);
            return result.status();
        }
        created += device.name;
    }
    return Status::ok();
}

} // namespace cryptstack
