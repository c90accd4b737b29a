#include "KeyslotList.h"

#include "formats/luks1/Luks1Volume.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack {

int VolumeSummary::activeCount() const
{
    int count = 0;
    for (const KeyslotEntry& entry : keyslots)
        count += entry.active ? 1 : 0;
    return count;
}

namespace KeyslotList {

VolumeSummary describe(const LuksVolume& volume, const QString& imagePath)
{
    VolumeSummary summary;
    summary.imagePath = imagePath;
    summary.version = volume.version();
    summary.uuid = volume.uuid();
    summary.cipher = volume.cipherSpec();
    const auto* luks1 = dynamic_cast<const Luks1Volume*>(&volume);
    const auto* luks2 = dynamic_cast<const Luks2Volume*>(&volume);
    const luks2::JsonValue* keyslots = luks2 ? luks2->metadata().find("keyslots") : nullptr;
    for (int slot = 0; slot < volume.keyslotLimit(); ++slot) {
        KeyslotEntry entry;
        entry.slot = slot;
        entry.active = volume.isKeyslotActive(slot);
        if (luks2 && !entry.active)
            continue; // LUKS2 has 32 ids; only the used ones are worth a row
        if (entry.active && luks1) {
            entry.kdf = QStringLiteral("pbkdf2-%1").arg(luks1->hashSpec());
        } else if (entry.active && keyslots) {
            const luks2::JsonValue* json = keyslots->find(QByteArray::number(slot));
            const luks2::JsonValue* kdf = json ? json->find("kdf") : nullptr;
            const luks2::JsonValue* type = kdf ? kdf->find("type") : nullptr;
            entry.kdf = type ? QString::fromUtf8(type->toText()) : QString();
        }
        summary.keyslots << entry;
    }
    return summary;
}

} // namespace KeyslotList

} // namespace cryptstack
