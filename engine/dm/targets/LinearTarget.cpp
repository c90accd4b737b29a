#include "LinearTarget.h"

#include "core/Parse.h"
#include "dm/TableLine.h"

namespace cryptstack {

Result<std::unique_ptr<Target>> LinearTarget::create(const TargetContext& context, const QStringList& words)
{
    if (words.size() != 2)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid argument count"));
    const auto start = parseU64(words.at(1));
    if (!start)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid device sector"));
    auto device = context.lookupDevice(words.at(0));
    if (!device)
        return device.status();
    return std::unique_ptr<Target>(new LinearTarget(device.value(), *start, context.length));
}

void LinearTarget::map(Bio* bio)
{
    bio->sector += m_start;
    m_device.device->submit(bio);
}

QString LinearTarget::status(StatusType type, bool) const
{
    if (type == StatusType::Info)
        return {};
    return escapeTableWord(m_device.word) + u' ' + QString::number(m_start);
}

QList<DeviceArea> LinearTarget::devices() const
{
    return {DeviceArea{m_device, m_start, m_length}};
}

} // namespace cryptstack
