// ContentProbe against the real tools: images made by mkfs.ext4, mkfs.vfat, mkswap, sfdisk and
// cryptsetup luksFormat, probed as plain devices (file and memory) and from inside a LUKS2 volume
// that cryptsetup formatted and our crypt target filled. The reference for every field is
// `blkid -p -o export [--offset B --size B] FILE` and `sfdisk --json FILE`, parsed here.
#include "ExternalTool.h"
#include "TestDevices.h"
#include "TestImages.h"
#include "block/FileDevice.h"
#include "block/MemoryDevice.h"
#include "dm/DeviceRegistry.h"
#include "probe/ContentProbe.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr qint64 MiB = 1 << 20;
const QString Ext4Uuid = QStringLiteral("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
const QString SwapUuid = QStringLiteral("5f0a3a4e-7c2e-4b8e-9d7c-2a1f3e4d5c6b");
constexpr qint64 LuksDataOffsetSectors = 32768; // --offset given to luksFormat

using Values = QMap<QString, QString>;

// `blkid -p -o export`: NAME=value lines. DEVNAME names the file, so it is dropped.
Values blkidExport(const QString& blkid, const QString& path, qint64 offset = -1, qint64 size = -1)
{
    QStringList arguments{QStringLiteral("-p"), QStringLiteral("-o"), QStringLiteral("export")};
    if (offset >= 0)
        arguments << QStringLiteral("--offset") << QString::number(offset);
    if (size >= 0)
        arguments << QStringLiteral("--size") << QString::number(size);
    const ToolRun run = runTool(blkid, arguments << path);
    Values values;
    // Exit 2: nothing found (an empty map); anything else but 0 is a failure the caller sees.
    if (run.exitCode != 0 && run.exitCode != 2)
        values.insert(QStringLiteral("BLKID-FAILED"), QString::fromUtf8(run.err));
    for (const QByteArray& line : run.out.split('\n')) {
        const qsizetype equals = line.indexOf('=');
        if (equals > 0)
            values.insert(QString::fromUtf8(line.left(equals)), QString::fromUtf8(line.mid(equals + 1)));
    }
    values.remove(QStringLiteral("DEVNAME"));
    return values;
}

void writeAt(const QString& path, qint64 offset, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.seek(offset));
    QCOMPARE(file.write(bytes), bytes.size());
}

void makeEmpty(const QString& path, qint64 bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QVERIFY(file.resize(bytes));
}

} // namespace

class TestContentProbe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void plainImagesMatchBlkid_data();
    void plainImagesMatchBlkid();
    void partitionTablesMatchSfdisk_data();
    void partitionTablesMatchSfdisk();
    void gptWithOnlyBackupHeader();
    void insideLuks2Volume_data();
    void insideLuks2Volume();
    void wrongKeyLooksRandom();
    void readErrorNamesSector();
    void summaryAndJson();

private:
    QString tool(const QString& name);
    QString ext4Image(qint64 bytes, const QString& label);
    QString vfatImage(qint64 bytes, const QString& label);
    QString swapImage();
    QString luksImage();
    QString randomImage();
    QString zeroImage();
    // A disk with two 16 MiB partitions (ext4 "part-one", vfat "PARTTWO") under a dos or gpt label.
    QString partitionedImage(const QString& label);
    QString imageFor(const QString& kind);
    // The content probed through a FileDevice and a MemoryDevice holding the same bytes; both must agree.
    ContentDescription probeFile(const QString& path);
    void compareWithBlkid(const ContentDescription& content, const Values& reference);
    void compareWithSfdisk(const ContentDescription& content, const QString& path);

    QTemporaryDir m_dir;
    QHash<QString, QString> m_tools;
    int m_counter = 0;
};

QString TestContentProbe::tool(const QString& name)
{
    return m_tools.value(name);
}

void TestContentProbe::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // scripts/lib/setup.sh installs these; a missing one fails the test instead of skipping it.
    for (const QString& name :
         {QStringLiteral("blkid"), QStringLiteral("sfdisk"), QStringLiteral("mkfs.ext4"),
          QStringLiteral("mkfs.vfat"), QStringLiteral("mkswap"), QStringLiteral("cryptsetup")}) {
        const QString path = findTool(name);
        QVERIFY2(!path.isEmpty(),
                 qPrintable(name + QStringLiteral(" is not installed (scripts/lib/setup.sh)")));
        m_tools.insert(name, path);
    }
}

