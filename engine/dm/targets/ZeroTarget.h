// dm-zero ("zero"): reads return zeroes, writes and discards succeed and are dropped.
#pragma once

#include "dm/Target.h"

namespace cryptstack {

class ZeroTarget final : public Target
{
public:
    static Result<std::unique_ptr<Target>> create(const TargetContext& context, const QStringList& words);

    void map(Bio* bio) override;
    QString status(StatusType, bool) const override { return {}; }
};

} // namespace cryptstack
