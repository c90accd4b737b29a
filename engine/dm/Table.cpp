#include "Table.h"

#include <algorithm>

namespace cryptstack {

Table::~Table() = default;

Result<std::shared_ptr<Table>> Table::build(const QStringList& lines, const TargetTypeRegistry& types,
                                            const TargetContext& context)
{
    auto table = std::make_shared<Table>();
    if (lines.isEmpty())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("empty table"));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString where = QStringLiteral("table line %1: ").arg(i + 1);
        auto line = TableLine::parse(lines.at(i));
        if (!line)
            return line.status().prefixed(where);
        if (line->length == 0)
            return Status(ErrorCode::InvalidArgument, where + QStringLiteral("zero-length target"));
        const TargetConstructor* construct = types.find(line->type);
        if (!construct)
            return Status(ErrorCode::InvalidArgument,
                          where + line->type + QStringLiteral(": unknown target type"));
        // adjoin(): the first target starts at 0, each next one where the previous one ended.
        if (line->start != table->m_sectors)
            return Status(ErrorCode::InvalidArgument, where + line->type + QStringLiteral(": Gap in table"));
        if (line->length > UINT64_MAX - line->start)
            return Status(ErrorCode::InvalidArgument,
                          where + line->type + QStringLiteral(": Invalid length"));
        TargetContext targetContext = context;
        targetContext.begin = line->start;
        targetContext.length = line->length;
        auto target = (*construct)(targetContext, line->words);
        if (!target)
            return target.status().prefixed(where + line->type + QStringLiteral(": "));
        table->m_segments.push_back({line->start, line->length, line->type, std::move(target.value())});
        table->m_sectors = line->start + line->length;
    }
    // dm_table_complete: every device range a target uses must lie inside that device.
    for (size_t i = 0; i < table->m_segments.size(); ++i) {
        table->m_logicalBlockSize =
            std::max(table->m_logicalBlockSize, table->m_segments[i].target->logicalBlockSize());
        for (const DeviceArea& area : table->m_segments[i].target->devices()) {
            table->m_logicalBlockSize =
                std::max(table->m_logicalBlockSize, area.ref.device->logicalBlockSize());
            const uint64_t deviceSectors = area.ref.device->sectors();
            if (area.start > deviceSectors || area.length > deviceSectors - area.start) {
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("table line %1: %2: %3 too small for target: start=%4, len=%5, "
                                             "dev_size=%6")
                                  .arg(QString::number(i + 1), table->m_segments[i].type, area.ref.word,
                                       QString::number(area.start), QString::number(area.length),
                                       QString::number(deviceSectors)));
            }
        }
    }
    return table;
}

size_t Table::segmentIndexFor(uint64_t sector) const
{
    const auto it = std::upper_bound(m_segments.begin(), m_segments.end(), sector,
                                     [](uint64_t s, const Segment& segment) { return s < segment.begin; });
    return static_cast<size_t>(std::distance(m_segments.begin(), it)) - 1;
}

QList<DeviceArea> Table::devices() const
{
    QList<DeviceArea> all;
    for (const Segment& segment : m_segments)
        all += segment.target->devices();
    return all;
}

QStringList Table::lines(StatusType type, bool showKeys) const
{
    QStringList out;
    for (const Segment& segment : m_segments) {
        out += QStringLiteral("%1 %2 %3 %4")
                   .arg(segment.begin)
                   .arg(segment.length)
                   .arg(segment.type, segment.target->status(type, showKeys));
    }
    return out;
}

void Table::presuspend()
{
    for (Segment& segment : m_segments)
        segment.target->presuspend();
}

void Table::postsuspend()
{
    for (Segment& segment : m_segments)
        segment.target->postsuspend();
}

Status Table::preresume()
{
    for (Segment& segment : m_segments) {
        if (Status status = segment.target->preresume(); !status)
            return status;
    }
    return Status::ok();
}

void Table::resume()
{
    for (Segment& segment : m_segments)
        segment.target->resume();
}

} // namespace cryptstack
