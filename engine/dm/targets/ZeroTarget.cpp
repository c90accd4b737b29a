#include "ZeroTarget.h"

#include <cstring>

namespace cryptstack {

Result<std::unique_ptr<Target>> ZeroTarget::create(const TargetContext&, const QStringList& words)
{
    if (!words.isEmpty())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("No arguments required"));
    return std::unique_ptr<Target>(new ZeroTarget);
}

void ZeroTarget::map(Bio* bio)
{
    if (bio->op == BioOp::Read)
        std::memset(bio->data, 0, bio->size);
    bio->complete(BioStatus::Ok);
}

} // namespace cryptstack
