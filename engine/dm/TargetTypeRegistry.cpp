#include "TargetTypeRegistry.h"

#include "crypt/CryptTarget.h"
#include "targets/DelayTarget.h"
#include "targets/ErrorTarget.h"
#include "targets/FlakeyTarget.h"
#include "targets/LinearTarget.h"
#include "targets/ZeroTarget.h"

namespace cryptstack {

TargetTypeRegistry TargetTypeRegistry::withBuiltinTargets()
{
    TargetTypeRegistry registry;
    registry.add(QStringLiteral("linear"), &LinearTarget::create);
    registry.add(QStringLiteral("crypt"), &CryptTarget::create);
    registry.add(QStringLiteral("error"), &ErrorTarget::create);
    registry.add(QStringLiteral("zero"), &ZeroTarget::create);
    registry.add(QStringLiteral("delay"), &DelayTarget::create);
    registry.add(QStringLiteral("flakey"), &FlakeyTarget::create);
    return registry;
}

void TargetTypeRegistry::add(const QString& name, TargetConstructor constructor)
{
    m_constructors.insert(name, std::move(constructor));
}

const TargetConstructor* TargetTypeRegistry::find(const QString& name) const
{
    const auto it = m_constructors.constFind(name);
    return it == m_constructors.constEnd() ? nullptr : &it.value();
}

} // namespace cryptstack
