// Builds device-mapper tables for the table_line and concise targets without touching the file
// system: device words resolve to small MemoryDevices named as in the tests (a.img, disk.img and
// others 2048 sectors, b.img 128, "my disk.img" 8) or to devices the caller added (a concise
// stack's earlier devices). Keyring keys for ":<size>:<type>:<desc>" words are preloaded.
#pragma once

#include "crypt/KeyRing.h"
#include "dm/MappedDevice.h"
#include "dm/Table.h"
#include "dm/TargetTypeRegistry.h"

#include <QHash>

namespace cryptstack::fuzz {

class TableHarness
{
public:
    // More lines than this in one input are not built (each crypt target starts threads).
    static constexpr qsizetype MaxLines = 16;

    explicit TableHarness(const char* target);

    Result<std::shared_ptr<Table>> build(const QString& mappedName, const QStringList& lines, bool readOnly);
    // The table's TABLE lines (keys shown) build again and print identically (STYLE §3).
    void checkRoundTrip(const Table& table, const QString& mappedName, bool readOnly);
    // Reads the first sectors through a MappedDevice over the table and writes them back, unless a
    // delay target could hold the bio for as long as the input asks.
    void exerciseIo(std::shared_ptr<Table> table, const QString& mappedName);
    void addDevice(const QString& name, std::shared_ptr<BlockDevice> device);

private:
    Result<DeviceRef> lookup(const QString& word);

    const char* m_target;
    TargetTypeRegistry m_types = TargetTypeRegistry::withBuiltinTargets();
    KeyRing m_keyRing;
    QHash<QString, std::shared_ptr<BlockDevice>> m_devices;
};

} // namespace cryptstack::fuzz
