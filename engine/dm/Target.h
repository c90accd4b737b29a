// A device-mapper target, with the kernel's lifecycle: constructed from the words of one table
// line (refusing bad ones with the kernel's error text), map() for every bio, status in INFO and
// TABLE form, messages, and the suspend/resume hooks. Destruction of a half-built target is safe.
#pragma once

#include "block/BlockDevice.h"
#include "core/Result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>

namespace cryptstack {

class KeyRing;

enum class StatusType { Info, Table };

// A lower device as a table names it: the word exactly as given (printed back by status) and the
// device it resolved to.
struct DeviceRef
{
    QString word;
    std::shared_ptr<BlockDevice> device;
};

// A range of a lower device that a target uses (the kernel's iterate_devices callback), checked
// against the device's size when the table is built.
struct DeviceArea
{
    DeviceRef ref;
    uint64_t start = 0;
    uint64_t length = 0;
};

// What a target constructor gets besides its words: where it sits in the table, the table's mode,
// and how to resolve a device word (dm_get_device).
struct TargetContext
{
    QString mappedName;  // the device this table belongs to, for thread names and messages
    uint64_t begin = 0;  // ti->begin, 512-byte sectors
    uint64_t length = 0; // ti->len
    bool readOnly = false;
    std::function<Result<DeviceRef>(const QString& word)> lookupDevice;
    std::function<std::chrono::steady_clock::time_point()> now = [] {
        return std::chrono::steady_clock::now();
    };
    KeyRing* keyring = nullptr; // resolves ":<size>:<type>:<description>" keys
};

class Target
{
public:
    virtual ~Target();

    // Called for every bio inside this target's range. The bio's sector is relative to the
    // target's begin (dm_target_offset). The target either remaps it and submits it to a lower
    // device, or completes it itself. Must never block waiting for I/O.
    virtual void map(Bio* bio) = 0;

    // Called when a bio this target mapped completes, before the completion travels up (the
    // kernel's end_io hook); may change the status or the data of a read.
    virtual void endIo(Bio* bio) { (void)bio; }

    // The parameters after "<start> <length> <type>" for the TABLE form, or the INFO fields.
    virtual QString status(StatusType type, bool showKeys) const = 0;

    // dmsetup message; the result text (possibly empty) is printed by the caller.
    virtual Result<QString> message(const QStringList& words);

    // An engine setting of this target, not part of its table (e.g. the crypt target's async
    // cipher mode). NotSupported when the target has no such setting.
    virtual Status setEngineOption(const QString& option, const QString& value);

    // For the stall watchdog: what this target's threads wait for now, and failing those waits so
    // that a deadlock breaks and teardown can complete.
    virtual QStringList waits() const { return {}; }
    virtual void failWaits() {}

    virtual void presuspend() {}
    virtual void postsuspend() {}
    virtual Status preresume() { return Status::ok(); }
    virtual void resume() {}

    // The smallest I/O unit the target accepts (the crypt target's sector_size).
    virtual uint32_t logicalBlockSize() const { return SectorSize; }

    // Every lower device range this target uses, for size checks, deps and the stack tree.
    virtual QList<DeviceArea> devices() const { return {}; }
};

// The constructor of one target type: words after "<start> <length> <type>". Returns the target
// or the kernel's ti->error text.
using TargetConstructor =
    std::function<Result<std::unique_ptr<Target>>(const TargetContext& context, const QStringList& words)>;

} // namespace cryptstack
