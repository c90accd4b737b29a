// Load: threads doing verified random reads and writes through crypt-on-crypt-on-linear over an
// image file for a bounded time, while a control thread switches the async cipher on and off,
// reloads the crypt tables with other queue options (suspend, reload, resume, as dmsetup does) and
// suspends and resumes every device of the stack at random moments. Every sector carries its owner,
// its address and a generation number, so a lost, stale, misplaced or torn write shows; every bio
// must complete exactly once and nothing may fail.
//
// CRYPTSTACK_STRESS_SECONDS sets the duration (default 20 s; 6 s under ThreadSanitizer).
#include "TestImages.h"
#include "crypt/CryptTarget.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool UnderTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool UnderTsan = true;
#else
constexpr bool UnderTsan = false;
#endif
#else
constexpr bool UnderTsan = false;
#endif

constexpr int Workers = 8;
constexpr uint64_t SectorsPerWorker = 512;
constexpr uint64_t StackSectors = Workers * SectorsPerWorker;
constexpr uint64_t BaseOffset = 2048; // the linear device's offset into the image
constexpr uint64_t MaxRun = 96;       // sectors per request: 48 KiB, some crossing page boundaries
// Only detects a hung bio; a healthy one completes in milliseconds even while a device is
// suspended for a few.
constexpr std::chrono::seconds HangTimeout{60};

const QString KeyLower = QStringLiteral("5a").repeated(32) + QStringLiteral("a5").repeated(32);
const QString KeyUpper = QStringLiteral("0123456789abcdeffedcba9876543210").repeated(2);
const QStringList QueueOptions = {
    QString(),
    QStringLiteral(" 1 no_read_workqueue"),
    QStringLiteral(" 1 no_write_workqueue"),
    QStringLiteral(" 2 no_read_workqueue no_write_workqueue"),
    QStringLiteral(" 1 same_cpu_crypt"),
    QStringLiteral(" 1 submit_from_crypt_cpus"),
};

QString lowerLine(const QString& options)
{
    return QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 base 0").arg(StackSectors).arg(KeyLower) + options;
}

QString upperLine(const QString& options)
{
    return QStringLiteral("0 %1 crypt aes-cbc-essiv:sha256 %2 0 lower 0").arg(StackSectors).arg(KeyUpper) +
           options;
}

// A sector's contents: owner, generation and address in a header, then bytes derived from them.
void fillSector(std::byte* out, uint32_t owner, uint32_t generation, uint64_t sector)
{
    std::memcpy(out, &owner, 4);
    std::memcpy(out + 4, &generation, 4);
    std::memcpy(out + 8, &sector, 8);
    uint64_t state = (uint64_t{owner} << 40) ^ (uint64_t{generation} << 8) ^ sector ^ 0x9e3779b97f4a7c15ull;
    for (size_t i = 16; i < SectorSize; i += 8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::memcpy(out + i, &state, 8);
    }
}

struct Totals
{
    std::atomic<uint64_t> submitted{0};
    std::atomic<uint64_t> completed{0};
    std::atomic<uint64_t> reads{0};
    std::atomic<uint64_t> writes{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> failures{0};    // a bio that did not succeed
    std::atomic<uint64_t> corruptions{0}; // a sector that did not hold what was last written
    std::atomic<uint64_t> duplicates{0};  // an endIo that ran twice
};

// One request in flight at a time per worker, submitted with BlockDevice::submit and waited for.
class Request
{
public:
    explicit Request(Totals& totals) : m_totals(totals) {}

    BioStatus run(BlockDevice& device, BioOp op, uint64_t sector, std::byte* data, uint64_t sectors)
    {
        m_bio = Bio{};
        m_bio.op = op;
        m_bio.sector = sector;
        m_bio.data = data;
        m_bio.size = sectors << SectorShift;
        m_bio.endIo = &Request::endIo;
        m_bio.priv = this;
        {
            std::lock_guard lock(m_mutex);
            m_calls = 0;
        }
        m_totals.submitted.fetch_add(1);
        device.submit(&m_bio);
        std::unique_lock lock(m_mutex);
        if (!m_done.wait_for(lock, HangTimeout, [this] { return m_calls > 0; }))
            qFatal("a %s of sector %llu+%llu never completed", bioOpName(op),
                   static_cast<unsigned long long>(sector), static_cast<unsigned long long>(sectors));
        return m_bio.status;
    }

private:
    static void endIo(Bio* bio)
    {
        auto* self = static_cast<Request*>(bio->priv);
        self->m_totals.completed.fetch_add(1);
        std::lock_guard lock(self->m_mutex);
        if (++self->m_calls > 1)
            self->m_totals.duplicates.fetch_add(1);
        self->m_done.notify_one();
    }

