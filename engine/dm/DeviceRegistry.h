// The engine's device-mapper: named devices built from tables, stacked over image files and over
// each other. All control operations (create, reload, suspend, resume, remove, message) go through
// here and are serialised; the data path goes straight to the devices.
#pragma once

#include "MappedDevice.h"
#include "StallWatchdog.h"
#include "TargetTypeRegistry.h"
#include "crypt/KeyRing.h"

#include <QHash>
#include <QMap>

#include <memory>
#include <mutex>

namespace cryptstack {

class FileDevice;

// How a device is created besides its table (dmsetup create's options).
struct DeviceCreateOptions
{
    QString uuid;
    std::optional<uint32_t> minor;
    bool readOnly = false;
    // Relative image paths in the table are relative to this directory (empty: the working
    // directory).
    QString baseDirectory;
};

class DeviceRegistry
{
public:
    using CreateOptions = DeviceCreateOptions;

    explicit DeviceRegistry(TargetTypeRegistry types = TargetTypeRegistry::withBuiltinTargets());
    ~DeviceRegistry();
    DeviceRegistry(const DeviceRegistry&) = delete;
    DeviceRegistry& operator=(const DeviceRegistry&) = delete;

    Result<std::shared_ptr<MappedDevice>> create(const QString& name, const QStringList& tableLines,
                                                 const CreateOptions& options = {});
    Status reload(const QString& name, const QStringList& tableLines, const QString& baseDirectory = {});
    Status suspend(const QString& name);
    Status resume(const QString& name);
    // Refused while another device's table uses it; a suspended device's held bios fail.
    Status remove(const QString& name);
    // Removes every device, top of the stacks first.
    void removeAll();
    Result<QString> message(const QString& name, uint64_t sector, const QStringList& words);

    std::shared_ptr<MappedDevice> find(const QString& name) const;
    Result<std::shared_ptr<MappedDevice>> get(const QString& name) const;
    // Sorted by name, as dmsetup lists them.
    QStringList names() const;
    // Names of the devices whose live or inactive table uses this one.
    QStringList holders(const QString& name) const;
    // The mapped devices this one stacks on, and whether any device in its stack (itself
    // included) is suspended — I/O to it would wait until that device resumes.
    QString suspendedInStack(const QString& name) const;

    const TargetTypeRegistry& targetTypes() const { return m_types; }
    // The keyring that ":<size>:<type>:<description>" table keys are looked up in.
    KeyRing& keyRing() { return m_keyRing; }
    // Notices stalls and breaks deadlocks (see StallWatchdog).
    StallWatchdog& watchdog() { return *m_watchdog; }
    // Applies an engine setting (e.g. "async" "on") to every segment of the device's live table
    // whose target has it; fails if none has.
    Status setEngineOption(const QString& name, const QString& option, const QString& value);
    // Time source for time-based targets (flakey); tests may replace it before creating devices.
    void setClock(std::function<std::chrono::steady_clock::time_point()> now);

private:
    Result<std::shared_ptr<Table>> buildTable(const QString& name, const QStringList& lines, bool readOnly,
                                              const QString& baseDirectory);
    Result<DeviceRef> lookupDevice(const QString& word, bool readOnly, const QString& baseDirectory);
    bool dependsOn(const BlockDevice* device, const BlockDevice* target) const;
    QStringList holdersLocked(const QString& name) const;

    TargetTypeRegistry m_types;
    KeyRing m_keyRing;
    std::function<std::chrono::steady_clock::time_point()> m_now;
    mutable std::recursive_mutex m_mutex;
    QMap<QString, std::shared_ptr<MappedDevice>> m_devices;
    // Image files shared by every table that names them, per access mode.
    QHash<QString, std::weak_ptr<FileDevice>> m_images;
    std::unique_ptr<StallWatchdog> m_watchdog; // last: its thread reads the devices above
};

} // namespace cryptstack