QString TestContentProbe::ext4Image(qint64 bytes, const QString& label)
{
    const QString path = m_dir.filePath(QStringLiteral("ext4-%1.img").arg(++m_counter));
    makeEmpty(path, bytes);
    const ToolRun run = runTool(tool(QStringLiteral("mkfs.ext4")),
                                {QStringLiteral("-q"), QStringLiteral("-F"), QStringLiteral("-L"), label,
                                 QStringLiteral("-U"), Ext4Uuid, path});
    return run.ok() ? path : QString();
}

QString TestContentProbe::vfatImage(qint64 bytes, const QString& label)
{
    const QString path = m_dir.filePath(QStringLiteral("vfat-%1.img").arg(++m_counter));
    makeEmpty(path, bytes);
    const ToolRun run =
        runTool(tool(QStringLiteral("mkfs.vfat")),
                {QStringLiteral("-n"), label, QStringLiteral("-i"), QStringLiteral("1234ABCD"), path});
    return run.ok() ? path : QString();
}

QString TestContentProbe::swapImage()
{
    const QString path = m_dir.filePath(QStringLiteral("swap.img"));
    makeEmpty(path, 16 * MiB);
    const ToolRun run = runTool(tool(QStringLiteral("mkswap")), {QStringLiteral("-L"), QStringLiteral("swp"),
                                                                 QStringLiteral("-U"), SwapUuid, path});
    return run.ok() ? path : QString();
}

QString TestContentProbe::luksImage()
{
    const QString path = m_dir.filePath(QStringLiteral("luks-header.img"));
    const QString keyFile = m_dir.filePath(QStringLiteral("header.key"));
    makeEmpty(path, 20 * MiB);
    writeAt(keyFile, 0, "header passphrase");
    const ToolRun run = runTool(tool(QStringLiteral("cryptsetup")),
                                {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                                 QStringLiteral("luks2"), QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
                                 QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000"),
                                 QStringLiteral("-d"), keyFile, path});
    return run.ok() ? path : QString();
}

QString TestContentProbe::randomImage()
{
    const QString path = m_dir.filePath(QStringLiteral("random.img"));
    QByteArray bytes(4 * MiB, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(bytes.data()), bytes.size() / 4);
    writeAt(path, 0, bytes);
    return path;
}

QString TestContentProbe::zeroImage()
{
    const QString path = m_dir.filePath(QStringLiteral("zero.img"));
    makeEmpty(path, 4 * MiB);
    return path;
}

QString TestContentProbe::partitionedImage(const QString& label)
{
    const QString path = m_dir.filePath(QStringLiteral("%1-%2.img").arg(label).arg(++m_counter));
    makeEmpty(path, 40 * MiB);
    const QByteArray script =
        label == u"gpt" ? QByteArrayLiteral("label: gpt\nsize=16MiB, type=L, name=\"first part\"\n"
                                            "size=16MiB, type=EBD0A0A2-B9E5-4433-87C0-68B99B26C7C7\n")
                        : QByteArrayLiteral("label: dos\nsize=16MiB, type=83\nsize=16MiB, type=c\n");
    const ToolRun run = runTool(tool(QStringLiteral("sfdisk")), {QStringLiteral("-q"), path}, script);
    if (!run.ok())
        return {};
    // Each filesystem is made in a file of the partition's size and copied to its start (2048 and
    // 34816 sectors, as sfdisk aligns them; checked against sfdisk --json by the test).
    const QString ext4 = ext4Image(16 * MiB, QStringLiteral("part-one"));
    const QString vfat = vfatImage(16 * MiB, QStringLiteral("PARTTWO"));
    if (ext4.isEmpty() || vfat.isEmpty())
        return {};
    writeAt(path, 2048 * 512, readFile(ext4));
    writeAt(path, 34816 * 512, readFile(vfat));
    return path;
}

