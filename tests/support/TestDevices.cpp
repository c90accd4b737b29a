#include "TestDevices.h"

namespace cryptstack::test {

std::shared_ptr<MappedDevice> createDevice(DeviceRegistry& registry, const QString& directory,
                                           const QStringList& table, const QString& name)
{
    DeviceCreateOptions options;
    options.baseDirectory = directory;
    auto device = registry.create(name, table, options);
    if (!device)
        qWarning("create failed: %s", qPrintable(device.message()));
    return device ? device.value() : nullptr;
}

} // namespace cryptstack::test
