// FileDevice and MemoryDevice: positional reads and writes, byte-granular helpers, range and
// read-only refusals, and completions on the device's own threads.
#include "TestImages.h"
#include "block/FileDevice.h"
#include "block/MemoryDevice.h"

#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

class TestBlockDevices : public QObject
{
    Q_OBJECT

private slots:
    void fileDeviceReadsAndWritesAtOffsets();
    void fileDeviceIgnoresTrailingPartialSector();
    void fileDeviceRefusesOutOfRange();
    void fileDeviceReadOnlyRefusesWrites();
    void fileDeviceCompletesOnItsOwnThread();
    void openMissingImageNamesIt();
    void byteHelpersReadModifyWriteEdges();
    void memoryDeviceOnThreadCompletes();

private:
    QTemporaryDir m_dir;
};

void TestBlockDevices::fileDeviceReadsAndWritesAtOffsets()
{
    const QString path = createImage(m_dir.path(), QStringLiteral("rw.img"), 1 << 20, 7);
    auto device = FileDevice::open(path);
    QVERIFY2(device, qPrintable(device.message()));
    QCOMPARE((*device)->sectors(), uint64_t{2048});

    QByteArray sector(512, Qt::Uninitialized);
    QVERIFY((*device)->readSectors(100, sector.data(), 512));
    QCOMPARE(sector, patternBytes(7, 100 * 512, 512));

    const QByteArray data = patternBytes(99, 0, 4096);
    QVERIFY((*device)->writeSectors(10, data.constData(), 4096));
    QVERIFY((*device)->flush());
    QCOMPARE(readFile(path, 10 * 512, 4096), data);
    QCOMPARE(readFile(path, 9 * 512, 512), patternBytes(7, 9 * 512, 512));
    QCOMPARE(readFile(path, 18 * 512, 512), patternBytes(7, 18 * 512, 512));
}

void TestBlockDevices::fileDeviceIgnoresTrailingPartialSector()
{
    const QString path = createImage(m_dir.path(), QStringLiteral("odd.img"), 512 * 3 + 100, 1);
    auto device = FileDevice::open(path);
    QVERIFY(device);
    QCOMPARE((*device)->sectors(), uint64_t{3});
}

void TestBlockDevices::fileDeviceRefusesOutOfRange()
{
    const QString path = createImage(m_dir.path(), QStringLiteral("small.img"), 4096, 2);
    const QByteArray before = fileDigest(path);
    auto device = FileDevice::open(path);
    QVERIFY(device);
    QByteArray buffer(1024, 'x');
    const Status status = (*device)->writeSectors(7, buffer.constData(), 1024);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::IOError);
    QVERIFY2(status.message().contains(QStringLiteral("beyond end of device")), qPrintable(status.message()));
    QVERIFY(!(*device)->readSectors(8, buffer.data(), 512));
    QCOMPARE(fileDigest(path), before);
}

void TestBlockDevices::fileDeviceReadOnlyRefusesWrites()
{
    const QString path = createImage(m_dir.path(), QStringLiteral("ro.img"), 4096, 3);
    const QByteArray before = fileDigest(path);
    auto device = FileDevice::open(path, FileDevice::Access::ReadOnly);
    QVERIFY(device);
    QVERIFY((*device)->isReadOnly());
    const QByteArray data(512, 'z');
    const Status status = (*device)->writeSectors(0, data.constData(), 512);
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QStringLiteral("read-only")), qPrintable(status.message()));
    QCOMPARE(fileDigest(path), before);
}

void TestBlockDevices::fileDeviceCompletesOnItsOwnThread()
{
    const QString path = createImage(m_dir.path(), QStringLiteral("thread.img"), 4096, 4);
    auto device = FileDevice::open(path);
    QVERIFY(device);
    struct Seen
    {
        std::thread::id thread;
        bool inCompletionContext = false;
        std::atomic<bool> done{false};
    } seen;
    QByteArray buffer(512, Qt::Uninitialized);
    Bio bio;
    bio.op = BioOp::Read;
    bio.data = reinterpret_cast<std::byte*>(buffer.data());
    bio.size = 512;
    bio.priv = &seen;
    bio.endIo = [](Bio* b) {
        auto* s = static_cast<Seen*>(b->priv);
        s->thread = std::this_thread::get_id();
        s->inCompletionContext = CompletionContextScope::active();
        s->done = true;
    };
    (*device)->submit(&bio);
    QTRY_VERIFY(seen.done.load());
    QVERIFY(seen.thread != std::this_thread::get_id());
    QVERIFY(seen.inCompletionContext);
    QVERIFY(!CompletionContextScope::active());
}

void TestBlockDevices::openMissingImageNamesIt()
{
    auto device = FileDevice::open(m_dir.filePath(QStringLiteral("absent.img")));
    QVERIFY(!device);
    QCOMPARE(device.status().code(), ErrorCode::NoSuchDevice);
    QVERIFY(device.message().contains(QStringLiteral("absent.img")));
}

void TestBlockDevices::byteHelpersReadModifyWriteEdges()
{
    MemoryDevice device(16);
    const QByteArray base = patternBytes(5, 0, 16 * 512);
    device.fill(0, base.constData(), static_cast<uint64_t>(base.size()));
    const QByteArray patch = patternBytes(6, 0, 1000);
    QVERIFY(device.writeBytes(700, patch.constData(), static_cast<uint64_t>(patch.size())));
    QByteArray expected = base;
    expected.replace(700, patch.size(), patch);
    const auto after = device.snapshot(0, 16 * 512);
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(after.data()), static_cast<qsizetype>(after.size())),
             expected);
    QByteArray back(1000, Qt::Uninitialized);
    QVERIFY(device.readBytes(700, back.data(), 1000));
    QCOMPARE(back, patch);
}

void TestBlockDevices::memoryDeviceOnThreadCompletes()
{
    MemoryDevice device(8, QStringLiteral("threaded"), true);
    const QByteArray data = patternBytes(8, 0, 4096);
    QVERIFY(device.writeSectors(0, data.constData(), 4096));
    QByteArray back(4096, Qt::Uninitialized);
    QVERIFY(device.readSectors(0, back.data(), 4096));
    QCOMPARE(back, data);
}

QTEST_GUILESS_MAIN(TestBlockDevices)
#include "TestBlockDevices.moc"