QString TestContentProbe::imageFor(const QString& kind)
{
    if (kind == u"ext4")
        return ext4Image(64 * MiB, QStringLiteral("backup"));
    if (kind == u"vfat")
        return vfatImage(32 * MiB, QStringLiteral("MYVFAT"));
    if (kind == u"small-vfat")
        return vfatImage(2 * MiB, QStringLiteral("SMALL"));
    if (kind == u"small-ext4")
        return ext4Image(4 * MiB, QStringLiteral("tiny"));
    if (kind == u"swap")
        return swapImage();
    if (kind == u"luks2")
        return luksImage();
    if (kind == u"random")
        return randomImage();
    if (kind == u"zeros")
        return zeroImage();
    if (kind == u"gpt" || kind == u"dos")
        return partitionedImage(kind);
    return {};
}

ContentDescription TestContentProbe::probeFile(const QString& path)
{
    auto file = FileDevice::open(path, FileDevice::Access::ReadOnly);
    if (!file) {
        qWarning("%s", qPrintable(file.message()));
        return {};
    }
    auto fromFile = ContentProbe::probe(**file);
    if (!fromFile) {
        qWarning("%s", qPrintable(fromFile.message()));
        return {};
    }
    const QByteArray bytes = readFile(path);
    MemoryDevice memory(static_cast<uint64_t>(bytes.size()) / 512);
    memory.fill(0, bytes.constData(), static_cast<uint64_t>(bytes.size()) / 512 * 512);
    auto fromMemory = ContentProbe::probe(memory);
    if (!fromMemory || fromMemory->toJson() != fromFile->toJson()) {
        qWarning("memory and file devices disagree");
        return {};
    }
    return *fromFile;
}

void TestContentProbe::compareWithBlkid(const ContentDescription& content, const Values& reference)
{
    QVERIFY2(!reference.contains(QStringLiteral("BLKID-FAILED")),
             qPrintable(reference.value(QStringLiteral("BLKID-FAILED"))));
    if (reference.contains(QStringLiteral("TYPE"))) {
        QVERIFY2(content.signature, qPrintable(content.summary()));
        // Every value blkid printed, and nothing more (DEVNAME aside).
        QCOMPARE(content.signature->values, reference);
        QCOMPARE(content.signature->type, reference.value(QStringLiteral("TYPE")));
        QCOMPARE(content.signature->label, reference.value(QStringLiteral("LABEL")));
        QCOMPARE(content.signature->uuid, reference.value(QStringLiteral("UUID")));
        QCOMPARE(content.signature->version, reference.value(QStringLiteral("VERSION")));
        QCOMPARE(content.signature->usage, reference.value(QStringLiteral("USAGE")));
        if (reference.contains(QStringLiteral("FSSIZE")))
            QCOMPARE(content.signature->sizeBytes.value_or(0),
                     reference.value(QStringLiteral("FSSIZE")).toULongLong());
        else
            QVERIFY(!content.signature->sizeBytes);
    } else {
        QVERIFY2(!content.signature, qPrintable(content.summary()));
    }
    if (reference.contains(QStringLiteral("PTTYPE"))) {
        QVERIFY2(content.table, qPrintable(content.summary()));
        QCOMPARE(content.table->type, reference.value(QStringLiteral("PTTYPE")));
        QCOMPARE(content.table->id, reference.value(QStringLiteral("PTUUID")));
    } else {
        QVERIFY2(!content.table, qPrintable(content.summary()));
    }
    QCOMPARE(content.recognised(), !reference.isEmpty());
}

