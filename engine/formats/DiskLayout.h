// The on-disk layout of a LUKS1, LUKS2 or plain image as a list of byte ranges (header copies,
// JSON areas, keyslot areas, padding, data), for the GUI's layout map. Built from a loaded volume
// (never from a second parser), so the map shows what the engine itself would use. Gaps between
// known regions are listed as padding, so the regions tile the image from 0 to its end.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace cryptstack {

class LuksVolume;

struct LayoutRegion
{
    enum class Kind { BinaryHeader, JsonArea, KeyslotArea, Padding, Data };

    Kind kind = Kind::Padding;
    QString name;        // e.g. "Keyslot 0 area"
    uint64_t offset = 0; // bytes from the start of the image
    uint64_t length = 0;
    QStringList details; // "Active: yes", "KDF: pbkdf2 (sha256, 1000 iterations)", …
    int keyslot = -1;    // the keyslot a KeyslotArea belongs to

    uint64_t end() const { return offset + length; }
};

class DiskLayout
{
public:
    // imageBytes: the size of the image the header sits on (the data segment ends there).
    static DiskLayout forLuks(const LuksVolume& volume, uint64_t imageBytes);
    // Plain mode: no header; offsetSectors (--offset) of skipped bytes, then the data, whose IVs
    // start at skipSectors (--skip). sizeSectors 0: to the end of the image.
    static DiskLayout forPlain(uint64_t imageBytes, uint64_t offsetSectors, uint64_t skipSectors,
                               uint64_t sizeSectors, const QString& cipher);

    const QString& format() const { return m_format; }
    uint64_t imageBytes() const { return m_imageBytes; }
    const QList<LayoutRegion>& regions() const { return m_regions; }
    // The region holding this byte, or null past the end.
    const LayoutRegion* regionAt(uint64_t byteOffset) const;
    // Where the metadata (everything before the first data region) ends.
    uint64_t metadataEnd() const;
    static QString kindName(LayoutRegion::Kind kind);

private:
    // Sorts the regions and fills every gap (and the tail) with padding.
    void finish(const QString& gapName);

    QString m_format;
    uint64_t m_imageBytes = 0;
    QList<LayoutRegion> m_regions;
};

} // namespace cryptstack
