// dm-flakey behaviour: up/down phases on a fake clock, error/drop features, corruption and flag masks.
#include "TestDevices.h"
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr uint32_t Seed = 11;
constexpr qsizetype ImageSectors = 128;

QByteArray image(uint64_t offset, qsizetype size)
{
    return patternBytes(Seed, offset, size);
}

// The byte value a corrupt_bio_byte feature writes: always different from the image's own byte.
uint32_t differentFrom(uint64_t offset)
{
    return static_cast<uint8_t>(image(offset, 1).at(0)) ^ 0xffu;
}

QString ioErrorText(BioOp op, uint64_t sector)
{
    return QStringLiteral("t: %1 failed at sector %2: %3")
        .arg(QLatin1String(bioOpName(op)))
        .arg(sector)
        .arg(QLatin1String(bioStatusText(BioStatus::IoError)));
}

int differingBytes(const QByteArray& a, const QByteArray& b)
{
    int count = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        count += a.at(i) != b.at(i);
    return count;
}

} // namespace

class TestFlakeyTarget : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void upPhasePassesReadsAndWrites();
    void downPhaseFailsReadsAndWritesByDefault();
    void downPhaseFailureNamesDeviceSector();
    void errorReadsOnlyFailsReads();
    void dropWritesReportsSuccessAndDropsData();
    void errorWritesFailsWritesOnly();
    void corruptReadByteChangesReturnedDataOnly();
    void corruptWriteByteChangesImageNotCallerBuffer();
    void randomReadCorruptChangesAtMostOneByte();
    void corruptFlagsMaskMatchesWriteFlags();
    void corruptFlagsMaskMatchesReadFlags();
    void cyclesUpDownUp();

private:
    std::shared_ptr<MappedDevice> create(const QStringList& table);
    void setSeconds(int64_t seconds) { m_seconds.store(seconds); }

    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<DeviceRegistry> m_registry;
    std::chrono::steady_clock::time_point m_epoch;
    std::atomic<int64_t> m_seconds{0};
};

void TestFlakeyTarget::init()
{
    QVERIFY(m_dir.isValid());
    m_path = createImage(m_dir.path(), QStringLiteral("f.img"), ImageSectors * 512, Seed);
    createImage(m_dir.path(), QStringLiteral("g.img"), 64 * 512, 12);
    m_epoch = std::chrono::steady_clock::now();
    m_seconds = 0;
    m_registry = std::make_unique<DeviceRegistry>();
    m_registry->setClock([this] { return m_epoch + std::chrono::seconds(m_seconds.load()); });
}

void TestFlakeyTarget::cleanup()
{
    m_registry.reset();
}

std::shared_ptr<MappedDevice> TestFlakeyTarget::create(const QStringList& table)
{
    return createDevice(*m_registry, m_dir.path(), table);
}

// Up for 10 s then down for 10 s throughout, unless a test says otherwise.
void TestFlakeyTarget::upPhasePassesReadsAndWrites()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10")});
    QVERIFY(device);
    setSeconds(9);
    QByteArray buffer(1024, Qt::Uninitialized);
    QVERIFY(device->readSectors(5, buffer.data(), 1024));
    QCOMPARE(buffer, image(5 * 512, 1024));
    const QByteArray data = patternBytes(77, 0, 1024);
    QVERIFY(device->writeSectors(3, data.constData(), 1024));
    QCOMPARE(readFile(m_path, 3 * 512, 1024), data);
}

void TestFlakeyTarget::downPhaseFailsReadsAndWritesByDefault()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10")});
    QVERIFY(device);
    const QByteArray before = fileDigest(m_path);
    setSeconds(10);
    QByteArray buffer(1024, 'x');
    Status status = device->readSectors(7, buffer.data(), 1024);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::IOError);
    QCOMPARE(status.message(), ioErrorText(BioOp::Read, 7));

    const QByteArray data = patternBytes(78, 0, 512);
    status = device->writeSectors(9, data.constData(), 512);
    QVERIFY(!status);
    QCOMPARE(status.message(), ioErrorText(BioOp::Write, 9));

    Bio bio;
    bio.op = BioOp::Read;
    bio.sector = 100;
    bio.data = reinterpret_cast<std::byte*>(buffer.data());
    bio.size = 512;
    QVERIFY(!device->submitAndWait(bio));
    QCOMPARE(bio.status, BioStatus::IoError);
    QCOMPARE(bio.errorSector, uint64_t{100});
    QCOMPARE(fileDigest(m_path), before);
}

