// The target types a device registry can build tables from (the kernel's dm_register_target list).
#pragma once

#include "Target.h"

#include <QMap>

namespace cryptstack {

class TargetTypeRegistry
{
public:
    // linear, crypt, error, zero, delay, flakey.
    static TargetTypeRegistry withBuiltinTargets();

    void add(const QString& name, TargetConstructor constructor);
    const TargetConstructor* find(const QString& name) const;
    QStringList names() const { return m_constructors.keys(); }

private:
    QMap<QString, TargetConstructor> m_constructors;
};

} // namespace cryptstack
