// The crypt data path under load: many threads doing verified random reads and writes through a
// crypt-on-crypt-on-linear stack, for every queue configuration and both sector sizes, with the
// async cipher mode switched on and off while they run. Nothing may be lost, duplicated or
// corrupted, and the metrics must show the path each configuration takes.
#include "TestImages.h"
#include "crypt/CryptTarget.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <random>
#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr int Workers = 4;
constexpr uint64_t SectorsPerWorker = 512;
const QString KeyA = QString(128, u'a');
const QString KeyB = QStringLiteral("0123456789abcdef").repeated(4);

struct Counters
{
    std::atomic<uint64_t> operations{0};
    std::atomic<uint64_t> mismatches{0};
    std::atomic<uint64_t> errors{0};
};

// Each worker owns a disjoint range, so what it reads must be what it last wrote there.
void worker(BlockDevice& device, int index, unsigned sectorSize, Counters& counters,
            const std::atomic<bool>& stop)
{
    const uint64_t step = sectorSize / 512;
    const uint64_t first = static_cast<uint64_t>(index) * SectorsPerWorker;
    std::vector<QByteArray> shadow(SectorsPerWorker / step);
    for (uint64_t s = 0; s < shadow.size(); ++s) {
        shadow[s] = QByteArray(static_cast<qsizetype>(sectorSize), Qt::Uninitialized);
        if (!device.readSectors(first + s * step, shadow[s].data(), sectorSize))
            ++counters.errors;
    }
    std::mt19937 random(static_cast<unsigned>(index) + 17);
    uint32_t generation = 0;
    const uint64_t units = shadow.size();
    while (!stop.load()) {
        // Sizes up to 160 KiB so that bios are split at the kernel's 128 KiB too.
        const uint64_t count = 1 + random() % std::min<uint64_t>(units / 2, 320 / step);
        const uint64_t at = random() % (units - count);
        const QByteArray data = patternBytes(static_cast<uint32_t>(index << 24) + ++generation, 0,
                                             static_cast<qsizetype>(count * sectorSize));
        if (!device.writeSectors(first + at * step, data.constData(), count * sectorSize)) {
            ++counters.errors;
            continue;
        }
        for (uint64_t s = 0; s < count; ++s)
            shadow[at + s] = data.mid(static_cast<qsizetype>(s * sectorSize), sectorSize);
        const uint64_t readCount = 1 + random() % (units / 2);
        const uint64_t readAt = random() % (units - readCount);
        QByteArray back(static_cast<qsizetype>(readCount * sectorSize), Qt::Uninitialized);
        if (!device.readSectors(first + readAt * step, back.data(), readCount * sectorSize)) {
            ++counters.errors;
            continue;
        }
        for (uint64_t s = 0; s < readCount; ++s) {
            if (back.mid(static_cast<qsizetype>(s * sectorSize), sectorSize) != shadow[readAt + s])
                ++counters.mismatches;
        }
        counters.operations += 2;
    }
}

CryptMetrics metricsOf(DeviceRegistry& registry, const QString& name)
{
    auto device = registry.find(name);
    return dynamic_cast<const CryptTarget*>(device->activeTable()->segments().front().target.get())
        ->metrics();
}

} // namespace

class TestCryptQueues : public QObject
{
    Q_OBJECT

private slots:
    void verifiedLoadWithAsyncToggling_data();
    void verifiedLoadWithAsyncToggling();
    void readsBeyondTheCloneLimitWaitOnTheIoQueue();
};

void TestCryptQueues::verifiedLoadWithAsyncToggling_data()
{
    QTest::addColumn<QString>("options");
    QTest::addColumn<unsigned>("sectorSize");
    const QStringList configurations = {
        QString(),
        QStringLiteral("no_read_workqueue"),
        QStringLiteral("no_write_workqueue"),
        QStringLiteral("no_read_workqueue no_write_workqueue"),
        QStringLiteral("submit_from_crypt_cpus"),
        QStringLiteral("same_cpu_crypt"),
    };
    for (unsigned sectorSize : {512u, 4096u}) {
        for (const QString& options : configurations) {
            const QString name = QStringLiteral("%1 %2")
                                     .arg(options.isEmpty() ? QStringLiteral("default") : options)
                                     .arg(sectorSize);
            QTest::newRow(qPrintable(name)) << options << sectorSize;
        }
    }
}

