#include "Target.h"

namespace cryptstack {

Target::~Target() = default;

Result<QString> Target::message(const QStringList&)
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("Target type does not support messages"));
}

Status Target::setEngineOption(const QString& option, const QString&)
{
    return Status(ErrorCode::NotSupported, QStringLiteral("target has no setting \"%1\"").arg(option));
}

} // namespace cryptstack
