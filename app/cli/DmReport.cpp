#include "DmReport.h"

#include <QSet>

namespace cryptstack::cli {

namespace {

const QString NoDevices = QStringLiteral("No devices found\n");

// Each distinct lower device once, in table order, named as the table names it.
QList<DeviceRef> distinctLower(const MappedDevice& device)
{
    QList<DeviceRef> refs;
    QSet<const BlockDevice*> seen;
    for (const DeviceArea& area : device.activeTable()->devices()) {
        if (!seen.contains(area.ref.device.get())) {
            seen.insert(area.ref.device.get());
            refs += area.ref;
        }
    }
    return refs;
}

template <typename PerDevice>
Result<QString> forOneOrAll(const DeviceRegistry& registry, const QString& name, PerDevice perDevice)
{
    if (!name.isEmpty()) {
        auto device = registry.get(name);
        if (!device)
            return device.status();
        return perDevice(**device, QString());
    }
    const QStringList names = registry.names();
    if (names.isEmpty())
        return NoDevices;
    QString text;
    for (const QString& each : names) {
        if (auto device = registry.find(each))
            text += perDevice(*device, each + QStringLiteral(": "));
    }
    return text;
}

} // namespace

Result<QString> tableReport(const DeviceRegistry& registry, const QString& name, StatusType type,
                            bool showKeys)
{
    return forOneOrAll(registry, name, [&](const MappedDevice& device, const QString& prefix) -> QString {
        QString text;
        for (const QString& line : device.activeTable()->lines(type, showKeys))
            text += prefix + line + u'\n';
        return text;
    });
}

Result<QString> infoReport(const DeviceRegistry& registry, const QString& name)
{
    bool first = true;
    return forOneOrAll(registry, name, [&](const MappedDevice& device, const QString&) -> QString {
        const MappedDevice::Identity& id = device.identity();
        QString text = first ? QString() : QStringLiteral("\n");
        first = false;
        auto field = [&text](const char* label, const QString& value) {
            text += QStringLiteral("%1%2\n").arg(QLatin1String(label), -19).arg(value);
        };
        field("Name:", id.name);
        field("State:", (device.isSuspended() ? QStringLiteral("SUSPENDED") : QStringLiteral("ACTIVE")) +
                            (id.readOnly ? QStringLiteral(" (READ-ONLY)") : QString()));
        field("Tables present:",
              device.inactiveTable() ? QStringLiteral("LIVE & INACTIVE") : QStringLiteral("LIVE"));
        field("Open count:", QString::number(registry.holders(id.name).size()));
        if (id.minor)
            field("Minor:", QString::number(*id.minor));
        field("Number of targets:", QString::number(device.activeTable()->segments().size()));
        field("Size:", QStringLiteral("%1 sectors").arg(device.sectors()));
        if (!id.uuid.isEmpty())
            field("UUID:", id.uuid);
        return text;
    });
}

Result<QString> depsReport(const DeviceRegistry& registry, const QString& name)
{
    return forOneOrAll(registry, name, [](const MappedDevice& device, const QString& prefix) -> QString {
        const QList<DeviceRef> lower = distinctLower(device);
        QString text = prefix.trimmed() + QStringLiteral(" %1 dependencies\t:").arg(lower.size());
        for (const DeviceRef& ref : lower)
            text += QStringLiteral(" (%1)").arg(ref.word);
        return text + u'\n';
    });
}

QString lsReport(const DeviceRegistry& registry, bool tree)
{
    const QStringList names = registry.names();
    if (names.isEmpty())
        return NoDevices;
    QString text;
    if (!tree) {
        for (const QString& name : names)
            text += name + u'\n';
        return text;
    }
    // Roots are the devices nothing stacks on; below each, what its live table uses.
    std::function<void(const DeviceRef&, const QString&, bool, bool)> draw = [&](const DeviceRef& ref,
                                                                                 const QString& indent,
                                                                                 bool root, bool last) {
        const auto* mapped = dynamic_cast<const MappedDevice*>(ref.device.get());
        text += root ? ref.word : indent + (last ? QStringLiteral("└─") : QStringLiteral("├─")) + ref.word;
        text += u'\n';
        if (!mapped)
            return;
        const QString childIndent =
            root ? QStringLiteral(" ") : indent + (last ? QStringLiteral("   ") : QStringLiteral("│  "));
        const QList<DeviceRef> lower = distinctLower(*mapped);
        for (qsizetype i = 0; i < lower.size(); ++i)
            draw(lower.at(i), childIndent, false, i == lower.size() - 1);
    };
    for (const QString& name : names) {
        if (registry.holders(name).isEmpty()) {
            if (auto device = registry.find(name))
                draw(DeviceRef{name, device}, QString(), true, true);
        }
    }
    return text;
}

} // namespace cryptstack::cli
