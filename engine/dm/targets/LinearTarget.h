// dm-linear: "<device> <offset>" — maps the target's range onto a lower device at an offset.
#pragma once

#include "dm/Target.h"

namespace cryptstack {

class LinearTarget final : public Target
{
public:
    static Result<std::unique_ptr<Target>> create(const TargetContext& context, const QStringList& words);

    void map(Bio* bio) override;
    QString status(StatusType type, bool showKeys) const override;
    QList<DeviceArea> devices() const override;

private:
    LinearTarget(DeviceRef device, uint64_t start, uint64_t length)
        : m_device(std::move(device)), m_start(start), m_length(length)
    {}

    const DeviceRef m_device;
    const uint64_t m_start;
    const uint64_t m_length;
};

} // namespace cryptstack
