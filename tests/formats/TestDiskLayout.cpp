// DiskLayout and HeaderFieldList on images made by the real cryptsetup 2.6.1: the regions match
// what luksDump and --dump-json-metadata say (segment offset, keyslot areas), they tile the image
// without gaps or overlaps, and the header fields match luksDump (UUID, cipher, iterations, seqid).
// A damaged secondary LUKS2 header shows up as an invalid checksum while the volume still loads.
#include "Cryptsetup.h"
#include "formats/DiskLayout.h"
#include "formats/HeaderFieldList.h"
#include "formats/LuksVolume.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const HeaderField* findField(const std::vector<HeaderField>& fields, const QString& name)
{
    for (const HeaderField& field : fields) {
        if (field.name == name)
            return &field;
    }
    return nullptr;
}

void checkTiling(const DiskLayout& layout)
{
    uint64_t cursor = 0;
    for (const LayoutRegion& region : layout.regions()) {
        QCOMPARE(region.offset, cursor);
        QVERIFY2(region.length > 0, qPrintable(region.name));
        cursor = region.end();
    }
    QCOMPARE(cursor, layout.imageBytes());
}

} // namespace

class TestDiskLayout : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void luks2MatchesCryptsetup();
    void luks1MatchesCryptsetup();
    void plainLayout();

private:
    QString makeImage(const QString& name, const QStringList& formatOptions);
    QTemporaryDir m_dir;
    QString m_keyFile;
};

void TestDiskLayout::initTestCase()
{
    QVERIFY2(!findTool(QStringLiteral("cryptsetup")).isEmpty(), "cryptsetup is required");
    QVERIFY(m_dir.isValid());
    m_keyFile = m_dir.filePath(QStringLiteral("pass.key"));
    QFile key(m_keyFile);
    QVERIFY(key.open(QIODevice::WriteOnly));
    key.write("layout passphrase");
}

QString TestDiskLayout::makeImage(const QString& name, const QStringList& formatOptions)
{
    const QString path = m_dir.filePath(name);
    return formatWithCryptsetup(path, 24 << 20, m_keyFile, formatOptions) ? path : QString();
}