void TestFlakeyTarget::downPhaseFailureNamesDeviceSector()
{
    // The flakey segment starts at device sector 16 and maps to f.img sector 32.
    auto device =
        create({QStringLiteral("0 16 linear g.img 0"), QStringLiteral("16 96 flakey f.img 32 10 10")});
    QVERIFY(device);
    setSeconds(15);
    QByteArray buffer(8 * 512, Qt::Uninitialized);
    const Status status = device->readSectors(12, buffer.data(), 8 * 512); // 12..19, flakey from 16
    QVERIFY(!status);
    QCOMPARE(status.message(), ioErrorText(BioOp::Read, 16));
    QVERIFY(device->readSectors(0, buffer.data(), 8 * 512));
}

void TestFlakeyTarget::errorReadsOnlyFailsReads()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10 1 error_reads")});
    QVERIFY(device);
    setSeconds(12);
    QByteArray buffer(512, Qt::Uninitialized);
    const Status status = device->readSectors(4, buffer.data(), 512);
    QVERIFY(!status);
    QCOMPARE(status.message(), ioErrorText(BioOp::Read, 4));
    const QByteArray data = patternBytes(79, 0, 512);
    QVERIFY(device->writeSectors(4, data.constData(), 512));
    QCOMPARE(readFile(m_path, 4 * 512, 512), data);
}

void TestFlakeyTarget::dropWritesReportsSuccessAndDropsData()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10 1 drop_writes")});
    QVERIFY(device);
    const QByteArray before = fileDigest(m_path);
    setSeconds(19);
    const QByteArray data = patternBytes(80, 0, 2048);
    QVERIFY(device->writeSectors(10, data.constData(), 2048));
    QVERIFY(device->flush());
    QCOMPARE(fileDigest(m_path), before);
    QByteArray buffer(2048, Qt::Uninitialized);
    QVERIFY(device->readSectors(10, buffer.data(), 2048));
    QCOMPARE(buffer, image(10 * 512, 2048));
}

void TestFlakeyTarget::errorWritesFailsWritesOnly()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10 1 error_writes")});
    QVERIFY(device);
    const QByteArray before = fileDigest(m_path);
    setSeconds(10);
    const QByteArray data = patternBytes(81, 0, 512);
    const Status status = device->writeSectors(20, data.constData(), 512);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::IOError);
    QCOMPARE(status.message(), ioErrorText(BioOp::Write, 20));
    QCOMPARE(fileDigest(m_path), before);
    QByteArray buffer(512, Qt::Uninitialized);
    QVERIFY(device->readSectors(20, buffer.data(), 512));
    QCOMPARE(buffer, image(20 * 512, 512));
}

void TestFlakeyTarget::corruptReadByteChangesReturnedDataOnly()
{
    // Byte 100 (1-based) of every read while down; a read at sector 4 returns image byte 4*512+99 there.
    const uint32_t value = differentFrom(4 * 512 + 99);
    auto device =
        create({QStringLiteral("0 128 flakey f.img 0 10 10 5 corrupt_bio_byte 100 r %1 0").arg(value)});
    QVERIFY(device);
    const QByteArray before = fileDigest(m_path);
    QByteArray buffer(1024, Qt::Uninitialized);
    QVERIFY(device->readSectors(4, buffer.data(), 1024));
    QCOMPARE(buffer, image(4 * 512, 1024)); // up: untouched

    setSeconds(10);
    QVERIFY(device->readSectors(4, buffer.data(), 1024));
    QByteArray expected = image(4 * 512, 1024);
    expected[99] = static_cast<char>(value);
    QCOMPARE(buffer, expected);
    QCOMPARE(fileDigest(m_path), before);
}

void TestFlakeyTarget::corruptWriteByteChangesImageNotCallerBuffer()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10 5 corrupt_bio_byte 1 w 0 0")});
    QVERIFY(device);
    setSeconds(10);
    QByteArray data = patternBytes(82, 0, 1024);
    data[0] = 'Q';
    const QByteArray original = data;
    QVERIFY(device->writeSectors(8, data.constData(), 1024));
    QCOMPARE(data, original);
    QByteArray expected = original;
    expected[0] = '\0';
    QCOMPARE(readFile(m_path, 8 * 512, 1024), expected);

    // Reads while down are not corrupted by a write-only feature.
    QByteArray buffer(1024, Qt::Uninitialized);
    QVERIFY(device->readSectors(8, buffer.data(), 1024));
    QCOMPARE(buffer, expected);
}

