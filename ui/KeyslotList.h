// A LUKS volume's keyslots as the GUI lists them (key slots dialog, the tree's keyslot nodes):
// number, active or not, and the KDF that guards it. Built on a worker thread from a loaded volume
// and handed to the GUI thread as plain values.
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace cryptstack {

class LuksVolume;

struct KeyslotEntry
{
    int slot = 0;
    bool active = false;
    QString kdf; // LUKS2: the keyslot's kdf.type; LUKS1: pbkdf2 (with its hash); empty when inactive
};

struct VolumeSummary
{
    QString imagePath;
    int version = 0; // 1 or 2
    QString uuid;
    QString cipher;
    QList<KeyslotEntry> keyslots; // LUKS1: all 8; LUKS2: the active ones
    int activeCount() const;
};

namespace KeyslotList {
VolumeSummary describe(const LuksVolume& volume, const QString& imagePath);
} // namespace KeyslotList

} // namespace cryptstack
