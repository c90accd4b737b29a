// dmsetup's concise device format: "name,uuid,minor,flags,table[,table]…[;name,…]". uuid, minor and
// flags may be empty; flags is "ro" or "rw" (the default); a backslash escapes the next character
// (a comma or semicolon inside a name or table line). A concise file holds one device per line;
// blank lines and lines starting with '#' are ignored.
#pragma once

#include "core/Result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace cryptstack {

class DeviceRegistry;

struct ConciseDevice
{
    QString name;
    QString uuid;
    std::optional<uint32_t> minor;
    bool readOnly = false;
    QStringList tableLines;
};

struct ConciseStack
{
    QList<ConciseDevice> devices;
    QString baseDirectory; // relative image paths are relative to this (a concise file's folder)
};

Result<ConciseStack> parseConcise(const QString& text);
Result<ConciseStack> parseConciseFile(const QString& path);
// Prints devices back in the concise format (dmsetup table --concise), escaping as needed.
QString formatConcise(const QList<ConciseDevice>& devices);

// Creates the devices in order (each may stack on the ones before it). On failure the devices this
// call created are removed again, so a stack is created whole or not at all.
Status createConciseStack(DeviceRegistry& registry, const ConciseStack& stack);

} // namespace cryptstack