void TestDiskLayout::luks2MatchesCryptsetup()
{
    const QString path = makeImage(QStringLiteral("l2.img"), {"--type", "luks2", "--sector-size", "4096"});
    QVERIFY(!path.isEmpty());
    const ToolRun json = cryptsetup({"luksDump", "--dump-json-metadata", path});
    QVERIFY2(json.ok(), json.err.constData());
    const QJsonObject metadata = QJsonDocument::fromJson(json.out).object();
    const QJsonObject segment = metadata["segments"].toObject()["0"].toObject();
    const QJsonObject area = metadata["keyslots"].toObject()["0"].toObject()["area"].toObject();
    const uint64_t jsonSize = metadata["config"].toObject()["json_size"].toString().toULongLong();

    auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
    QVERIFY(device);
    auto volume = LuksVolume::load(std::move(*device));
    QVERIFY2(volume, qPrintable(volume.message()));
    const DiskLayout layout = DiskLayout::forLuks(**volume, 24 << 20);
    QCOMPARE(layout.format(), QStringLiteral("LUKS2"));
    checkTiling(layout);

    const LayoutRegion* primary = layout.regionAt(0);
    QVERIFY(primary);
    QCOMPARE(primary->kind, LayoutRegion::Kind::BinaryHeader);
    QCOMPARE(primary->length, uint64_t(4096));
    const LayoutRegion* primaryJson = layout.regionAt(4096);
    QCOMPARE(primaryJson->kind, LayoutRegion::Kind::JsonArea);
    QCOMPARE(primaryJson->length, jsonSize);
    QVERIFY(primaryJson->details.contains(QStringLiteral("Checksum valid: yes")));
    const LayoutRegion* secondary = layout.regionAt(4096 + jsonSize);
    QCOMPARE(secondary->name, QStringLiteral("Secondary binary header"));
    QCOMPARE(layout.regionAt(2 * (4096 + jsonSize) - 1)->name, QStringLiteral("Secondary JSON area"));

    const uint64_t areaOffset = area["offset"].toString().toULongLong();
    const LayoutRegion* keyslot = layout.regionAt(areaOffset);
    QCOMPARE(keyslot->kind, LayoutRegion::Kind::KeyslotArea);
    QCOMPARE(keyslot->keyslot, 0);
    QCOMPARE(keyslot->offset, areaOffset);
    QCOMPARE(keyslot->length, area["size"].toString().toULongLong());
    QVERIFY(keyslot->details.contains(QStringLiteral("KDF: pbkdf2 (sha256, 1000 iterations)")));
    QVERIFY(keyslot->details.contains(QStringLiteral("AF stripes: 4000 (sha256)")));
    QCOMPARE(layout.regionAt(keyslot->end())->name, QStringLiteral("Free keyslots area"));

    const uint64_t dataOffset = segment["offset"].toString().toULongLong();
    QCOMPARE(layout.metadataEnd(), dataOffset);
    const LayoutRegion* data = layout.regionAt(dataOffset);
    QCOMPARE(data->kind, LayoutRegion::Kind::Data);
    QCOMPARE(data->length, (24u << 20) - dataOffset);
    QVERIFY(data->details.contains(QStringLiteral("Sector size: 4096")));
    QVERIFY(data->details.contains(QStringLiteral("Cipher: aes-xts-plain64")));
    QVERIFY(!layout.regionAt(24 << 20));

    const ToolRun dump = cryptsetup({"luksDump", path});
    QVERIFY(dump.ok());
    const std::vector<HeaderField> fields = HeaderFieldList::forLuks(**volume);
    QCOMPARE(fields.size(), size_t(2));
    for (const HeaderField& copy : fields) {
        QCOMPARE(findField(copy.children, QStringLiteral("uuid"))->value,
                 dumpValue(dump.out, QStringLiteral("UUID")));
        QCOMPARE(findField(copy.children, QStringLiteral("seqid"))->value,
                 dumpValue(dump.out, QStringLiteral("Epoch")));
        QCOMPARE(findField(copy.children, QStringLiteral("checksum_alg"))->value, QStringLiteral("sha256"));
        QCOMPARE(findField(copy.children, QStringLiteral("checksum valid"))->value, QStringLiteral("yes"));
    }
    volume = Result<std::unique_ptr<LuksVolume>>(ErrorCode::NoSuchDevice, QString());

    // Damage the secondary JSON area: the volume loads from the primary, the map says why.
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.seek(qint64(2 * 4096 + jsonSize + 100)));
    file.write("damage");
    file.close();
    device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
    QVERIFY(device);
    volume = LuksVolume::load(std::move(*device));
    QVERIFY2(volume, qPrintable(volume.message()));
    const std::vector<HeaderField> damaged = HeaderFieldList::forLuks(**volume);
    QCOMPARE(findField(damaged[0].children, QStringLiteral("checksum valid"))->value, QStringLiteral("yes"));
    QVERIFY(findField(damaged[1].children, QStringLiteral("checksum valid"))->value.startsWith(u"no"));
    const DiskLayout damagedLayout = DiskLayout::forLuks(**volume, 24 << 20);
    QVERIFY(damagedLayout.regionAt(2 * 4096 + jsonSize)
                ->details.contains(QStringLiteral("Checksum valid: no (checksum mismatch)")));
}

