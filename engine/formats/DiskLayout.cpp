#include "DiskLayout.h"

#include "Luks2HeaderCopy.h"
#include "luks1/Luks1Volume.h"
#include "luks2/Luks2Validator.h"
#include "luks2/Luks2Volume.h"

#include <algorithm>

namespace cryptstack {

namespace {

using luks2::JsonValue;
using luks2::Luks2Validator;

const JsonValue* member(const JsonValue* object, const char* key)
{
    return object && object->isObject() ? object->find(key) : nullptr;
}

QString text(const JsonValue* value)
{
    return value ? QString::fromUtf8(value->toText()) : QString();
}

QString luks1KeyslotState(Luks1Keyslot::State state)
{
    switch (state) {
    case Luks1Keyslot::State::Enabled:
        return QStringLiteral("yes");
    case Luks1Keyslot::State::Disabled:
        return QStringLiteral("no");
    case Luks1Keyslot::State::Invalid:
        break;
    }
    return QStringLiteral("invalid state word");
}

// One line describing a LUKS2 keyslot's KDF, e.g. "pbkdf2 (sha256, 1000 iterations)".
QString kdfSummary(const JsonValue* kdf)
{
    const QString type = text(member(kdf, "type"));
    if (type == u"pbkdf2")
        return QStringLiteral("pbkdf2 (%1, %2 iterations)")
            .arg(text(member(kdf, "hash")), text(member(kdf, "iterations")));
    if (type.startsWith(u"argon2"))
        return QStringLiteral("%1 (time %2, memory %3 KiB, %4 threads)")
            .arg(type, text(member(kdf, "time")), text(member(kdf, "memory")), text(member(kdf, "cpus")));
    return type;
}

void addLuks1(const Luks1Volume& volume, QList<LayoutRegion>& regions)
{
    const Luks1Header& header = volume.header();
    LayoutRegion phdr;
    phdr.kind = LayoutRegion::Kind::BinaryHeader;
    phdr.name = QStringLiteral("LUKS1 header (phdr)");
    phdr.offset = 0;
    phdr.length = 592;
    phdr.details = {QStringLiteral("Cipher: %1").arg(header.cipherSpec()),
                    QStringLiteral("Hash: %1").arg(header.hashSpec),
                    QStringLiteral("Key size: %1 bits").arg(header.keyBytes * 8),
                    QStringLiteral("Payload offset: %1 sectors").arg(header.payloadOffset),
                    QStringLiteral("UUID: %1").arg(header.uuid)};
    regions.append(phdr);
    for (int slot = 0; slot < Luks1Header::KeyslotCount; ++slot) {
        const Luks1Keyslot& keyslot = header.keyslots[size_t(slot)];
        LayoutRegion area;
        area.kind = LayoutRegion::Kind::KeyslotArea;
        area.keyslot = slot;
        area.name = QStringLiteral("Keyslot %1 area").arg(slot);
        area.offset = volume.keyMaterialOffset(slot);
        area.length = volume.keyMaterialBytes();
        area.details = {
            QStringLiteral("Active: %1").arg(luks1KeyslotState(keyslot.state())),
            QStringLiteral("KDF: pbkdf2 (%1, %2 iterations)").arg(header.hashSpec).arg(keyslot.iterations),
            QStringLiteral("Cipher: %1").arg(header.cipherSpec()),
            QStringLiteral("AF stripes: %1").arg(keyslot.stripes)};
        regions.append(area);
    }
    if (header.payloadOffset > 0) {
        LayoutRegion data;
        data.kind = LayoutRegion::Kind::Data;
        data.name = QStringLiteral("Data segment");
        data.offset = uint64_t(header.payloadOffset) * 512;
        data.details = {QStringLiteral("Cipher: %1").arg(header.cipherSpec()),
                        QStringLiteral("Sector size: 512")};
        regions.append(data);
    }
}

void addLuks2(const Luks2Volume& volume, uint64_t imageBytes, QList<LayoutRegion>& regions)
{
    const uint64_t hdrSize = volume.hdrSize();
    const auto copies = Luks2HeaderCopy::readBoth(volume.device(), hdrSize);
    for (const Luks2HeaderCopy& copy : copies) {
        const QString which = copy.secondary ? QStringLiteral("Secondary") : QStringLiteral("Primary");
        LayoutRegion binary;
        binary.kind = LayoutRegion::Kind::BinaryHeader;
        binary.name = QStringLiteral("%1 binary header").arg(which);
        binary.offset = copy.offset;
        binary.length = luks2::Luks2BinaryHeader::Size;
        LayoutRegion json;
        json.kind = LayoutRegion::Kind::JsonArea;
        json.name = QStringLiteral("%1 JSON area").arg(which);
        json.offset = copy.offset + luks2::Luks2BinaryHeader::Size;
        json.length = hdrSize - luks2::Luks2BinaryHeader::Size;
        json.details = {QStringLiteral("Size: %1 bytes").arg(json.length)};
        if (copy.parsed) {
            binary.details = {QStringLiteral("Seqid: %1").arg(copy.header.seqid),
                              QStringLiteral("Header size: %1").arg(copy.header.hdrSize),
                              QStringLiteral("UUID: %1").arg(QString::fromLatin1(copy.header.uuid))};
            json.details +=
                {QStringLiteral("Checksum (%1): %2")
                     .arg(QString::fromLatin1(copy.header.checksumAlg),
                          QString::fromLatin1(copy.storedChecksum.toHex())),
                 QStringLiteral("Checksum valid: %1")
                     .arg(copy.checksumValid ? QStringLiteral("yes")
                                             : QStringLiteral("no (%1)").arg(copy.checksumError))};
        } else {
            binary.details = {QStringLiteral("Unreadable: %1").arg(copy.error)};
        }
        regions.append(binary);
        regions.append(json);
    }
    const JsonValue& root = volume.metadata();
    if (const JsonValue* keyslots = member(&root, "keyslots")) {
        for (const auto& entry : keyslots->members()) {
            const JsonValue* area = member(&entry.value, "area");
            const JsonValue* af = member(&entry.value, "af");
            LayoutRegion region;
            region.kind = LayoutRegion::Kind::KeyslotArea;
            region.keyslot = Luks2Validator::idOf(entry.key);
            region.name = QStringLiteral("Keyslot %1 area").arg(QString::fromLatin1(entry.key));
            region.offset = Luks2Validator::stringToUint64(member(area, "offset")).value_or(0);
            region.length = Luks2Validator::stringToUint64(member(area, "size")).value_or(0);
            region.details = {
                QStringLiteral("Active: yes%1")
                    .arg(Luks2Validator::keyslotIsBound(root, region.keyslot) ? QString()
                                                                              : QStringLiteral(" (unbound)")),
                QStringLiteral("Type: %1").arg(text(member(&entry.value, "type"))),
                QStringLiteral("KDF: %1").arg(kdfSummary(member(&entry.value, "kdf"))),
                QStringLiteral("Cipher: %1 (%2 bits)")
                    .arg(text(member(area, "encryption")))
                    .arg(member(area, "key_size") ? member(area, "key_size")->toInt64() * 8 : 0),
                QStringLiteral("AF stripes: %1 (%2)")
                    .arg(text(member(af, "stripes")), text(member(af, "hash")))};
            regions.append(region);
        }
    }
    if (const JsonValue* segments = member(&root, "segments")) {
        for (const auto& entry : segments->members()) {
            const JsonValue& segment = entry.value;
            LayoutRegion region;
            region.kind = LayoutRegion::Kind::Data;
            region.name = QStringLiteral("Data segment %1").arg(QString::fromLatin1(entry.key));
            region.offset = Luks2Validator::stringToUint64(member(&segment, "offset")).value_or(0);
            const QString size = text(member(&segment, "size"));
            if (size == u"dynamic")
                region.length = imageBytes > region.offset ? imageBytes - region.offset : 0;
            else
                region.length = Luks2Validator::stringToUint64(member(&segment, "size")).value_or(0);
            region.details = {QStringLiteral("Type: %1").arg(text(member(&segment, "type"))),
                              QStringLiteral("Cipher: %1").arg(text(member(&segment, "encryption"))),
                              QStringLiteral("Sector size: %1").arg(text(member(&segment, "sector_size"))),
                              QStringLiteral("IV tweak: %1").arg(text(member(&segment, "iv_tweak"))),
                              QStringLiteral("Size: %1").arg(size)};
            regions.append(region);
        }
    }
}

} // namespace

DiskLayout DiskLayout::forLuks(const LuksVolume& volume, uint64_t imageBytes)
{
    DiskLayout layout;
    layout.m_imageBytes = imageBytes;
    if (const auto* v1 = dynamic_cast<const Luks1Volume*>(&volume)) {
        layout.m_format = QStringLiteral("LUKS1");
        addLuks1(*v1, layout.m_regions);
        layout.finish(QStringLiteral("Alignment padding"));
    } else if (const auto* v2 = dynamic_cast<const Luks2Volume*>(&volume)) {
        layout.m_format = QStringLiteral("LUKS2");
        addLuks2(*v2, imageBytes, layout.m_regions);
        // The keyslots area: free space inside it is named apart from the padding after it.
        const uint64_t keyslotsStart = 2 * v2->hdrSize();
        const uint64_t keyslotsEnd = keyslotsStart + Luks2Validator::keyslotsSize(v2->metadata());
        layout.finish(QStringLiteral("Padding"));
        for (LayoutRegion& region : layout.m_regions) {
            if (region.kind == LayoutRegion::Kind::Padding && region.offset >= keyslotsStart &&
                region.offset < keyslotsEnd) {
                region.name = QStringLiteral("Free keyslots area");
                region.details = {
                    QStringLiteral("Keyslots area: %1 … %2").arg(keyslotsStart).arg(keyslotsEnd)};
            }
        }
    }
    return layout;
}

DiskLayout DiskLayout::forPlain(uint64_t imageBytes, uint64_t offsetSectors, uint64_t skipSectors,
                                uint64_t sizeSectors, const QString& cipher)
{
    DiskLayout layout;
    layout.m_format = QStringLiteral("plain");
    layout.m_imageBytes = imageBytes;
    LayoutRegion data;
    data.kind = LayoutRegion::Kind::Data;
    data.name = QStringLiteral("Data (plain dm-crypt)");
    data.offset = offsetSectors * 512;
    const uint64_t rest = imageBytes > data.offset ? imageBytes - data.offset : 0;
    data.length = sizeSectors ? std::min(rest, sizeSectors * 512) : rest;
    data.details = {QStringLiteral("Cipher: %1").arg(cipher),
                    QStringLiteral("Offset: %1 sectors").arg(offsetSectors),
                    QStringLiteral("Skip (IV offset): %1 sectors").arg(skipSectors)};
    layout.m_regions.append(data);
    const uint64_t dataEnd = data.end();
    layout.finish(QStringLiteral("Skipped (--offset)"));
    for (LayoutRegion& region : layout.m_regions) {
        if (region.kind == LayoutRegion::Kind::Padding && region.offset >= dataEnd && dataEnd > 0)
            region.name = QStringLiteral("Beyond --size");
    }
    return layout;
}

void DiskLayout::finish(const QString& gapName)
{
    for (LayoutRegion& region : m_regions) {
        if (region.kind == LayoutRegion::Kind::Data && region.length == 0 && region.offset < m_imageBytes)
            region.length = m_imageBytes - region.offset;
    }
    std::stable_sort(m_regions.begin(), m_regions.end(),
                     [](const LayoutRegion& a, const LayoutRegion& b) { return a.offset < b.offset; });
    QList<LayoutRegion> tiled;
    uint64_t cursor = 0;
    const auto addGap = [&](uint64_t end) {
        LayoutRegion gap;
        gap.kind = LayoutRegion::Kind::Padding;
        gap.name = gapName;
        gap.offset = cursor;
        gap.length = end - cursor;
        gap.details = {QStringLiteral("Unused by the format")};
        tiled.append(gap);
    };
    for (const LayoutRegion& region : std::as_const(m_regions)) {
        if (region.offset > cursor)
            addGap(region.offset);
        tiled.append(region);
        cursor = std::max(cursor, region.end());
    }
    if (m_imageBytes > cursor)
        addGap(m_imageBytes);
    m_regions = tiled;
}

const LayoutRegion* DiskLayout::regionAt(uint64_t byteOffset) const
{
    // The last region that starts at or before the byte and still covers it.
    const LayoutRegion* found = nullptr;
    for (const LayoutRegion& region : m_regions) {
        if (region.offset <= byteOffset && byteOffset < region.end())
            found = &region;
    }
    return found;
}

uint64_t DiskLayout::metadataEnd() const
{
    for (const LayoutRegion& region : m_regions) {
        if (region.kind == LayoutRegion::Kind::Data)
            return region.offset;
    }
    return m_imageBytes;
}

QString DiskLayout::kindName(LayoutRegion::Kind kind)
{
    switch (kind) {
    case LayoutRegion::Kind::BinaryHeader:
        return QStringLiteral("Binary header");
    case LayoutRegion::Kind::JsonArea:
        return QStringLiteral("JSON area");
    case LayoutRegion::Kind::KeyslotArea:
        return QStringLiteral("Keyslot area");
    case LayoutRegion::Kind::Padding:
        return QStringLiteral("Padding");
    case LayoutRegion::Kind::Data:
        return QStringLiteral("Data");
    }
    return {};
}

} // namespace cryptstack