void TestContentProbe::compareWithSfdisk(const ContentDescription& content, const QString& path)
{
    const ToolRun run = runTool(tool(QStringLiteral("sfdisk")), {QStringLiteral("--json"), path});
    QVERIFY2(run.ok(), run.err.constData());
    const QJsonObject table = QJsonDocument::fromJson(run.out).object().value(u"partitiontable").toObject();
    const QJsonArray partitions = table.value(u"partitions").toArray();
    QVERIFY(content.table);
    QCOMPARE(content.table->type, table.value(u"label").toString());
    // sfdisk prints a dos id as "0x…" and a GPT id in upper case; blkid (and we) without 0x, lower case.
    QString id = table.value(u"id").toString().toLower();
    if (id.startsWith(QStringLiteral("0x")))
        id = id.mid(2);
    QCOMPARE(content.table->id, id);
    QCOMPARE(content.table->partitions.size(), partitions.size());
    for (qsizetype i = 0; i < partitions.size(); ++i) {
        const QJsonObject theirs = partitions.at(i).toObject();
        const PartitionInfo& ours = content.table->partitions.at(i);
        QCOMPARE(ours.number, int(i + 1));
        QCOMPARE(qint64(ours.startSector), theirs.value(u"start").toInteger());
        QCOMPARE(qint64(ours.sizeSectors), theirs.value(u"size").toInteger());
        if (content.table->type == u"gpt") {
            QCOMPARE(ours.type.toUpper(), theirs.value(u"type").toString());
            QCOMPARE(ours.uuid.toUpper(), theirs.value(u"uuid").toString());
            QCOMPARE(ours.name, theirs.value(u"name").toString());
        } else {
            QCOMPARE(ours.type.mid(2).toUInt(nullptr, 16),
                     theirs.value(u"type").toString().toUInt(nullptr, 16));
        }
        // The partition's contents against blkid probing that range of the image.
        const Values inside =
            blkidExport(tool(QStringLiteral("blkid")), path, theirs.value(u"start").toInteger() * 512,
                        theirs.value(u"size").toInteger() * 512);
        QVERIFY2(ours.contents, qPrintable(ours.summary()));
        QCOMPARE(ours.contents->values, inside);
    }
}

void TestContentProbe::plainImagesMatchBlkid_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expectedType");
    QTest::newRow("ext4") << QStringLiteral("ext4") << QStringLiteral("ext4");
    QTest::newRow("vfat") << QStringLiteral("vfat") << QStringLiteral("vfat");
    QTest::newRow("swap") << QStringLiteral("swap") << QStringLiteral("swap");
    QTest::newRow("luks2 header") << QStringLiteral("luks2") << QStringLiteral("crypto_LUKS");
    QTest::newRow("vfat smaller than the 8 MiB window")
        << QStringLiteral("small-vfat") << QStringLiteral("vfat");
    QTest::newRow("ext4 smaller than the 8 MiB window")
        << QStringLiteral("small-ext4") << QStringLiteral("ext4");
    QTest::newRow("random") << QStringLiteral("random") << QString();
    QTest::newRow("zeros") << QStringLiteral("zeros") << QString();
}

void TestContentProbe::plainImagesMatchBlkid()
{
    QFETCH(QString, kind);
    QFETCH(QString, expectedType);
    const QString path = imageFor(kind);
    QVERIFY2(!path.isEmpty(), "the tool could not make the image");
    const Values reference = blkidExport(tool(QStringLiteral("blkid")), path);
    // The tool itself must recognise what it was asked to make, or the comparison proves nothing.
    QCOMPARE(reference.value(QStringLiteral("TYPE")), expectedType);
    const ContentDescription content = probeFile(path);
    QCOMPARE(content.deviceBytes, uint64_t(QFileInfo(path).size()));
    compareWithBlkid(content, reference);
    if (kind == u"random")
        QCOMPARE(content.start, StartPattern::RandomLooking);
    if (kind == u"zeros")
        QCOMPARE(content.start, StartPattern::Zeros);
    if (kind == u"luks2") {
        const ToolRun uuid = runTool(tool(QStringLiteral("cryptsetup")), {QStringLiteral("luksUUID"), path});
        QCOMPARE(content.signature->uuid, QString::fromUtf8(uuid.out.trimmed()));
        QCOMPARE(content.signature->version, QStringLiteral("2"));
        QCOMPARE(content.signature->usage, QStringLiteral("crypto"));
    }
}

void TestContentProbe::partitionTablesMatchSfdisk_data()
{
    QTest::addColumn<QString>("label");
    QTest::newRow("gpt") << QStringLiteral("gpt");
    QTest::newRow("dos") << QStringLiteral("dos");
}