void TestDiskLayout::luks1MatchesCryptsetup()
{
    const QString path = makeImage(QStringLiteral("l1.img"), {"--type", "luks1"});
    QVERIFY(!path.isEmpty());
    const ToolRun dump = cryptsetup({"luksDump", path});
    QVERIFY2(dump.ok(), dump.err.constData());
    auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
    QVERIFY(device);
    auto volume = LuksVolume::load(std::move(*device));
    QVERIFY2(volume, qPrintable(volume.message()));
    const DiskLayout layout = DiskLayout::forLuks(**volume, 24 << 20);
    QCOMPARE(layout.format(), QStringLiteral("LUKS1"));
    checkTiling(layout);
    QCOMPARE(layout.regionAt(0)->kind, LayoutRegion::Kind::BinaryHeader);
    QCOMPARE(layout.regionAt(0)->length, uint64_t(592));
    QCOMPARE(layout.regionAt(600)->kind, LayoutRegion::Kind::Padding);

    // luksDump: "Key Slot 0: ENABLED" then "\tKey material offset:\t8" (sectors) and
    // "\tAF stripes:            \t4000".
    const QString text = QString::fromUtf8(dump.out);
    const QRegularExpression offsets(QStringLiteral("Key material offset:\\s*(\\d+)"));
    auto match = offsets.globalMatch(text);
    int slot = 0;
    for (; match.hasNext(); ++slot) {
        const uint64_t offset = match.next().captured(1).toULongLong() * 512;
        const LayoutRegion* region = layout.regionAt(offset);
        QVERIFY(region);
        QCOMPARE(region->kind, LayoutRegion::Kind::KeyslotArea);
        QCOMPARE(region->keyslot, slot);
        QCOMPARE(region->offset, offset);
        QCOMPARE(region->details.first(),
                 slot == 0 ? QStringLiteral("Active: yes") : QStringLiteral("Active: no"));
    }
    QCOMPARE(slot, 1); // luksDump shows key material only for the enabled slot
    const uint64_t payload = dumpValue(dump.out, QStringLiteral("Payload offset")).toULongLong() * 512;
    QCOMPARE(layout.metadataEnd(), payload);
    QCOMPARE(layout.regionAt(payload)->kind, LayoutRegion::Kind::Data);
    const LayoutRegion* slot0 = layout.regionAt(4096);
    QCOMPARE(slot0->length, uint64_t(4000 * 512 / 512 * 64 + 511) / 512 * 512);

    const std::vector<HeaderField> fields = HeaderFieldList::forLuks(**volume);
    QCOMPARE(findField(fields, QStringLiteral("uuid"))->value, dumpValue(dump.out, QStringLiteral("UUID")));
    QCOMPARE(findField(fields, QStringLiteral("cipherName"))->value,
             dumpValue(dump.out, QStringLiteral("Cipher name")));
    QCOMPARE(findField(fields, QStringLiteral("cipherMode"))->value,
             dumpValue(dump.out, QStringLiteral("Cipher mode")));
    QCOMPARE(findField(fields, QStringLiteral("mkDigestIterations"))->value,
             dumpValue(dump.out, QStringLiteral("MK iterations")));
    const HeaderField* keyslot0 = findField(fields, QStringLiteral("keyslot 0"));
    QVERIFY(keyslot0);
    QCOMPARE(findField(keyslot0->children, QStringLiteral("iterations"))->value, QStringLiteral("1000"));
    QCOMPARE(findField(keyslot0->children, QStringLiteral("stripes"))->value, QStringLiteral("4000"));
    QVERIFY(keyslot0->value.startsWith(u"ENABLED"));
    QVERIFY(findField(fields, QStringLiteral("keyslot 1"))->value.startsWith(u"DISABLED"));
}

void TestDiskLayout::plainLayout()
{
    const DiskLayout layout =
        DiskLayout::forPlain(1 << 20, 8, 16, 1024, QStringLiteral("aes-cbc-essiv:sha256"));
    QCOMPARE(layout.regions().size(), qsizetype(3));
    checkTiling(layout);
    QCOMPARE(layout.regions()[0].name, QStringLiteral("Skipped (--offset)"));
    QCOMPARE(layout.regions()[1].kind, LayoutRegion::Kind::Data);
    QCOMPARE(layout.regions()[1].offset, uint64_t(4096));
    QCOMPARE(layout.regions()[1].length, uint64_t(1024 * 512));
    QCOMPARE(layout.regions()[2].name, QStringLiteral("Beyond --size"));
    QCOMPARE(DiskLayout::forPlain(1 << 20, 0, 0, 0, QStringLiteral("aes")).regions().size(), qsizetype(1));
}

QTEST_GUILESS_MAIN(TestDiskLayout)
#include "TestDiskLayout.moc"
