// Teaching mode, the old design where map encrypts inline and waits for pool pages: with the
// kernel's bio-list rule a crypt device stacked on another with small pools deadlocks, the
// watchdog says who waits on what and breaks it, and teardown completes. The same stack and
// pools in the normal design never stall.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QString KeyA = QString(128, u'5');
const QString KeyB = QString(128, u'c');
constexpr uint64_t Sectors = 8192; // 4 MiB
constexpr uint64_t BioBytes = 1 << 20;

void buildStack(DeviceRegistry& registry, const QString& directory)
{
    DeviceCreateOptions options;
    options.baseDirectory = directory;
    QVERIFY(registry.create(QStringLiteral("base"), {QStringLiteral("0 %1 linear disk.img 0").arg(Sectors)},
                            options));
    QVERIFY(
        registry.create(QStringLiteral("lower"),
                        {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 base 0").arg(Sectors).arg(KeyA)}));
    QVERIFY(
        registry.create(QStringLiteral("upper"),
                        {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 lower 0").arg(Sectors).arg(KeyB)}));
    // The smallest pools allowed: one 128 KiB piece each.
    for (const QString& name : {QStringLiteral("lower"), QStringLiteral("upper")})
        QVERIFY(registry.setEngineOption(name, QStringLiteral("pool"), QStringLiteral("32")));
}

} // namespace

class TestTeachingMode : public QObject
{
    Q_OBJECT

private slots:
    void stackedTeachingModeDeadlocksAndWatchdogBreaksIt();
    void normalDesignWithSamePoolsNeverStalls();
    void suspendedDeviceStallIsReportedButLeftAlone();
};

void TestTeachingMode::stackedTeachingModeDeadlocksAndWatchdogBreaksIt()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), Sectors * 512, 2);
    std::atomic<int> reports{0};
    {
        DeviceRegistry registry;
        buildStack(registry, dir.path());
        registry.watchdog().setTimeout(std::chrono::milliseconds(500));
        registry.watchdog().setReporter([&reports](const QString&) { ++reports; });
        for (const QString& name : {QStringLiteral("lower"), QStringLiteral("upper")})
            QVERIFY(registry.setEngineOption(name, QStringLiteral("teaching"), QStringLiteral("on")));

        auto upper = registry.find(QStringLiteral("upper"));
        const QByteArray data = patternBytes(7, 0, BioBytes);
        // One 1 MiB write: map takes the pool's 32 pages for its first piece, submits that piece
        // to "lower" (queued on this thread's bio list until map returns), then waits for pages
        // that only that queued piece can give back.
        const Status status = upper->writeSectors(0, data.constData(), BioBytes);
        QVERIFY(!status);
        QCOMPARE(status.code(), ErrorCode::IOError);
        QCOMPARE(registry.watchdog().stallsBroken(), 1);
        const QString report = registry.watchdog().lastReport();
        QVERIFY2(report.contains(QStringLiteral("no bio completed for 0.5 s")), qPrintable(report));
        QVERIFY2(report.contains(
                     QStringLiteral("waits for pages of the page pool of \"upper\" (32 of 32 pages in use")),
                 qPrintable(report));
        QVERIFY2(report.contains(
                     QStringLiteral("queued on its bio list, not yet started: write lower sector 0+256")),
                 qPrintable(report));
        QVERIFY2(report.contains(QStringLiteral("Breaking it")), qPrintable(report));
        QTRY_VERIFY(reports.load() >= 1);
        // The piece that was not stuck did reach the disk below. In-flight counts down just after
        // the caller's completion has run (so drain means idle): the waiter may see it first.
        QTRY_COMPARE(upper->inFlight(), uint64_t{0});
    } // teardown completes
}

void TestTeachingMode::normalDesignWithSamePoolsNeverStalls()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), Sectors * 512, 2);
    DeviceRegistry registry;
    buildStack(registry, dir.path());
    registry.watchdog().setTimeout(std::chrono::milliseconds(500));
    auto upper = registry.find(QStringLiteral("upper"));
    // Several writers at once, each far larger than the pools.
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i) {
        writers.emplace_back([&, i] {
            const QByteArray data = patternBytes(static_cast<uint32_t>(10 + i), 0, BioBytes);
            for (int round = 0; round < 3; ++round) {
                if (!upper->writeSectors(static_cast<uint64_t>(i) * (BioBytes / 512), data.constData(),
                                         BioBytes))
                    ++failures;
            }
        });
    }
    for (auto& writer : writers)
        writer.join();
    QCOMPARE(failures.load(), 0);
    for (int i = 0; i < 4; ++i) {
        QByteArray back(BioBytes, Qt::Uninitialized);
        QVERIFY(upper->readSectors(static_cast<uint64_t>(i) * (BioBytes / 512), back.data(), BioBytes));
        QCOMPARE(back, patternBytes(static_cast<uint32_t>(10 + i), 0, BioBytes));
    }
    QCOMPARE(registry.watchdog().stallsBroken(), 0);
    QVERIFY(registry.watchdog().lastReport().isEmpty());
}

void TestTeachingMode::suspendedDeviceStallIsReportedButLeftAlone()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), Sectors * 512, 2);
    DeviceRegistry registry;
    buildStack(registry, dir.path());
    registry.watchdog().setTimeout(std::chrono::milliseconds(300));
    QVERIFY(registry.suspend(QStringLiteral("base")));
    auto upper = registry.find(QStringLiteral("upper"));
    const QByteArray data = patternBytes(21, 0, BioBytes);
    std::atomic<bool> done{false};
    Status result;
    std::thread writer([&] {
        result = upper->writeSectors(0, data.constData(), BioBytes);
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(registry.watchdog().lastReport().contains(QStringLiteral("Leaving it alone")),
                             5000);
    QVERIFY2(registry.watchdog().lastReport().contains(
                 QStringLiteral("suspended, holding their bios until resumed: base")),
             qPrintable(registry.watchdog().lastReport()));
    QVERIFY(!done.load());
    QVERIFY(registry.resume(QStringLiteral("base")));
    writer.join();
    QVERIFY2(result, qPrintable(result.message()));
    QCOMPARE(registry.watchdog().stallsBroken(), 0);
    // Nothing was left failing: the next write goes through too.
    QVERIFY(upper->writeSectors(2048, data.constData(), BioBytes));
    QByteArray back(BioBytes, Qt::Uninitialized);
    QVERIFY(upper->readSectors(0, back.data(), BioBytes));
    QCOMPARE(back, data);
}

QTEST_GUILESS_MAIN(TestTeachingMode)
#include "TestTeachingMode.moc"
