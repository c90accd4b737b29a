// Suspend drains in-flight bios and holds new ones; resume releases them; reload under load swaps
// tables without losing or corrupting a request. Many threads do verified I/O through a
// three-level stack while the main thread suspends, reloads and resumes.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr int Workers = 4;
constexpr uint64_t SectorsPerWorker = 256;

// Each worker owns a disjoint range of the top device, so what it reads must be what it wrote.
struct Worker
{
    std::atomic<uint64_t> completed{0};
    std::atomic<uint64_t> mismatches{0};
    std::atomic<uint64_t> errors{0};
};

void runWorker(BlockDevice& device, int index, Worker& stats, const std::atomic<bool>& stop)
{
    std::mt19937 random(static_cast<unsigned>(index) * 7919u + 1);
    const uint64_t first = static_cast<uint64_t>(index) * SectorsPerWorker;
    // What the worker's sectors should hold: the image's bytes until it overwrites them.
    std::vector<QByteArray> shadow(SectorsPerWorker, QByteArray(512, Qt::Uninitialized));
    for (uint64_t s = 0; s < SectorsPerWorker; ++s) {
        if (!device.readSectors(first + s, shadow[s].data(), 512))
            ++stats.errors;
    }
    uint32_t generation = 0;
    while (!stop.load()) {
        const uint64_t offset = random() % (SectorsPerWorker - 8);
        const uint64_t count = 1 + random() % 8;
        const QByteArray data = patternBytes(static_cast<uint32_t>(index * 100000) + ++generation, 0,
                                             static_cast<qsizetype>(count * 512));
        if (!device.writeSectors(first + offset, data.constData(), count * 512)) {
            ++stats.errors;
            continue;
        }
        for (uint64_t s = 0; s < count; ++s)
            shadow[offset + s] = data.mid(static_cast<qsizetype>(s * 512), 512);
        const uint64_t readAt = random() % (SectorsPerWorker - 8);
        QByteArray back(8 * 512, Qt::Uninitialized);
        if (!device.readSectors(first + readAt, back.data(), 8 * 512)) {
            ++stats.errors;
            continue;
        }
        for (uint64_t s = 0; s < 8; ++s) {
            if (back.mid(static_cast<qsizetype>(s * 512), 512) != shadow[readAt + s])
                ++stats.mismatches;
        }
        stats.completed += 2;
    }
}

uint64_t totalCompleted(const std::vector<std::unique_ptr<Worker>>& workers)
{
    uint64_t total = 0;
    for (const auto& worker : workers)
        total += worker->completed.load();
    return total;
}

} // namespace

class TestSuspendResume : public QObject
{
    Q_OBJECT

private slots:
    void suspendHoldsAndResumeReleases();
    void verifiedIoSurvivesSuspendReloadResume();
};

void TestSuspendResume::suspendHoldsAndResumeReleases()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), 1 << 20, 5);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    auto device = registry.create(QStringLiteral("d"), {QStringLiteral("0 2048 linear disk.img 0")}, options);
    QVERIFY(device);
    QVERIFY(registry.suspend(QStringLiteral("d")));

    std::atomic<bool> done{false};
    QByteArray buffer(512, Qt::Uninitialized);
    Bio bio;
    bio.op = BioOp::Read;
    bio.sector = 3;
    bio.data = reinterpret_cast<std::byte*>(buffer.data());
    bio.size = 512;
    bio.priv = &done;
    bio.endIo = [](Bio* b) {
        static_cast<std::atomic<bool>*>(b->priv)->store(true);
    };
    (*device)->submit(&bio);
    QCOMPARE((*device)->heldCount(), uint64_t{1});
    QCOMPARE((*device)->inFlight(), uint64_t{0});
    QTest::qWait(50);
    QVERIFY(!done.load());

    QVERIFY(registry.resume(QStringLiteral("d")));
    QTRY_VERIFY(done.load());
    QCOMPARE(bio.status, BioStatus::Ok);
    QCOMPARE(buffer, patternBytes(5, 3 * 512, 512));
    QCOMPARE((*device)->heldCount(), uint64_t{0});
}

void TestSuspendResume::verifiedIoSurvivesSuspendReloadResume()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), 4 << 20, 9);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    const uint64_t topSectors = Workers * SectorsPerWorker;
    QVERIFY(registry.create(
        QStringLiteral("base"),
        {QStringLiteral("0 2048 linear disk.img 4096"), QStringLiteral("2048 2048 linear disk.img 0")},
        options));
    QVERIFY(registry.create(QStringLiteral("mid"), {QStringLiteral("0 4096 linear base 0")}));
    QVERIFY(registry.create(QStringLiteral("top"), {QStringLiteral("0 %1 linear mid 1000").arg(topSectors)}));
    auto top = registry.find(QStringLiteral("top"));

    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<std::thread> threads;
    for (int i = 0; i < Workers; ++i) {
        workers.push_back(std::make_unique<Worker>());
        threads.emplace_back(runWorker, std::ref(*top), i, std::ref(*workers.back()), std::cref(stop));
    }

    const QStringList middleTables[] = {
        // Same mapping, split differently: data must stay where it was.
        {QStringLiteral("0 1500 linear base 0"), QStringLiteral("1500 2596 linear base 1500")},
        {QStringLiteral("0 4096 linear base 0")},
    };
    for (int round = 0; round < 12; ++round) {
        QTRY_VERIFY(totalCompleted(workers) > static_cast<uint64_t>(round) * 50);
        const QString name = round % 2 ? QStringLiteral("mid") : QStringLiteral("top");
        auto device = registry.find(name);
        QVERIFY(registry.suspend(name));
        // Drained: nothing in flight. Each worker's next request is then held, and once all of
        // them are, no request can complete until resume.
        QCOMPARE(device->inFlight(), uint64_t{0});
        QTRY_COMPARE(device->heldCount(), uint64_t{Workers});
        const uint64_t frozen = totalCompleted(workers);
        QTest::qWait(20);
        QCOMPARE(totalCompleted(workers), frozen);
        QCOMPARE(device->inFlight(), uint64_t{0});
        if (name == u"mid")
            QVERIFY(registry.reload(name, middleTables[round % 4 == 1 ? 0 : 1]));
        QVERIFY(registry.resume(name));
    }
    QTRY_VERIFY(totalCompleted(workers) > 2000);
    stop = true;
    for (auto& thread : threads)
        thread.join();
    for (const auto& worker : workers) {
        QCOMPARE(worker->errors.load(), uint64_t{0});
        QCOMPARE(worker->mismatches.load(), uint64_t{0});
    }
    // The last completion counts itself out just after waking its submitter.
    QTRY_COMPARE(top->inFlight(), uint64_t{0});
}

QTEST_GUILESS_MAIN(TestSuspendResume)
#include "TestSuspendResume.moc"
