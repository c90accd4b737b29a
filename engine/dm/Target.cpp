#include "Target.h"

namespace cryptstack {

Target::~Target() = default;

Result<QString> Target::message(const QStringList&)
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("Target type does not support messages"));
}

} // namespace cryptstack
