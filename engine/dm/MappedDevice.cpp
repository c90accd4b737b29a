#include "MappedDevice.h"

#include <algorithm>

namespace cryptstack {

struct MappedDevice::MappedIo
{
    MappedIo(MappedDevice* d, std::shared_ptr<Table> t, Bio* parent)
        : device(d), table(std::move(t)), group(parent)
    {}
    MappedDevice* device;
    std::shared_ptr<Table> table; // keeps the targets alive until the last clone completes
    BioCompletionGroup group;
};

struct MappedDevice::CloneBio : Bio
{
    MappedIo* io = nullptr;
    Target* target = nullptr;
    uint64_t deviceSector = 0; // where this clone starts on the mapped device
    uint64_t mappedSector = 0; // its target-relative sector, to translate an error sector back
};

MappedDevice::MappedDevice(Identity identity, std::shared_ptr<Table> table)
    : m_identity(std::move(identity)), m_sectors(table->sectors()),
      m_logicalBlockSize(table->logicalBlockSize()), m_active(std::move(table))
{}

MappedDevice::~MappedDevice()
{
    failHeldBios();
    std::unique_lock lock(m_mutex);
    m_drained.wait(lock, [this] { return m_inFlight == 0; });
}

std::shared_ptr<Table> MappedDevice::activeTable() const
{
    std::lock_guard lock(m_mutex);
    return m_active;
}

std::shared_ptr<Table> MappedDevice::inactiveTable() const
{
    std::lock_guard lock(m_mutex);
    return m_inactive;
}

QList<DeviceArea> MappedDevice::lowerDevices() const
{
    std::lock_guard lock(m_mutex);
    QList<DeviceArea> areas = m_active->devices();
    if (m_inactive)
        areas += m_inactive->devices();
    return areas;
}

void MappedDevice::startRequest(Bio* bio)
{
    std::shared_ptr<Table> table;
    {
        std::lock_guard lock(m_mutex);
        if (m_suspended) {
            m_held.push_back(bio);
            return;
        }
        table = m_active;
        ++m_inFlight;
    }
    dispatch(bio, std::move(table));
}

void MappedDevice::dispatch(Bio* bio, std::shared_ptr<Table> table)
{
    const uint64_t deviceSectors = table->sectors();
    auto* io = new MappedIo(this, std::move(table), bio);
    const Table& live = *io->table;
    if (bio->op != BioOp::Flush &&
        (bio->sector > deviceSectors || bio->sectors() > deviceSectors - bio->sector)) {
        io->group.pieceDone(BioStatus::OutOfRange, bio->sector);
        finish(io);
        return;
    }
    if (m_identity.readOnly && (bio->op == BioOp::Write || bio->op == BioOp::Discard)) {
        io->group.pieceDone(BioStatus::ReadOnly, bio->sector);
        finish(io);
        return;
    }

    auto mapPiece = [io](const Segment& segment, uint64_t sector, std::byte* data, uint64_t bytes) {
        auto* clone = new CloneBio;
        clone->op = io->group.parent()->op;
        clone->flags = io->group.parent()->flags;
        clone->sector = sector - segment.begin;
        clone->data = data;
        clone->size = bytes;
        clone->endIo = &MappedDevice::cloneEndIo;
        clone->io = io;
        clone->target = segment.target.get();
        clone->deviceSector = sector;
        clone->mappedSector = clone->sector;
        io->group.addPiece();
        segment.target->map(clone);
    };

    if (bio->op == BioOp::Flush) {
        // An empty flush goes to every target (num_flush_bios).
        for (const Segment& segment : live.segments())
            mapPiece(segment, segment.begin, nullptr, 0);
    } else {
        uint64_t sector = bio->sector;
        uint64_t left = bio->sectors();
        std::byte* data = bio->data;
        size_t index = left ? live.segmentIndexFor(sector) : 0;
        while (left > 0) {
            const Segment& segment = live.segments()[index++];
            const uint64_t count = std::min(left, segment.begin + segment.length - sector);
            mapPiece(segment, sector, data, count << SectorShift);
            sector += count;
            left -= count;
            if (data)
                data += count << SectorShift;
        }
    }
    // Drop the splitter's own reference: the parent completes with its last piece.
    if (io->group.pieceDone(BioStatus::Ok, 0))
        finish(io);
}

void MappedDevice::cloneEndIo(Bio* bio)
{
    auto* clone = static_cast<CloneBio*>(bio);
    clone->target->endIo(clone);
    MappedIo* io = clone->io;
    // Translate the failing sector back: targets remap by a constant offset within a clone.
    const uint64_t failed =
        clone->deviceSector + (clone->errorSector >= clone->sector ? clone->errorSector - clone->sector : 0);
    const bool last = io->group.pieceDone(clone->status, failed);
    delete clone;
    if (last)
        io->device->finish(io);
}

void MappedDevice::finish(MappedIo* io)
{
    Bio* parent = io->group.parent();
    const BioStatus status = io->group.status();
    const uint64_t errorSector = io->group.errorSector();
    delete io;
    m_completed.fetch_add(1, std::memory_order_relaxed);
    parent->complete(status, errorSector);
    // Counted down only after the caller's completion ran, so a drained device is truly idle.
    std::lock_guard lock(m_mutex);
    if (--m_inFlight == 0)
        m_drained.notify_all();
}

void MappedDevice::loadInactiveTable(std::shared_ptr<Table> table)
{
    std::lock_guard lock(m_mutex);
    m_inactive = std::move(table);
}

void MappedDevice::clearInactiveTable()
{
    std::lock_guard lock(m_mutex);
    m_inactive.reset();
}

void MappedDevice::suspend()
{
    std::lock_guard control(m_controlMutex);
    suspendLocked();
}

void MappedDevice::suspendLocked()
{
    std::shared_ptr<Table> table;
    {
        std::lock_guard lock(m_mutex);
        if (m_suspended)
            return;
        m_suspended = true;
        table = m_active;
    }
    table->presuspend();
    {
        std::unique_lock lock(m_mutex);
        m_drained.wait(lock, [this] { return m_inFlight == 0; });
    }
    table->postsuspend();
}

Status MappedDevice::resume()
{
    std::lock_guard control(m_controlMutex);
    bool needsSwap = false;
    {
        std::lock_guard lock(m_mutex);
        needsSwap = m_inactive != nullptr;
        if (!m_suspended && !needsSwap)
            return Status::ok();
    }
    // Like dm's do_resume: a live device with a new table is suspended around the swap.
    suspendLocked();
    std::shared_ptr<Table> next;
    {
        std::lock_guard lock(m_mutex);
        next = m_inactive ? m_inactive : m_active;
    }
    if (Status status = next->preresume(); !status)
        return status;
    std::vector<Bio*> held;
    std::shared_ptr<Table> retired;
    {
        std::lock_guard lock(m_mutex);
        if (m_inactive) {
            retired = std::move(m_active);
            m_active = std::move(m_inactive);
            m_sectors.store(m_active->sectors(), std::memory_order_release);
            m_logicalBlockSize.store(m_active->logicalBlockSize(), std::memory_order_release);
        }
        m_suspended = false;
        held.swap(m_held);
    }
    next->resume();
    retired.reset(); // the old table's targets are destroyed outside the lock
    for (Bio* bio : held)
        submit(bio);
    return Status::ok();
}

bool MappedDevice::isSuspended() const
{
    std::lock_guard lock(m_mutex);
    return m_suspended;
}

uint64_t MappedDevice::inFlight() const
{
    std::lock_guard lock(m_mutex);
    return m_inFlight;
}

uint64_t MappedDevice::heldCount() const
{
    std::lock_guard lock(m_mutex);
    return m_held.size();
}

Result<QString> MappedDevice::message(uint64_t sector, const QStringList& words)
{
    std::shared_ptr<Table> table = activeTable();
    if (sector >= table->sectors())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Target message sector outside device."));
    return table->segments()[table->segmentIndexFor(sector)].target->message(words);
}

void MappedDevice::failHeldBios()
{
    std::vector<Bio*> held;
    {
        std::lock_guard lock(m_mutex);
        held.swap(m_held);
    }
    for (Bio* bio : held)
        bio->complete(BioStatus::IoError, bio->sector);
}

} // namespace cryptstack
