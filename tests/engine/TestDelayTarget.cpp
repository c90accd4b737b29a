// dm-delay behaviour: held bios and their counts, release on suspend, per-class devices/offsets, zero delays.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr uint32_t ReadSeed = 21;
constexpr uint32_t WriteSeed = 22;
constexpr uint32_t FlushSeed = 23;
using Clock = std::chrono::steady_clock;

// One asynchronous request and what its completion saw.
struct AsyncIo
{
    explicit AsyncIo(BioOp op, uint64_t sector = 0, qsizetype bytes = 0, uint32_t flags = 0)
        : buffer(bytes, '\0')
    {
        bio.op = op;
        bio.flags = flags;
        bio.sector = sector;
        bio.data = bytes ? reinterpret_cast<std::byte*>(buffer.data()) : nullptr;
        bio.size = static_cast<uint64_t>(bytes);
        bio.endIo = &AsyncIo::completed;
        bio.priv = this;
    }
    static void completed(Bio* bio)
    {
        auto* io = static_cast<AsyncIo*>(bio->priv);
        io->completedAt = Clock::now();
        io->done.store(true, std::memory_order_release);
    }
    bool isDone() const { return done.load(std::memory_order_acquire); }

    QByteArray buffer;
    Bio bio;
    std::atomic<bool> done{false};
    Clock::time_point completedAt;
};

QString info(const std::shared_ptr<MappedDevice>& device)
{
    return device->activeTable()->lines(StatusType::Info, false).join(u'|');
}

} // namespace

class TestDelayTarget : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void readIsHeldAndCounted();
    void suspendReleasesHeldReadAtOnce();
    void resumeDelaysAgain();
    void writeClassUsesItsDeviceAndOffset();
    void flushClassHoldsFlushesAndPreflushWrites();
    void zeroDelaysPassStraightThrough();
    void shortDelayCompletesNoEarlierThanDelay();

private:
    std::shared_ptr<MappedDevice> create(DeviceRegistry& registry, const QString& line);
    QString path(const char* name) const { return m_dir.filePath(QLatin1String(name)); }

    QTemporaryDir m_dir;
};

void TestDelayTarget::init()
{
    QVERIFY(m_dir.isValid());
    createImage(m_dir.path(), QStringLiteral("r.img"), 128 * 512, ReadSeed);
    createImage(m_dir.path(), QStringLiteral("w.img"), 128 * 512, WriteSeed);
    createImage(m_dir.path(), QStringLiteral("fl.img"), 128 * 512, FlushSeed);
}

std::shared_ptr<MappedDevice> TestDelayTarget::create(DeviceRegistry& registry, const QString& line)
{
    DeviceRegistry::CreateOptions options;
    options.baseDirectory = m_dir.path();
    auto device = registry.create(QStringLiteral("d"), {line}, options);
    if (!device)
        qWarning("create failed: %s", qPrintable(device.message()));
    return device ? device.value() : nullptr;
}

// Each test declares its AsyncIo objects before the registry, so a failing test still outlives them.

void TestDelayTarget::readIsHeldAndCounted()
{
    AsyncIo read(BioOp::Read, 2, 1024);
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 0 10000"));
    QVERIFY(device);
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0"));
    device->submit(&read.bio);
    QVERIFY(!read.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 1 0 0"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    QVERIFY(!read.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 1 0 0"));
    QVERIFY(registry.suspend(QStringLiteral("d")));
    QVERIFY(read.isDone());
}