void TestCryptQueues::verifiedLoadWithAsyncToggling()
{
    QFETCH(QString, options);
    QFETCH(unsigned, sectorSize);
    QTemporaryDir dir;
    const uint64_t sectors = Workers * SectorsPerWorker;
    createImage(dir.path(), QStringLiteral("disk.img"), static_cast<qint64>(sectors + 4096) * 512, 1);
    DeviceRegistry registry;
    DeviceCreateOptions fileOptions;
    fileOptions.baseDirectory = dir.path();
    QStringList words = options.split(u' ', Qt::SkipEmptyParts);
    if (sectorSize != 512)
        words += QStringLiteral("sector_size:%1").arg(sectorSize);
    const QString optionText =
        words.isEmpty() ? QString() : QStringLiteral(" %1 ").arg(words.size()) + words.join(u' ');
    QVERIFY(registry.create(QStringLiteral("base"),
                            {QStringLiteral("0 %1 linear disk.img 2048").arg(sectors + 1024)}, fileOptions));
    auto lower = registry.create(
        QStringLiteral("lower"),
        {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 base 1024").arg(sectors).arg(KeyA) + optionText});
    QVERIFY2(lower, qPrintable(lower.message()));
    auto upper = registry.create(
        QStringLiteral("upper"),
        {QStringLiteral("0 %1 crypt aes-cbc-essiv:sha256 %2 0 lower 0").arg(sectors).arg(KeyB) + optionText});
    QVERIFY2(upper, qPrintable(upper.message()));

    Counters counters;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < Workers; ++i)
        threads.emplace_back(worker, std::ref(**upper), i, sectorSize, std::ref(counters), std::cref(stop));
    // Switch the async cipher on and off on both layers while the workers run.
    for (int round = 0; round < 8; ++round) {
        const uint64_t target = counters.operations.load() + 40;
        QTRY_VERIFY_WITH_TIMEOUT(counters.operations.load() >= target, 20000);
        const QString value = round % 2 ? QStringLiteral("off") : QStringLiteral("on");
        QVERIFY(registry.setEngineOption(round % 4 < 2 ? QStringLiteral("upper") : QStringLiteral("lower"),
                                         QStringLiteral("async"), value));
    }
    stop = true;
    for (auto& thread : threads)
        thread.join();
    QCOMPARE(counters.errors.load(), uint64_t{0});
    QCOMPARE(counters.mismatches.load(), uint64_t{0});

    const CryptMetrics upperMetrics = metricsOf(registry, QStringLiteral("upper"));
    const CryptMetrics lowerMetrics = metricsOf(registry, QStringLiteral("lower"));
    QTRY_COMPARE(metricsOf(registry, QStringLiteral("upper")).biosInFlight, int64_t{0});
    QCOMPARE(upperMetrics.errors, uint64_t{0});
    QVERIFY(upperMetrics.asyncQueue.items > 0);
    QVERIFY(lowerMetrics.asyncQueue.items > 0);
    QCOMPARE(upperMetrics.poolPagesInUse, uint64_t{0});
    // The path each configuration takes shows in the counters.
    const bool noRead = options.contains(QStringLiteral("no_read_workqueue"));
    const bool noWrite = options.contains(QStringLiteral("no_write_workqueue"));
    if (noWrite)
        QCOMPARE(upperMetrics.writeTree.items, uint64_t{0});
    else
        QVERIFY(upperMetrics.writeTree.items > 0);
    if (noRead && noWrite)
        QCOMPARE(upperMetrics.cryptQueue.items, uint64_t{0});
    else
        QVERIFY(upperMetrics.cryptQueue.items > 0);
}

void TestCryptQueues::readsBeyondTheCloneLimitWaitOnTheIoQueue()
{
    // 300 reads at once over a slow lower device: the first 256 get their clone in map, the rest
    // wait on kcryptd_io (map itself never waits), and every one returns the right plaintext.
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), 4 << 20, 3);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    QVERIFY(
        registry.create(QStringLiteral("slow"), {QStringLiteral("0 8192 delay disk.img 0 1000")}, options));
    auto crypt = registry.create(QStringLiteral("c"),
                                 {QStringLiteral("0 8192 crypt aes-xts-plain64 %1 0 slow 0").arg(KeyA)});
    QVERIFY(crypt);
    constexpr int Reads = 300;
    const QByteArray plain = patternBytes(77, 0, Reads * 512);
    QVERIFY((*crypt)->writeSectors(0, plain.constData(), Reads * 512));

    struct Pending
    {
        Bio bio;
        QByteArray buffer{512, Qt::Uninitialized};
        std::atomic<bool> done{false};
    };
    std::vector<std::unique_ptr<Pending>> reads;
    for (int i = 0; i < Reads; ++i) {
        auto pending = std::make_unique<Pending>();
        pending->bio.op = BioOp::Read;
        pending->bio.sector = static_cast<uint64_t>(i);
        pending->bio.data = reinterpret_cast<std::byte*>(pending->buffer.data());
        pending->bio.size = 512;
        pending->bio.priv = &pending->done;
        pending->bio.endIo = [](Bio* bio) {
            static_cast<std::atomic<bool>*>(bio->priv)->store(true);
        };
        reads.push_back(std::move(pending));
    }
    for (auto& pending : reads)
        (*crypt)->submit(&pending->bio);
    QCOMPARE(metricsOf(registry, QStringLiteral("c")).ioQueue.depth, int64_t{Reads - 256});
    for (int i = 0; i < Reads; ++i) {
        QTRY_VERIFY_WITH_TIMEOUT(reads[i]->done.load(), 10000);
        QCOMPARE(reads[i]->bio.status, BioStatus::Ok);
        QCOMPARE(reads[i]->buffer, plain.mid(i * 512, 512));
    }
    const CryptMetrics metrics = metricsOf(registry, QStringLiteral("c"));
    QCOMPARE(metrics.ioQueue.items, uint64_t{Reads - 256});
    QCOMPARE(metrics.ioQueue.peakDepth, int64_t{Reads - 256});
}

QTEST_GUILESS_MAIN(TestCryptQueues)
#include "TestCryptQueues.moc"
