#include "DeviceRegistry.h"

#include "block/FileDevice.h"

#include <QDir>
#include <QFileInfo>

namespace cryptstack {

namespace {

const QString MapperPrefix = QStringLiteral("/dev/mapper/");

QString quoted(const QString& name)
{
    return u'"' + name + u'"';
}

Status checkName(const QString& name)
{
    if (name.isEmpty())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("device name is empty"));
    if (name.size() > 127)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("device name %1 is longer than 127 characters").arg(quoted(name)));
    if (name.contains(u'/') || name == u"." || name == u"..")
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("device name %1 is not allowed").arg(quoted(name)));
    for (QChar c : name) {
        if (c.isSpace() || !c.isPrint())
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("device name %1 contains whitespace or control characters").arg(quoted(name)));
    }
    return Status::ok();
}

} // namespace

DeviceRegistry::DeviceRegistry(TargetTypeRegistry types)
    : m_types(std::move(types)), m_now([] { return std::chrono::steady_clock::now(); }),
      m_watchdog(std::make_unique<StallWatchdog>(*this))
{}

DeviceRegistry::~DeviceRegistry()
{
    // Teardown always completes: nothing may stay blocked waiting inside a target.
    for (const QString& name : names()) {
        if (auto device = find(name)) {
            const std::shared_ptr<Table> table = device->activeTable(); // keeps the segments alive
            for (const Segment& segment : table->segments())
                segment.target->failWaits();
        }
    }
    removeAll();
    m_watchdog.reset();
}

void DeviceRegistry::setClock(std::function<std::chrono::steady_clock::time_point()> now)
{
    std::lock_guard lock(m_mutex);
    m_now = std::move(now);
}

Result<DeviceRef> DeviceRegistry::lookupDevice(const QString& word, bool readOnly,
                                               const QString& baseDirectory)
{
    const QString name = word.startsWith(MapperPrefix) ? word.mid(MapperPrefix.size()) : word;
    if (auto device = m_devices.value(name)) {
        if (!readOnly && device->isReadOnly())
            return Status(ErrorCode::PermissionDenied,
                          QStringLiteral("Device lookup failed: %1 is read-only").arg(quoted(word)));
        return DeviceRef{word, device};
    }
    const QString path = baseDirectory.isEmpty() ? word : QDir(baseDirectory).filePath(word);
    const QFileInfo info(path);
    if (!info.exists()) {
        return Status(
            ErrorCode::NoSuchDevice,
            QStringLiteral("Device lookup failed: no device or image file named %1").arg(quoted(word)));
    }
    const auto access = readOnly ? FileDevice::Access::ReadOnly : FileDevice::Access::ReadWrite;
    const QString key = info.canonicalFilePath() + (readOnly ? QStringLiteral(":ro") : QStringLiteral(":rw"));
    if (auto shared = m_images.value(key).lock())
        return DeviceRef{word, shared};
    auto opened = FileDevice::open(path, access);
    if (!opened)
        return opened.status().prefixed(QStringLiteral("Device lookup failed: "));
    m_images.insert(key, opened.value());
    return DeviceRef{word, opened.value()};
}

Result<std::shared_ptr<Table>> DeviceRegistry::buildTable(const QString& name, const QStringList& lines,
                                                          bool readOnly, const QString& baseDirectory)
{
    TargetContext context;
    context.mappedName = name;
    context.readOnly = readOnly;
    context.now = m_now;
    context.keyring = &m_keyRing;
    context.lookupDevice = [this, readOnly, baseDirectory](const QString& word) {
        return lookupDevice(word, readOnly, baseDirectory);
    };
    auto table = Table::build(lines, m_types, context);
    if (!table)
        return table.status().prefixed(QStringLiteral("device %1, ").arg(quoted(name)));
    return table;
}

Result<std::shared_ptr<MappedDevice>>
DeviceRegistry::create(const QString& name, const QStringList& tableLines, const CreateOptions& options)
{
    std::lock_guard lock(m_mutex);
    if (Status status = checkName(name); !status)
        return status;
    if (m_devices.contains(name))
        return Status(ErrorCode::Busy, QStringLiteral("device %1 already exists").arg(quoted(name)));
    if (!options.uuid.isEmpty()) {
        for (const auto& device : std::as_const(m_devices)) {
            if (device->identity().uuid == options.uuid)
                return Status(ErrorCode::Busy,
                              QStringLiteral("device %1: uuid %2 is already used by %3")
                                  .arg(quoted(name), options.uuid, quoted(device->displayName())));
        }
    }
    auto table = buildTable(name, tableLines, options.readOnly, options.baseDirectory);
    if (!table)
        return table.status();
    MappedDevice::Identity identity{name, options.uuid, options.minor, options.readOnly};
    auto device = std::make_shared<MappedDevice>(std::move(identity), std::move(table.value()));
    m_devices.insert(name, device);
    return device;
}

Status DeviceRegistry::reload(const QString& name, const QStringList& tableLines,
                              const QString& baseDirectory)
{
    std::lock_guard lock(m_mutex);
    auto device = get(name);
    if (!device)
        return device.status();
    auto table = buildTable(name, tableLines, (*device)->isReadOnly(), baseDirectory);
    if (!table)
        return table.status();
    // A table may not use the device itself or anything stacked on it.
    const auto& segments = (*table)->segments();
    for (size_t i = 0; i < segments.size(); ++i) {
        for (const DeviceArea& area : segments[i].target->devices()) {
            if (area.ref.device == *device || dependsOn(area.ref.device.get(), device->get())) {
                return Status(
                    ErrorCode::InvalidArgument,
                    QStringLiteral("device %1, table line %2: %3: %4 is stacked on %1: refusing a cycle")
                        .arg(quoted(name), QString::number(i + 1), segments[i].type, quoted(area.ref.word)));
            }
        }
    }
    (*device)->loadInactiveTable(std::move(table.value()));
    return Status::ok();
}