    Totals& m_totals;
    Bio m_bio;
    std::mutex m_mutex;
    std::condition_variable m_done;
    int m_calls = 0;
};

// Each worker owns a disjoint range; its shadow says which generation each sector holds.
struct Worker
{
    uint32_t owner = 0;
    uint64_t first = 0;
    std::vector<uint32_t> generations; // 0: still the image's initial contents, unknown
};

void verifyRange(const Worker& worker, const std::byte* data, uint64_t at, uint64_t count, Totals& totals)
{
    std::byte expected[SectorSize];
    for (uint64_t s = 0; s < count; ++s) {
        const uint32_t generation = worker.generations[at + s];
        if (!generation)
            continue;
        fillSector(expected, worker.owner, generation, worker.first + at + s);
        if (std::memcmp(expected, data + s * SectorSize, SectorSize) != 0) {
            uint32_t found = 0;
            std::memcpy(&found, data + s * SectorSize + 4, 4);
            qWarning("worker %u: sector %llu holds generation %u, expected %u", worker.owner,
                     static_cast<unsigned long long>(worker.first + at + s), found, generation);
            totals.corruptions.fetch_add(1);
        }
    }
}

void runWorker(BlockDevice& device, Worker& worker, Totals& totals, const std::atomic<bool>& stop)
{
    std::mt19937_64 random(worker.owner * 7919ull + 3);
    Request request(totals);
    std::vector<std::byte> buffer(MaxRun * SectorSize);
    uint32_t generation = 0;
    while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t count = 1 + random() % MaxRun;
        const uint64_t at = random() % (SectorsPerWorker - count + 1);
        if (random() % 2) {
            ++generation;
            for (uint64_t s = 0; s < count; ++s)
                fillSector(buffer.data() + s * SectorSize, worker.owner, generation, worker.first + at + s);
            if (request.run(device, BioOp::Write, worker.first + at, buffer.data(), count) != BioStatus::Ok) {
                totals.failures.fetch_add(1);
                // What the sectors hold now is unknown: stop checking them.
                std::fill_n(worker.generations.begin() + static_cast<ptrdiff_t>(at), count, 0u);
                continue;
            }
            std::fill_n(worker.generations.begin() + static_cast<ptrdiff_t>(at), count, generation);
            totals.writes.fetch_add(1);
        } else {
            if (request.run(device, BioOp::Read, worker.first + at, buffer.data(), count) != BioStatus::Ok) {
                totals.failures.fetch_add(1);
                continue;
            }
            verifyRange(worker, buffer.data(), at, count, totals);
            totals.reads.fetch_add(1);
        }
        totals.bytes.fetch_add(count * SectorSize);
    }
}

int stressSeconds()
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("CRYPTSTACK_STRESS_SECONDS", &ok);
    if (ok && seconds > 0)
        return seconds;
    return UnderTsan ? 6 : 20;
}

} // namespace

class TestStressStack : public QObject
{
    Q_OBJECT

private slots:
    void verifiedLoadWhileTheStackIsReconfigured();
};