void TestContentProbe::partitionTablesMatchSfdisk()
{
    QFETCH(QString, label);
    const QString path = imageFor(label);
    QVERIFY2(!path.isEmpty(), "sfdisk or mkfs failed");
    const Values reference = blkidExport(tool(QStringLiteral("blkid")), path);
    QCOMPARE(reference.value(QStringLiteral("PTTYPE")), label);
    const ContentDescription content = probeFile(path);
    compareWithBlkid(content, reference);
    compareWithSfdisk(content, path);
    QCOMPARE(content.table->partitions.at(0).contents->type, QStringLiteral("ext4"));
    QCOMPARE(content.table->partitions.at(0).contents->label, QStringLiteral("part-one"));
    QCOMPARE(content.table->partitions.at(1).contents->type, QStringLiteral("vfat"));
    QCOMPARE(content.table->partitions.at(1).contents->label, QStringLiteral("PARTTWO"));
}

void TestContentProbe::gptWithOnlyBackupHeader()
{
    const QString path = imageFor(QStringLiteral("gpt"));
    QVERIFY(!path.isEmpty());
    // Wipe the primary GPT header (LBA 1) and its entries (LBA 2-33); the protective MBR and the
    // backup header with its entries at the end of the disk stay.
    writeAt(path, 512, QByteArray(33 * 512, '\0'));
    const Values reference = blkidExport(tool(QStringLiteral("blkid")), path);
    // libblkid falls back to the backup header (its gpt prober reads the last LBA when the primary fails).
    QCOMPARE(reference.value(QStringLiteral("PTTYPE")), QStringLiteral("gpt"));
    const ContentDescription content = probeFile(path);
    compareWithBlkid(content, reference);
    QVERIFY(content.table);
    QCOMPARE(content.table->partitions.size(), qsizetype(2));
    QCOMPARE(content.table->partitions.at(0).startSector, uint64_t(2048));
    QCOMPARE(content.table->partitions.at(0).name, QStringLiteral("first part"));
    QCOMPARE(content.table->partitions.at(1).contents->type, QStringLiteral("vfat"));
}

void TestContentProbe::insideLuks2Volume_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("ext4") << QStringLiteral("ext4");
    QTest::newRow("gpt with ext4 and vfat") << QStringLiteral("gpt");
    QTest::newRow("dos with ext4 and vfat") << QStringLiteral("dos");
    QTest::newRow("swap") << QStringLiteral("swap");
    QTest::newRow("nested luks2 header") << QStringLiteral("luks2");
    QTest::newRow("small vfat") << QStringLiteral("small-vfat");
}

void TestContentProbe::insideLuks2Volume()
{
    QFETCH(QString, kind);
    const QString plain = imageFor(kind);
    QVERIFY(!plain.isEmpty());
    const QByteArray bytes = readFile(plain);
    const Values reference = blkidExport(tool(QStringLiteral("blkid")), plain);
    QVERIFY(!reference.isEmpty());

    // cryptsetup formats the container with a volume key we chose, so the test can map the
    // payload with a crypt table of its own and write the plaintext through our crypt target.
    const QString container = m_dir.filePath(QStringLiteral("container-%1.img").arg(++m_counter));
    const QString keyFile = m_dir.filePath(QStringLiteral("container.key"));
    const QString volumeKeyFile = m_dir.filePath(QStringLiteral("volume.key"));
    QByteArray volumeKey(64, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(volumeKey.data()), 16);
    writeAt(keyFile, 0, "container passphrase");
    writeAt(volumeKeyFile, 0, volumeKey);
    makeEmpty(container, LuksDataOffsetSectors * 512 + bytes.size());
    const ToolRun format = runTool(
        tool(QStringLiteral("cryptsetup")),
        {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
         QStringLiteral("luks2"), QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
         QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000"), QStringLiteral("--cipher"),
         QStringLiteral("aes-xts-plain64"), QStringLiteral("--key-size"), QStringLiteral("512"),
         QStringLiteral("--offset"), QString::number(LuksDataOffsetSectors),
         QStringLiteral("--volume-key-file"), volumeKeyFile, QStringLiteral("-d"), keyFile, container});
    QVERIFY2(format.ok(), format.err.constData());

    DeviceRegistry registry;
    const QString line = QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 %3 %4")
                             .arg(bytes.size() / 512)
                             .arg(QString::fromLatin1(volumeKey.toHex()), QFileInfo(container).fileName())
                             .arg(LuksDataOffsetSectors);
    auto device = createDevice(registry, m_dir.path(), {line}, QStringLiteral("decrypted"));
    QVERIFY(device);
    QVERIFY(device->writeBytes(0, bytes.constData(), static_cast<uint64_t>(bytes.size())));
    QVERIFY(device->flush());

    auto content = ContentProbe::probe(*device);
    QVERIFY2(content, qPrintable(content.message()));
    compareWithBlkid(*content, reference);
    if (content->table)
        compareWithSfdisk(*content, plain);
    // The ciphertext itself is the LUKS2 container, as blkid sees it.
    auto outer = FileDevice::open(container, FileDevice::Access::ReadOnly);
    QVERIFY(outer);
    auto outerContent = ContentProbe::probe(**outer);
    QVERIFY(outerContent);
    compareWithBlkid(*outerContent, blkidExport(tool(QStringLiteral("blkid")), container));
    QCOMPARE(outerContent->signature->type, QStringLiteral("crypto_LUKS"));
}