void TestDelayTarget::suspendReleasesHeldReadAtOnce()
{
    AsyncIo first(BioOp::Read, 2, 1024);
    AsyncIo second(BioOp::Read, 60, 512);
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 10 10000"));
    QVERIFY(device);
    device->submit(&first.bio);
    device->submit(&second.bio);
    QCOMPARE(info(device), QStringLiteral("0 64 delay 2 0 0"));
    QVERIFY(!first.isDone() && !second.isDone());

    // suspend drains: both completions have run by the time it returns.
    QVERIFY(registry.suspend(QStringLiteral("d")));
    QVERIFY(first.isDone());
    QVERIFY(second.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0"));
    QCOMPARE(first.bio.status, BioStatus::Ok);
    QCOMPARE(first.buffer, patternBytes(ReadSeed, 12 * 512, 1024));
    QCOMPARE(second.bio.status, BioStatus::Ok);
    QCOMPARE(second.buffer, patternBytes(ReadSeed, 70 * 512, 512));
    QVERIFY(registry.resume(QStringLiteral("d")));
}

void TestDelayTarget::resumeDelaysAgain()
{
    AsyncIo before(BioOp::Read, 0, 512);
    AsyncIo after(BioOp::Read, 1, 512);
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 0 10000"));
    QVERIFY(device);
    device->submit(&before.bio);
    QVERIFY(registry.suspend(QStringLiteral("d")));
    QVERIFY(before.isDone());
    QVERIFY(registry.resume(QStringLiteral("d")));

    device->submit(&after.bio);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    QVERIFY(!after.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 1 0 0"));
    QVERIFY(registry.suspend(QStringLiteral("d")));
    QVERIFY(after.isDone());
    QCOMPARE(after.buffer, patternBytes(ReadSeed, 512, 512));
}

void TestDelayTarget::writeClassUsesItsDeviceAndOffset()
{
    const QByteArray data = patternBytes(90, 0, 1024);
    AsyncIo write(BioOp::Write, 5, 1024);
    write.buffer = data;
    write.bio.data = reinterpret_cast<std::byte*>(write.buffer.data());
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 0 0 w.img 32 10000"));
    QVERIFY(device);
    const QByteArray readImage = fileDigest(path("r.img"));
    const QByteArray writeImage = fileDigest(path("w.img"));

    device->submit(&write.bio);
    QVERIFY(!write.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 1 0"));
    QCOMPARE(fileDigest(path("w.img")), writeImage);

    // Reads use the read class: no delay, from r.img at offset 0, while the write is still held.
    QByteArray buffer(1024, Qt::Uninitialized);
    QVERIFY(device->readSectors(5, buffer.data(), 1024));
    QCOMPARE(buffer, patternBytes(ReadSeed, 5 * 512, 1024));
    QVERIFY(!write.isDone());

    QVERIFY(registry.suspend(QStringLiteral("d")));
    QVERIFY(write.isDone());
    QCOMPARE(write.bio.status, BioStatus::Ok);
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0"));
    QCOMPARE(readFile(path("w.img"), 37 * 512, 1024), data);
    QCOMPARE(fileDigest(path("r.img")), readImage);
}

void TestDelayTarget::flushClassHoldsFlushesAndPreflushWrites()
{
    const QByteArray plain = patternBytes(91, 0, 512);
    const QByteArray preflushed = patternBytes(92, 0, 512);
    AsyncIo flush(BioOp::Flush);
    AsyncIo write(BioOp::Write, 3, 512, BioFlag::PreFlush);
    write.buffer = preflushed;
    write.bio.data = reinterpret_cast<std::byte*>(write.buffer.data());
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 0 0 w.img 0 0 fl.img 16 10000"));
    QVERIFY(device);
    device->submit(&flush.bio);
    QVERIFY(!flush.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 1"));
    device->submit(&write.bio);
    QVERIFY(!write.isDone());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 2"));

    // A write without PREFLUSH goes through the (undelayed) write class to w.img.
    QVERIFY(device->writeSectors(2, plain.constData(), 512));
    QCOMPARE(readFile(path("w.img"), 2 * 512, 512), plain);

    QVERIFY(registry.suspend(QStringLiteral("d")));
    QVERIFY(flush.isDone());
    QVERIFY(write.isDone());
    QCOMPARE(flush.bio.status, BioStatus::Ok);
    QCOMPARE(write.bio.status, BioStatus::Ok);
    QCOMPARE(readFile(path("fl.img"), 19 * 512, 512), preflushed);
    QCOMPARE(readFile(path("w.img"), 3 * 512, 512), patternBytes(WriteSeed, 3 * 512, 512));
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0"));
}

void TestDelayTarget::zeroDelaysPassStraightThrough()
{
    AsyncIo read(BioOp::Read, 4, 512);
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 0 0 w.img 8 0 fl.img 16 0"));
    QVERIFY(device);
    device->submit(&read.bio);
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0")); // never held, even before completion
    QTRY_VERIFY(read.isDone());
    QCOMPARE(read.buffer, patternBytes(ReadSeed, 4 * 512, 512));

    const QByteArray data = patternBytes(93, 0, 512);
    QVERIFY(device->writeSectors(1, data.constData(), 512));
    QCOMPARE(readFile(path("w.img"), 9 * 512, 512), data);
    QVERIFY(device->writeSectors(1, data.constData(), 512, BioFlag::PreFlush));
    QCOMPARE(readFile(path("fl.img"), 17 * 512, 512), data);
    QVERIFY(device->flush());
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0"));
}

void TestDelayTarget::shortDelayCompletesNoEarlierThanDelay()
{
    AsyncIo read(BioOp::Read, 6, 512);
    DeviceRegistry registry;
    auto device = create(registry, QStringLiteral("0 64 delay r.img 0 50"));
    QVERIFY(device);
    const Clock::time_point submitted = Clock::now();
    device->submit(&read.bio);
    QTRY_VERIFY(read.isDone());
    QVERIFY(read.completedAt - submitted >= std::chrono::milliseconds(50));
    QCOMPARE(read.bio.status, BioStatus::Ok);
    QCOMPARE(read.buffer, patternBytes(ReadSeed, 6 * 512, 512));
    QCOMPARE(info(device), QStringLiteral("0 64 delay 0 0 0"));
}

QTEST_GUILESS_MAIN(TestDelayTarget)
#include "TestDelayTarget.moc"