void TestStressStack::verifiedLoadWhileTheStackIsReconfigured()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    createImage(dir.path(), QStringLiteral("disk.img"), static_cast<qint64>(BaseOffset + StackSectors) * 512,
                23);
    DeviceRegistry registry;
    DeviceCreateOptions fileOptions;
    fileOptions.baseDirectory = dir.path();
    QVERIFY(registry.create(QStringLiteral("base"),
                            {QStringLiteral("0 %1 linear disk.img %2").arg(StackSectors).arg(BaseOffset)},
                            fileOptions));
    auto lower = registry.create(QStringLiteral("lower"), {lowerLine({})});
    QVERIFY2(lower, qPrintable(lower.message()));
    auto upper = registry.create(QStringLiteral("upper"), {upperLine({})});
    QVERIFY2(upper, qPrintable(upper.message()));
    BlockDevice& top = **upper;

    Totals totals;
    std::atomic<bool> stop{false};
    std::vector<Worker> workers(Workers);
    std::vector<std::thread> threads;
    for (int i = 0; i < Workers; ++i) {
        workers[i].owner = static_cast<uint32_t>(i + 1);
        workers[i].first = static_cast<uint64_t>(i) * SectorsPerWorker;
        workers[i].generations.assign(SectorsPerWorker, 0);
        threads.emplace_back(runWorker, std::ref(top), std::ref(workers[i]), std::ref(totals),
                             std::cref(stop));
    }

    // The control thread (this one): random reconfigurations at random intervals until the end.
    const int seconds = stressSeconds();
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + std::chrono::seconds(seconds);
    std::mt19937 random(12345);
    uint64_t toggles = 0;
    uint64_t reloads = 0;
    uint64_t suspends = 0;
    const QString crypts[] = {QStringLiteral("lower"), QStringLiteral("upper")};
    const QString everyDevice[] = {QStringLiteral("base"), QStringLiteral("lower"), QStringLiteral("upper")};
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2 + random() % 25));
        switch (random() % 3) {
        case 0: {
            const QString& name = crypts[random() % 2];
            const bool on = random() % 2;
            QVERIFY(registry.setEngineOption(name, QStringLiteral("async"),
                                             on ? QStringLiteral("on") : QStringLiteral("off")));
            ++toggles;
            break;
        }
        case 1: {
            const bool isUpper = random() % 2;
            const QString& name = crypts[isUpper];
            const QString& options = QueueOptions[random() % QueueOptions.size()];
            QVERIFY(registry.suspend(name));
            const Status reloaded =
                registry.reload(name, {isUpper ? upperLine(options) : lowerLine(options)});
            QVERIFY2(reloaded, qPrintable(reloaded.message()));
            QVERIFY(registry.resume(name));
            ++reloads;
            break;
        }
        default: {
            const QString& name = everyDevice[random() % 3];
            QVERIFY(registry.suspend(name));
            std::this_thread::sleep_for(std::chrono::milliseconds(random() % 10));
            QVERIFY(registry.resume(name));
            ++suspends;
            break;
        }
        }
    }
    stop = true;
    for (auto& thread : threads)
        thread.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    qInfo(
        "stress: %.1f s, %d threads, %llu reads + %llu writes (%llu MiB), %llu async toggles, %llu reloads, "
        "%llu suspend/resume cycles, %llu bios submitted, %llu completed, %llu corruptions, %llu failures",
        elapsed, Workers, static_cast<unsigned long long>(totals.reads.load()),
        static_cast<unsigned long long>(totals.writes.load()),
        static_cast<unsigned long long>(totals.bytes.load() >> 20), static_cast<unsigned long long>(toggles),
        static_cast<unsigned long long>(reloads), static_cast<unsigned long long>(suspends),
        static_cast<unsigned long long>(totals.submitted.load()),
        static_cast<unsigned long long>(totals.completed.load()),
        static_cast<unsigned long long>(totals.corruptions.load()),
        static_cast<unsigned long long>(totals.failures.load()));
    QCOMPARE(totals.corruptions.load(), uint64_t{0});
    QCOMPARE(totals.failures.load(), uint64_t{0});
    QCOMPARE(totals.duplicates.load(), uint64_t{0});
    QCOMPARE(totals.completed.load(), totals.submitted.load());
    QVERIFY(totals.reads.load() > 0);
    QVERIFY(totals.writes.load() > 0);
    QVERIFY(toggles > 0);
    QVERIFY(reloads > 0);
    QVERIFY(suspends > 0);

    for (const QString& name : crypts) {
        auto device = registry.find(name);
        const auto* crypt =
            dynamic_cast<const CryptTarget*>(device->activeTable()->segments().front().target.get());
        QTRY_COMPARE(crypt->metrics().biosInFlight, int64_t{0});
        QCOMPARE(crypt->metrics().poolPagesInUse, uint64_t{0});
        QCOMPARE(crypt->metrics().errors, uint64_t{0});
        QTRY_COMPARE(device->inFlight(), uint64_t{0});
    }

    // Every acknowledged write is on the image: read it back through a second stack of its own
    // mappings of the same bytes (no shared table, queue or cipher state with the one under load).
    QVERIFY(registry.create(QStringLiteral("ref-lower"),
                            {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 disk.img %3")
                                 .arg(StackSectors)
                                 .arg(KeyLower)
                                 .arg(BaseOffset)},
                            fileOptions));
    auto reference = registry.create(
        QStringLiteral("ref-upper"),
        {QStringLiteral("0 %1 crypt aes-cbc-essiv:sha256 %2 0 ref-lower 0").arg(StackSectors).arg(KeyUpper)});
    QVERIFY(reference);
    std::vector<std::byte> region(SectorsPerWorker * SectorSize);
    uint64_t checked = 0;
    for (const Worker& worker : workers) {
        QVERIFY((*reference)->readSectors(worker.first, region.data(), region.size()));
        verifyRange(worker, region.data(), 0, SectorsPerWorker, totals);
        checked += static_cast<uint64_t>(std::count_if(worker.generations.begin(), worker.generations.end(),
                                                       [](uint32_t g) { return g != 0; }));
    }
    QCOMPARE(totals.corruptions.load(), uint64_t{0});
    QVERIFY(checked > 0);
    qInfo("stress: %llu written sectors verified on the image through a separate mapping",
          static_cast<unsigned long long>(checked));
}

QTEST_GUILESS_MAIN(TestStressStack)
#include "TestStressStack.moc"
