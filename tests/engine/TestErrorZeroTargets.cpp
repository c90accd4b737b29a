// error and zero targets: failures reported at the device's first failing sector, zero reads, dropped writes.
#include "TestDevices.h"
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr uint32_t Seed = 31;

QString ioErrorText(BioOp op, uint64_t sector)
{
    return QStringLiteral("t: %1 failed at sector %2: %3")
        .arg(QLatin1String(bioOpName(op)))
        .arg(sector)
        .arg(QLatin1String(bioStatusText(BioStatus::IoError)));
}

} // namespace

class TestErrorZeroTargets : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void errorTargetFailsReadsAtFirstSector();
    void errorTargetFailsWritesAndLeavesImage();
    void errorTargetFailsFlush();
    void readSpanningLinearAndErrorFailsAtErrorStart();
    void writeSpanningZeroAndErrorFailsAtErrorStart();
    void zeroTargetReadsZeros();
    void zeroTargetDropsWritesDiscardsAndFlushes();
    void readSpanningLinearAndZeroJoinsBoth();

private:
    std::shared_ptr<MappedDevice> create(const QStringList& table);

    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<DeviceRegistry> m_registry;
};

void TestErrorZeroTargets::init()
{
    QVERIFY(m_dir.isValid());
    m_path = createImage(m_dir.path(), QStringLiteral("a.img"), 64 * 512, Seed);
    m_registry = std::make_unique<DeviceRegistry>();
}

void TestErrorZeroTargets::cleanup()
{
    m_registry.reset();
}

std::shared_ptr<MappedDevice> TestErrorZeroTargets::create(const QStringList& table)
{
    return createDevice(*m_registry, m_dir.path(), table);
}

void TestErrorZeroTargets::errorTargetFailsReadsAtFirstSector()
{
    auto device = create({QStringLiteral("0 32 error")});
    QVERIFY(device);
    QByteArray buffer(4 * 512, Qt::Uninitialized);
    const Status status = device->readSectors(3, buffer.data(), 4 * 512);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::IOError);
    QCOMPARE(status.message(), ioErrorText(BioOp::Read, 3));
}

void TestErrorZeroTargets::errorTargetFailsWritesAndLeavesImage()
{
    // The error segment sits between two linear ones over the same image.
    auto device = create({QStringLiteral("0 8 linear a.img 0"), QStringLiteral("8 8 error"),
                          QStringLiteral("16 8 linear a.img 16")});
    QVERIFY(device);
    const QByteArray data = patternBytes(99, 0, 2 * 512);
    const QByteArray before = readFile(m_path, 8 * 512, 8 * 512);
    const Status status = device->writeSectors(10, data.constData(), 2 * 512);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::IOError);
    QCOMPARE(status.message(), ioErrorText(BioOp::Write, 10));
    QCOMPARE(readFile(m_path, 8 * 512, 8 * 512), before);
}

void TestErrorZeroTargets::errorTargetFailsFlush()
{
    auto device = create({QStringLiteral("0 8 linear a.img 0"), QStringLiteral("8 8 error")});
    QVERIFY(device);
    const Status status = device->flush();
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::IOError);
    QCOMPARE(status.message(),
             QStringLiteral("t: flush failed: %1").arg(QLatin1String(bioStatusText(BioStatus::IoError))));
}

void TestErrorZeroTargets::readSpanningLinearAndErrorFailsAtErrorStart()
{
    auto device = create({QStringLiteral("0 16 linear a.img 8"), QStringLiteral("16 16 error")});
    QVERIFY(device);
    QByteArray buffer(12 * 512, Qt::Uninitialized);
    Bio bio;
    bio.op = BioOp::Read;
    bio.sector = 10; // 10..21: linear up to 15, error from 16
    bio.data = reinterpret_cast<std::byte*>(buffer.data());
    bio.size = 12 * 512;
    const Status status = device->submitAndWait(bio);
    QVERIFY(!status);
    QCOMPARE(bio.status, BioStatus::IoError);
    QCOMPARE(bio.errorSector, uint64_t{16});
    QCOMPARE(status.message(), ioErrorText(BioOp::Read, 16));

    // Inside the error segment the first requested sector fails; the linear part alone succeeds.
    QVERIFY(!device->readSectors(20, buffer.data(), 512));
    QCOMPARE(device->readSectors(20, buffer.data(), 512).message(), ioErrorText(BioOp::Read, 20));
    QVERIFY(device->readSectors(10, buffer.data(), 6 * 512));
    QCOMPARE(buffer.left(6 * 512), patternBytes(Seed, 18 * 512, 6 * 512));
}

void TestErrorZeroTargets::writeSpanningZeroAndErrorFailsAtErrorStart()
{
    auto device =
        create({QStringLiteral("0 16 zero"), QStringLiteral("16 8 zero"), QStringLiteral("24 8 error")});
    QVERIFY(device);
    const QByteArray data(12 * 512, 'w');
    const Status status = device->writeSectors(14, data.constData(), 12 * 512); // 14..25
    QVERIFY(!status);
    QCOMPARE(status.message(), ioErrorText(BioOp::Write, 24));
}

void TestErrorZeroTargets::zeroTargetReadsZeros()
{
    auto device = create({QStringLiteral("0 64 zero")});
    QVERIFY(device);
    QByteArray buffer(8 * 512, '\xff');
    QVERIFY(device->readSectors(56, buffer.data(), 8 * 512));
    QCOMPARE(buffer, QByteArray(8 * 512, '\0'));
}

void TestErrorZeroTargets::zeroTargetDropsWritesDiscardsAndFlushes()
{
    auto device = create({QStringLiteral("0 16 linear a.img 0"), QStringLiteral("16 16 zero")});
    QVERIFY(device);
    const QByteArray before = fileDigest(m_path);
    const QByteArray data(4 * 512, 'z');
    QVERIFY(device->writeSectors(20, data.constData(), 4 * 512));
    QVERIFY(device->discard(16, 16));
    QVERIFY(device->flush());
    QCOMPARE(fileDigest(m_path), before);
    QByteArray buffer(4 * 512, Qt::Uninitialized);
    QVERIFY(device->readSectors(20, buffer.data(), 4 * 512));
    QCOMPARE(buffer, QByteArray(4 * 512, '\0'));
}

void TestErrorZeroTargets::readSpanningLinearAndZeroJoinsBoth()
{
    auto device = create({QStringLiteral("0 16 linear a.img 32"), QStringLiteral("16 16 zero")});
    QVERIFY(device);
    QByteArray buffer(8 * 512, '\x5a');
    QVERIFY(device->readSectors(12, buffer.data(), 8 * 512)); // 12..19
    QCOMPARE(buffer.left(4 * 512), patternBytes(Seed, 44 * 512, 4 * 512));
    QCOMPARE(buffer.mid(4 * 512), QByteArray(4 * 512, '\0'));
}

QTEST_GUILESS_MAIN(TestErrorZeroTargets)
#include "TestErrorZeroTargets.moc"
