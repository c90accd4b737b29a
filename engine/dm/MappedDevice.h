// A named device-mapper device: a live table of segments, an optional inactive table loaded by
// reload, and suspend/resume. Every bio is cloned per segment it touches and mapped by that
// segment's target; the clones' completions gather back into the caller's bio.
#pragma once

#include "Table.h"
#include "block/BlockDevice.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

namespace cryptstack {

class MappedDevice final : public BlockDevice
{
public:
    struct Identity
    {
        QString name;
        QString uuid;
        std::optional<uint32_t> minor;
        bool readOnly = false;
    };

    MappedDevice(Identity identity, std::shared_ptr<Table> table);
    // Waits for in-flight bios and fails any still held by a suspend.
    ~MappedDevice() override;

    QString displayName() const override { return m_identity.name; }
    uint64_t sectors() const override { return m_sectors.load(std::memory_order_acquire); }
    bool isReadOnly() const override { return m_identity.readOnly; }
    uint32_t logicalBlockSize() const override { return m_logicalBlockSize.load(std::memory_order_acquire); }

    const Identity& identity() const { return m_identity; }
    std::shared_ptr<Table> activeTable() const;
    std::shared_ptr<Table> inactiveTable() const;
    // All lower device ranges of the live and the inactive table.
    QList<DeviceArea> lowerDevices() const;

    // reload: the table becomes live at the next resume.
    void loadInactiveTable(std::shared_ptr<Table> table);
    void clearInactiveTable();
    // Holds new bios, runs presuspend, waits until no bio is in flight, runs postsuspend.
    void suspend();
    // Swaps in the inactive table if there is one (suspending first when needed), runs preresume
    // (which may refuse, leaving the device suspended) and releases the held bios.
    Status resume();
    bool isSuspended() const;
    uint64_t inFlight() const;
    uint64_t heldCount() const;
    // Bios completed so far: the watchdog's measure of progress.
    uint64_t completed() const { return m_completed.load(std::memory_order_relaxed); }

    // dmsetup message: the target at this sector gets the words.
    Result<QString> message(uint64_t sector, const QStringList& words);

    // Completes every held bio with an I/O error (used when a suspended device is removed).
    void failHeldBios();

protected:
    void startRequest(Bio* bio) override;

private:
    struct MappedIo;
    struct CloneBio;
    static void cloneEndIo(Bio* bio);
    void dispatch(Bio* bio, std::shared_ptr<Table> table);
    void finish(MappedIo* io);
    void suspendLocked();

    const Identity m_identity;
    std::atomic<uint64_t> m_sectors;
    std::atomic<uint64_t> m_completed{0};
    std::atomic<uint32_t> m_logicalBlockSize;

    std::mutex m_controlMutex; // serialises suspend and resume; held while draining
    mutable std::mutex m_mutex;
    std::condition_variable m_drained;
    std::shared_ptr<Table> m_active;
    std::shared_ptr<Table> m_inactive;
    bool m_suspended = false;
    uint64_t m_inFlight = 0;
    std::vector<Bio*> m_held;
};

} // namespace cryptstack