void TestFlakeyTarget::randomReadCorruptChangesAtMostOneByte()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 10 10 2 random_read_corrupt 1000000000")});
    QVERIFY(device);
    const QByteArray before = fileDigest(m_path);
    setSeconds(10);
    const QByteArray clean = image(0, 4096);
    int corruptedReads = 0;
    for (int i = 0; i < 32; ++i) {
        QByteArray buffer(4096, Qt::Uninitialized);
        QVERIFY(device->readSectors(0, buffer.data(), 4096));
        const int differing = differingBytes(buffer, clean);
        QVERIFY2(differing <= 1, qPrintable(QString::number(differing)));
        corruptedReads += differing;
    }
    // A random value equals the original byte with probability 1/256 per read.
    QVERIFY(corruptedReads > 0);
    QCOMPARE(fileDigest(m_path), before);
}

void TestFlakeyTarget::corruptFlagsMaskMatchesWriteFlags()
{
    // Only writes carrying FUA (and anything else) are corrupted.
    auto device = create(
        {QStringLiteral("0 128 flakey f.img 0 10 10 5 corrupt_bio_byte 2 w 170 %1").arg(BioFlag::Fua)});
    QVERIFY(device);
    setSeconds(10);
    QByteArray data = patternBytes(83, 0, 512);
    data[1] = 'x';
    QVERIFY(device->writeSectors(30, data.constData(), 512, 0));
    QCOMPARE(readFile(m_path, 30 * 512, 512), data);
    QVERIFY(device->writeSectors(31, data.constData(), 512, BioFlag::Sync));
    QCOMPARE(readFile(m_path, 31 * 512, 512), data);

    QByteArray corrupted = data;
    corrupted[1] = static_cast<char>(170);
    QVERIFY(device->writeSectors(32, data.constData(), 512, BioFlag::Fua));
    QCOMPARE(readFile(m_path, 32 * 512, 512), corrupted);
    QVERIFY(device->writeSectors(33, data.constData(), 512, BioFlag::Fua | BioFlag::Sync));
    QCOMPARE(readFile(m_path, 33 * 512, 512), corrupted);
}

void TestFlakeyTarget::corruptFlagsMaskMatchesReadFlags()
{
    const uint32_t mask = BioFlag::Sync | BioFlag::Fua;
    const uint32_t value = differentFrom(40 * 512);
    auto device = create(
        {QStringLiteral("0 128 flakey f.img 0 10 10 5 corrupt_bio_byte 1 r %1 %2").arg(value).arg(mask)});
    QVERIFY(device);
    setSeconds(10);
    auto read = [&device](uint32_t flags) {
        QByteArray buffer(512, Qt::Uninitialized);
        Bio bio;
        bio.op = BioOp::Read;
        bio.flags = flags;
        bio.sector = 40;
        bio.data = reinterpret_cast<std::byte*>(buffer.data());
        bio.size = 512;
        return device->submitAndWait(bio) ? buffer : QByteArray();
    };
    const QByteArray clean = image(40 * 512, 512);
    QByteArray corrupted = clean;
    corrupted[0] = static_cast<char>(value);
    QCOMPARE(read(0), clean);
    QCOMPARE(read(BioFlag::Sync), clean); // only part of the mask
    QCOMPARE(read(mask), corrupted);
    QCOMPARE(read(mask | BioFlag::PreFlush), corrupted);
}

void TestFlakeyTarget::cyclesUpDownUp()
{
    auto device = create({QStringLiteral("0 128 flakey f.img 0 2 3")});
    QVERIFY(device);
    QByteArray buffer(512, Qt::Uninitialized);
    // Period 5 s: up for [0, 2), down for [2, 5).
    const struct
    {
        int64_t second;
        bool up;
    } phases[] = {{0, true}, {1, true}, {2, false}, {4, false}, {5, true}, {6, true}, {7, false}, {10, true}};
    for (const auto& phase : phases) {
        setSeconds(phase.second);
        const bool ok = bool(device->readSectors(1, buffer.data(), 512));
        QVERIFY2(ok == phase.up, qPrintable(QStringLiteral("at %1 s").arg(phase.second)));
    }
}

QTEST_GUILESS_MAIN(TestFlakeyTarget)
#include "TestFlakeyTarget.moc"
