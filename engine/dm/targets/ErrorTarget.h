// dm-error ("error"): every request fails with an I/O error. Like the kernel's io_err target it
// takes and ignores any arguments, and prints none back.
#pragma once

#include "dm/Target.h"

namespace cryptstack {

class ErrorTarget final : public Target
{
public:
    static Result<std::unique_ptr<Target>> create(const TargetContext& context, const QStringList& words);

    void map(Bio* bio) override { bio->complete(BioStatus::IoError, bio->sector); }
    QString status(StatusType, bool) const override { return {}; }
};

} // namespace cryptstack
