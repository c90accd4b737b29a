#include "ErrorTarget.h"

namespace cryptstack {

Result<std::unique_ptr<Target>> ErrorTarget::create(const TargetContext&, const QStringList&)
{
    return std::unique_ptr<Target>(new ErrorTarget);
}

} // namespace cryptstack
