// A device's table: segments contiguous from sector 0, each a constructed target. Built whole or
// not at all, with the kernel's checks in its order (dm_table_add_target, then dm_table_complete's
// device area checks).
#pragma once

#include "TableLine.h"
#include "Target.h"
#include "TargetTypeRegistry.h"

#include <memory>
#include <vector>

namespace cryptstack {

struct Segment
{
    uint64_t begin = 0;
    uint64_t length = 0;
    QString type;
    std::unique_ptr<Target> target;
};

class Table
{
public:
    // Errors read "table line N: <type>: <kernel text>" (or without the type for table-level
    // errors); the caller prefixes the device.
    static Result<std::shared_ptr<Table>> build(const QStringList& lines, const TargetTypeRegistry& types,
                                                const TargetContext& context);
    ~Table();

    uint64_t sectors() const { return m_sectors; }
    // The largest logical block size of its targets and the devices below them (stacked limits).
    uint32_t logicalBlockSize() const { return m_logicalBlockSize; }
    const std::vector<Segment>& segments() const { return m_segments; }
    // The segment holding this sector (which must be < sectors()).
    size_t segmentIndexFor(uint64_t sector) const;
    QList<DeviceArea> devices() const;

    // "<start> <length> <type> <params>" per segment, as dmsetup table / status print them.
    QStringList lines(StatusType type, bool showKeys) const;

    void presuspend();
    void postsuspend();
    Status preresume();
    void resume();

private:
    std::vector<Segment> m_segments;
    uint64_t m_sectors = 0;
    uint32_t m_logicalBlockSize = SectorSize;
};

} // namespace cryptstack
