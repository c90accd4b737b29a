#include "HeaderFieldList.h"

#include "Luks2HeaderCopy.h"
#include "luks1/Luks1Volume.h"
#include "luks2/Luks2Volume.h"

#include <QByteArray>

namespace cryptstack {

namespace {

HeaderField field(const QString& name, const QString& value)
{
    return HeaderField{name, value, {}};
}

template <size_t N> QString hex(const std::array<uint8_t, N>& bytes)
{
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(N)).toHex(' '));
}

QString stateName(const Luks1Keyslot& keyslot)
{
    switch (keyslot.state()) {
    case Luks1Keyslot::State::Enabled:
        return QStringLiteral("ENABLED (0x%1)").arg(keyslot.active, 8, 16, QLatin1Char('0'));
    case Luks1Keyslot::State::Disabled:
        return QStringLiteral("DISABLED (0x%1)").arg(keyslot.active, 8, 16, QLatin1Char('0'));
    case Luks1Keyslot::State::Invalid:
        break;
    }
    return QStringLiteral("INVALID (0x%1)").arg(keyslot.active, 8, 16, QLatin1Char('0'));
}

std::vector<HeaderField> luks1Fields(const Luks1Header& header)
{
    std::vector<HeaderField> fields = {
        field(QStringLiteral("magic"), QStringLiteral("LUKS\\xba\\xbe")),
        field(QStringLiteral("version"), QStringLiteral("1")),
        field(QStringLiteral("cipherName"), header.cipherName),
        field(QStringLiteral("cipherMode"), header.cipherMode),
        field(QStringLiteral("hashSpec"), header.hashSpec),
        field(QStringLiteral("payloadOffset"), QString::number(header.payloadOffset)),
        field(QStringLiteral("keyBytes"), QString::number(header.keyBytes)),
        field(QStringLiteral("mkDigest"), hex(header.mkDigest)),
        field(QStringLiteral("mkDigestSalt"), hex(header.mkDigestSalt)),
        field(QStringLiteral("mkDigestIterations"), QString::number(header.mkDigestIterations)),
        field(QStringLiteral("uuid"), header.uuid)};
    for (int slot = 0; slot < Luks1Header::KeyslotCount; ++slot) {
        const Luks1Keyslot& keyslot = header.keyslots[size_t(slot)];
        HeaderField entry = field(QStringLiteral("keyslot %1").arg(slot), stateName(keyslot));
        entry.children = {
            field(QStringLiteral("active"), stateName(keyslot)),
            field(QStringLiteral("iterations"), QString::number(keyslot.iterations)),
            field(QStringLiteral("salt"), hex(keyslot.salt)),
            field(QStringLiteral("keyMaterialOffset"), QStringLiteral("%1 sectors (%2 bytes)")
                                                           .arg(keyslot.keyMaterialOffset)
                                                           .arg(uint64_t(keyslot.keyMaterialOffset) * 512)),
            field(QStringLiteral("stripes"), QString::number(keyslot.stripes))};
        fields.push_back(entry);
    }
    return fields;
}

HeaderField luks2Copy(const Luks2HeaderCopy& copy)
{
    HeaderField entry =
        field(copy.secondary ? QStringLiteral("secondary header") : QStringLiteral("primary header"),
              QStringLiteral("at offset %1").arg(copy.offset));
    if (!copy.parsed) {
        entry.value += QStringLiteral(": unreadable");
        entry.children = {field(QStringLiteral("error"), copy.error)};
        return entry;
    }
    const luks2::Luks2BinaryHeader& header = copy.header;
    entry.children = {
        field(QStringLiteral("magic"),
              copy.secondary ? QStringLiteral("SKUL\\xba\\xbe") : QStringLiteral("LUKS\\xba\\xbe")),
        field(QStringLiteral("version"), QString::number(header.version)),
        field(QStringLiteral("hdr_size"), QString::number(header.hdrSize)),
        field(QStringLiteral("seqid"), QString::number(header.seqid)),
        field(QStringLiteral("label"), QString::fromUtf8(header.label)),
        field(QStringLiteral("checksum_alg"), QString::fromLatin1(header.checksumAlg)),
        field(QStringLiteral("salt"), hex(header.salt)),
        field(QStringLiteral("uuid"), QString::fromLatin1(header.uuid)),
        field(QStringLiteral("subsystem"), QString::fromUtf8(header.subsystem)),
        field(QStringLiteral("hdr_offset"), QString::number(header.hdrOffset)),
        field(QStringLiteral("csum"), QString::fromLatin1(copy.storedChecksum.toHex(' '))),
        field(QStringLiteral("checksum valid"),
              copy.checksumValid ? QStringLiteral("yes") : QStringLiteral("no: %1").arg(copy.checksumError))};
    return entry;
}

} // namespace

std::vector<HeaderField> HeaderFieldList::forLuks(const LuksVolume& volume)
{
    if (const auto* v1 = dynamic_cast<const Luks1Volume*>(&volume))
        return luks1Fields(v1->header());
    std::vector<HeaderField> fields;
    if (const auto* v2 = dynamic_cast<const Luks2Volume*>(&volume)) {
        for (const Luks2HeaderCopy& copy : Luks2HeaderCopy::readBoth(v2->device(), v2->hdrSize()))
            fields.push_back(luks2Copy(copy));
    }
    return fields;
}

} // namespace cryptstack