void TestContentProbe::wrongKeyLooksRandom()
{
    const QString image = m_dir.filePath(QStringLiteral("wrong-key.img"));
    const QString ext4 = imageFor(QStringLiteral("small-ext4"));
    QVERIFY(!ext4.isEmpty());
    writeAt(image, 0, readFile(ext4));
    const QString keyA = QString(128, u'a');
    const QString keyB = QString(128, u'b');
    DeviceRegistry registry;
    auto writer =
        createDevice(registry, m_dir.path(),
                     {QStringLiteral("0 8192 crypt aes-xts-plain64 %1 0 wrong-key.img 0").arg(keyA)},
                     QStringLiteral("right"));
    QVERIFY(writer);
    const QByteArray bytes = readFile(ext4);
    QVERIFY(writer->writeBytes(0, bytes.constData(), static_cast<uint64_t>(bytes.size())));
    QVERIFY(writer->flush());
    auto right = ContentProbe::probe(*writer);
    QVERIFY(right);
    QCOMPARE(right->signature->type, QStringLiteral("ext4"));
    QVERIFY(registry.remove(QStringLiteral("right")));

    auto wrong = createDevice(registry, m_dir.path(),
                              {QStringLiteral("0 8192 crypt aes-xts-plain64 %1 0 wrong-key.img 0").arg(keyB)},
                              QStringLiteral("wrong"));
    QVERIFY(wrong);
    auto content = ContentProbe::probe(*wrong);
    QVERIFY(content);
    QVERIFY(!content->recognised());
    QCOMPARE(content->start, StartPattern::RandomLooking);
    QVERIFY(content->summary().contains(QStringLiteral("looks random")));
}

void TestContentProbe::readErrorNamesSector()
{
    DeviceRegistry registry;
    // The first 4 MiB read, then an error target: the probe's first window runs into it.
    auto device = registry.create(QStringLiteral("failing"),
                                  {QStringLiteral("0 8192 zero"), QStringLiteral("8192 8192 error")});
    QVERIFY(device);
    auto content = ContentProbe::probe(**device);
    QVERIFY(!content);
    QCOMPARE(content.status().code(), ErrorCode::IOError);
    QVERIFY2(content.message().startsWith(QStringLiteral("probe: ")), qPrintable(content.message()));
    QVERIFY2(content.message().contains(QStringLiteral("sector 8192")), qPrintable(content.message()));
}

void TestContentProbe::summaryAndJson()
{
    const QString path = imageFor(QStringLiteral("ext4"));
    QVERIFY(!path.isEmpty());
    const ContentDescription content = probeFile(path);
    QCOMPARE(content.summary(), QStringLiteral("ext4 \"backup\" ") + Ext4Uuid);
    const QJsonObject json = content.toJson();
    QCOMPARE(json.value(u"signature").toObject().value(u"type").toString(), QStringLiteral("ext4"));
    QCOMPARE(json.value(u"signature").toObject().value(u"uuid").toString(), Ext4Uuid);
    QCOMPARE(json.value(u"recognised").toBool(), true);
    QCOMPARE(humanSize(64 * MiB), QStringLiteral("64 MiB"));
    QCOMPARE(humanSize(3 * MiB / 2), QStringLiteral("1.5 MiB"));
    QCOMPARE(humanSize(512), QStringLiteral("512 B"));
}

QTEST_GUILESS_MAIN(TestContentProbe)
#include "TestContentProbe.moc"