Status DeviceRegistry::suspend(const QString& name)
{
    auto found = get(name);
    if (!found)
        return found.status();
    const std::shared_ptr<MappedDevice> device = found.value();
    // Not under the registry lock: draining may wait for a lower device that someone else resumes.
    device->suspend();
    return Status::ok();
}

Status DeviceRegistry::resume(const QString& name)
{
    auto found = get(name);
    if (!found)
        return found.status();
    const std::shared_ptr<MappedDevice> device = found.value();
    return device->resume().prefixed(QStringLiteral("device %1: ").arg(quoted(name)));
}

Status DeviceRegistry::remove(const QString& name)
{
    std::shared_ptr<MappedDevice> device;
    {
        std::lock_guard lock(m_mutex);
        auto found = get(name);
        if (!found)
            return found.status();
        const QStringList users = holdersLocked(name);
        if (!users.isEmpty()) {
            QStringList quotedUsers;
            for (const QString& user : users)
                quotedUsers += quoted(user);
            return Status(ErrorCode::Busy, QStringLiteral("device %1 is busy: used by %2")
                                               .arg(quoted(name), quotedUsers.join(QStringLiteral(", "))));
        }
        device = found.value();
        m_devices.remove(name);
    }
    device->failHeldBios();
    return Status::ok();
}

void DeviceRegistry::removeAll()
{
    for (;;) {
        QString removable;
        {
            std::lock_guard lock(m_mutex);
            for (const QString& name : m_devices.keys()) {
                if (holdersLocked(name).isEmpty()) {
                    removable = name;
                    break;
                }
            }
        }
        if (removable.isEmpty() || !remove(removable))
            return;
    }
}

Result<QString> DeviceRegistry::message(const QString& name, uint64_t sector, const QStringList& words)
{
    auto found = get(name);
    if (!found)
        return found.status();
    const std::shared_ptr<MappedDevice> device = found.value();
    auto reply = device->message(sector, words);
    if (!reply)
        return reply.status().prefixed(QStringLiteral("device %1: ").arg(quoted(name)));
    return reply;
}

Status DeviceRegistry::setEngineOption(const QString& name, const QString& option, const QString& value)
{
    auto found = get(name);
    if (!found)
        return found.status();
    const std::shared_ptr<MappedDevice> device = found.value();
    Status result(ErrorCode::NotSupported,
                  QStringLiteral("device %1 has no target with a setting \"%2\"").arg(quoted(name), option));
    const std::shared_ptr<Table> table = device->activeTable(); // keeps the segments alive
    for (const Segment& segment : table->segments()) {
        Status status = segment.target->setEngineOption(option, value);
        if (status.code() == ErrorCode::NotSupported)
            continue;
        if (!status)
            return status.prefixed(QStringLiteral("device %1: ").arg(quoted(name)));
        result = Status::ok();
    }
    return result;
}

std::shared_ptr<MappedDevice> DeviceRegistry::find(const QString& name) const
{
    std::lock_guard lock(m_mutex);
    return m_devices.value(name.startsWith(MapperPrefix) ? name.mid(MapperPrefix.size()) : name);
}

Result<std::shared_ptr<MappedDevice>> DeviceRegistry::get(const QString& name) const
{
    if (auto device = find(name))
        return device;
    return Status(ErrorCode::NoSuchDevice, QStringLiteral("device %1 does not exist").arg(quoted(name)));
}

QStringList DeviceRegistry::names() const
{
    std::lock_guard lock(m_mutex);
    return m_devices.keys();
}

QStringList DeviceRegistry::holders(const QString& name) const
{
    std::lock_guard lock(m_mutex);
    return holdersLocked(name);
}

QStringList DeviceRegistry::holdersLocked(const QString& name) const
{
    const auto device = m_devices.value(name);
    QStringList users;
    if (!device)
        return users;
    for (auto it = m_devices.cbegin(); it != m_devices.cend(); ++it) {
        if (it.value() == device)
            continue;
        for (const DeviceArea& area : it.value()->lowerDevices()) {
            if (area.ref.device == device) {
                users += it.key();
                break;
            }
        }
    }
    return users;
}

bool DeviceRegistry::dependsOn(const BlockDevice* device, const BlockDevice* target) const
{
    const auto* mapped = dynamic_cast<const MappedDevice*>(device);
    if (!mapped)
        return false;
    for (const DeviceArea& area : mapped->lowerDevices()) {
        if (area.ref.device.get() == target || dependsOn(area.ref.device.get(), target))
            return true;
    }
    return false;
}

QString DeviceRegistry::suspendedInStack(const QString& name) const
{
    std::lock_guard lock(m_mutex);
    std::function<QString(const MappedDevice*)> walk = [&walk](const MappedDevice* device) -> QString {
        if (device->isSuspended())
            return device->displayName();
        for (const DeviceArea& area : device->activeTable()->devices()) {
            if (const auto* lower = dynamic_cast<const MappedDevice*>(area.ref.device.get())) {
                if (QString found = walk(lower); !found.isEmpty())
                    return found;
            }
        }
        return {};
    };
    const auto device = m_devices.value(name);
    return device ? walk(device.get()) : QString();
}

} // namespace cryptstack
