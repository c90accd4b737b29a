// Faults injected below the crypt target reach the caller correctly: an error segment in the
// middle of a multi-segment table and a flakey device in its down window, under one crypt target
// and under crypt-on-crypt, in the default, no-workqueue and async-cipher modes, for reads and
// writes, one bio in flight or many. Every failed bio reports an I/O error and the first failing
// sector in the caller's address space; every bio reported successful really is on the image
// (read back through a second, fault-free mapping of the same bytes); every bio completes exactly
// once; repeated failing rounds do not grow memory; and suspend, reload, resume, remove and
// registry teardown work while failing I/O is in flight.
#include "BioBatch.h"
#include "ProcessMemory.h"
#include "TestDevices.h"
#include "TestImages.h"
#include "crypt/CryptTarget.h"
#include "dm/DeviceRegistry.h"
#include "workload/WorkloadRunner.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <random>
#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr uint32_t ImageSeed = 41;
constexpr uint64_t ImageSectors = 8192;
// The multi-segment table under the crypt target: linear | error | linear, an identity mapping of
// the image except for the hole.
constexpr uint64_t HoleStart = 2048;
constexpr uint64_t HoleSectors = 256;
constexpr uint64_t LowerSectors = 6144;
// Offsets of the crypt layers into what is below them, so translation errors cannot cancel out.
constexpr uint64_t LowerCryptOffset = 64;
constexpr uint64_t UpperCryptOffset = 32;
// Only detects hangs; a healthy run takes milliseconds.
constexpr std::chrono::seconds HangTimeout{60};

const QString KeyA = QStringLiteral("0f1e2d3c4b5a69788796a5b4c3d2e1f0").repeated(4);
const QString KeyB = QStringLiteral("00112233445566778899aabbccddeeff").repeated(2);

enum class Mode { Default, NoWorkqueues, Async };
enum class Fault { ErrorSegment, Flakey };

QString optionWords(Mode mode)
{
    return mode == Mode::NoWorkqueues ? QStringLiteral(" 2 no_read_workqueue no_write_workqueue") : QString();
}

CryptTarget* cryptOf(const std::shared_ptr<MappedDevice>& device)
{
    return dynamic_cast<CryptTarget*>(device->activeTable()->segments().front().target.get());
}

// Disjoint requests walking over [0, sectors), lengths up to 300 sectors (so some split at the
// crypt target's 128 KiB pieces), plus a few placed on the hole's edges when there is one.
std::vector<BioBatch::Request> layout(BioOp op, uint64_t sectors, uint32_t seed)
{
    std::mt19937 random(seed);
    std::vector<BioBatch::Request> requests;
    uint64_t at = random() % 8;
    while (at < sectors) {
        const uint64_t count = std::min<uint64_t>(1 + random() % 300, sectors - at);
        requests.push_back({op, at, count});
        at += count + random() % 24;
    }
    return requests;
}

} // namespace

class TestFaultInjection : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void faultsReachTheCallerWithTheirSector_data();
    void faultsReachTheCallerWithTheirSector();
    void failedWritesInTheDownWindowLeaveTheImageUntouched();
    void dropWritesAcknowledgesAndDrops();
    void workloadGeneratorStopsAtTheFault();
    void failingRoundsDoNotGrowMemory();
    void suspendReloadResumeDuringFailingIo();
    void removeAndTeardownDuringFailingIo();

private:
    // The stack under test, top device "top"; "ref" (and "ref2" over it for two layers) maps the
    // same image bytes with the same keys and no fault.
    void buildStack(Fault fault, Mode mode, bool twoLayers, const QString& flakeyFeatures = {});
    std::shared_ptr<MappedDevice> device(const QString& name) const { return m_registry->find(name); }
    BlockDevice& reference() const;
    uint64_t topSectors() const
    {
        return LowerSectors - LowerCryptOffset - (m_twoLayers ? UpperCryptOffset : 0);
    }
    // The hole in the top device's address space.
    uint64_t holeBegin() const { return HoleStart - LowerCryptOffset - (m_twoLayers ? UpperCryptOffset : 0); }
    uint64_t holeEnd() const { return holeBegin() + HoleSectors; }
    void setDown(bool down) { m_seconds.store(down ? 10 : 0); }
    // Checks every completed bio of the batch against the fault model.
    void checkBatch(const BioBatch& batch, Fault fault, bool down);
    void checkMetricsIdle();

    QTemporaryDir m_dir;
    std::unique_ptr<DeviceRegistry> m_registry;
    std::chrono::steady_clock::time_point m_epoch;
    std::atomic<int64_t> m_seconds{0};
    bool m_twoLayers = false;
};

void TestFaultInjection::init()
{
    QVERIFY(m_dir.isValid());
    createImage(m_dir.path(), QStringLiteral("disk.img"), ImageSectors * 512, ImageSeed);
    m_epoch = std::chrono::steady_clock::now();
    m_seconds = 0;
    m_registry = std::make_unique<DeviceRegistry>();
    // flakey is up for 10 s, then down for 10 s, on a clock only the test moves.
    m_registry->setClock([this] { return m_epoch + std::chrono::seconds(m_seconds.load()); });
}

void TestFaultInjection::cleanup()
{
    m_registry.reset();
}

void TestFaultInjection::buildStack(Fault fault, Mode mode, bool twoLayers, const QString& flakeyFeatures)
{
    m_twoLayers = twoLayers;
    const QString options = optionWords(mode);
    if (fault == Fault::ErrorSegment) {
        QVERIFY(createDevice(*m_registry, m_dir.path(),
                             {QStringLiteral("0 %1 linear disk.img 0").arg(HoleStart),
                              QStringLiteral("%1 %2 error").arg(HoleStart).arg(HoleSectors),
                              QStringLiteral("%1 %2 linear disk.img %1")
                                  .arg(HoleStart + HoleSectors)
                                  .arg(LowerSectors - HoleStart - HoleSectors)},
                             QStringLiteral("mid")));
    } else {
        QVERIFY(createDevice(*m_registry, m_dir.path(),
                             {QStringLiteral("0 %1 linear disk.img 0").arg(LowerSectors)},
                             QStringLiteral("base")));
        const QString features = flakeyFeatures.isEmpty() ? QString() : QStringLiteral(" ") + flakeyFeatures;
        QVERIFY(createDevice(*m_registry, m_dir.path(),
                             {QStringLiteral("0 %1 flakey base 0 10 10").arg(LowerSectors) + features},
                             QStringLiteral("mid")));
    }
    const uint64_t lowerCrypt = LowerSectors - LowerCryptOffset;
    const QString first = twoLayers ? QStringLiteral("c1") : QStringLiteral("top");
    QVERIFY(createDevice(*m_registry, m_dir.path(),
                         {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 mid %3")
                              .arg(lowerCrypt)
                              .arg(KeyA)
                              .arg(LowerCryptOffset) +
                          options},
                         first));
    QVERIFY(createDevice(*m_registry, m_dir.path(),
                         {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 disk.img %3")
                              .arg(lowerCrypt)
                              .arg(KeyA)
                              .arg(LowerCryptOffset)},
                         QStringLiteral("ref")));
    if (twoLayers) {
        const uint64_t upper = lowerCrypt - UpperCryptOffset;
        QVERIFY(createDevice(*m_registry, m_dir.path(),
                             {QStringLiteral("0 %1 crypt aes-cbc-essiv:sha256 %2 0 c1 %3")
                                  .arg(upper)
                                  .arg(KeyB)
                                  .arg(UpperCryptOffset) +
                              options},
                             QStringLiteral("top")));
        QVERIFY(createDevice(*m_registry, m_dir.path(),
                             {QStringLiteral("0 %1 crypt aes-cbc-essiv:sha256 %2 0 ref %3")
                                  .arg(upper)
                                  .arg(KeyB)
                                  .arg(UpperCryptOffset)},
                             QStringLiteral("ref2")));
    }
    if (mode == Mode::Async) {
        QVERIFY(m_registry->setEngineOption(QStringLiteral("top"), QStringLiteral("async"),
                                            QStringLiteral("on")));
        if (twoLayers)
            QVERIFY(m_registry->setEngineOption(QStringLiteral("c1"), QStringLiteral("async"),
                                                QStringLiteral("on")));
    }
}

BlockDevice& TestFaultInjection::reference() const
{
    return *device(m_twoLayers ? QStringLiteral("ref2") : QStringLiteral("ref"));
}

void TestFaultInjection::checkBatch(const BioBatch& batch, Fault fault, bool down)
{
    QCOMPARE(batch.completions(), batch.submitted());
    QCOMPARE(batch.duplicated(), uint64_t{0});
    for (size_t i = 0; i < batch.size(); ++i) {
        const BioBatch::Request& r = batch.request(i);
        const Bio& bio = batch.bio(i);
        const uint64_t end = r.sector + r.sectors;
        // The first failing sector of the request, if any, in the top device's address space.
        std::optional<uint64_t> firstFailing;
        if (fault == Fault::Flakey && down)
            firstFailing = r.sector;
        if (fault == Fault::ErrorSegment && r.sector < holeEnd() && end > holeBegin())
            firstFailing = std::max(r.sector, holeBegin());
        const QByteArray where = QStringLiteral("%1 %2+%3")
                                     .arg(QLatin1String(bioOpName(r.op)))
                                     .arg(r.sector)
                                     .arg(r.sectors)
                                     .toUtf8();
        if (firstFailing) {
            QVERIFY2(bio.status == BioStatus::IoError, where.constData());
            QVERIFY2(bio.errorSector == *firstFailing,
                     QByteArray(where + " reported sector " + QByteArray::number(bio.errorSector) +
                                ", expected " + QByteArray::number(*firstFailing))
                         .constData());
            continue;
        }
        QVERIFY2(bio.status == BioStatus::Ok, where.constData());
        // Acknowledged: the bytes are on the image, as a fault-free mapping of it shows.
        QByteArray onImage(static_cast<qsizetype>(r.sectors << SectorShift), Qt::Uninitialized);
        QVERIFY(reference().readSectors(r.sector, onImage.data(), r.sectors << SectorShift));
        if (r.op == BioOp::Write)
            QVERIFY2(onImage == batch.expectedWrite(i), where.constData());
        else
            QVERIFY2(batch.buffer(i) == onImage, where.constData());
    }
}

void TestFaultInjection::checkMetricsIdle()
{
    for (const QString& name : {QStringLiteral("top"), QStringLiteral("c1")}) {
        auto crypt = device(name);
        if (!crypt)
            continue;
        // The last completion counts itself out just after the caller's endIo ran.
        QTRY_COMPARE(cryptOf(crypt)->metrics().biosInFlight, int64_t{0});
        QCOMPARE(cryptOf(crypt)->metrics().poolPagesInUse, uint64_t{0});
        QTRY_COMPARE(crypt->inFlight(), uint64_t{0});
    }
}

void TestFaultInjection::faultsReachTheCallerWithTheirSector_data()
{
    QTest::addColumn<int>("fault");
    QTest::addColumn<int>("mode");
    QTest::addColumn<bool>("twoLayers");
    QTest::addColumn<bool>("many");
    const std::pair<Mode, const char*> modes[] = {
        {Mode::Default, "default"}, {Mode::NoWorkqueues, "no_workqueues"}, {Mode::Async, "async"}};
    for (Fault fault : {Fault::ErrorSegment, Fault::Flakey}) {
        for (const auto& [mode, modeName] : modes) {
            for (bool twoLayers : {false, true}) {
                for (bool many : {false, true}) {
                    const QString name = QStringLiteral("%1 %2 %3 %4")
                                             .arg(fault == Fault::Flakey ? "flakey" : "error-segment")
                                             .arg(QLatin1String(modeName))
                                             .arg(twoLayers ? "crypt-on-crypt" : "crypt")
                                             .arg(many ? "many-in-flight" : "one-in-flight");
                    QTest::newRow(qPrintable(name))
                        << static_cast<int>(fault) << static_cast<int>(mode) << twoLayers << many;
                }
            }
        }
    }
}

void TestFaultInjection::faultsReachTheCallerWithTheirSector()
{
    QFETCH(int, fault);
    QFETCH(int, mode);
    QFETCH(bool, twoLayers);
    QFETCH(bool, many);
    const auto kind = static_cast<Fault>(fault);
    buildStack(kind, static_cast<Mode>(mode), twoLayers);
    BlockDevice& top = *device(QStringLiteral("top"));
    QCOMPARE(top.sectors(), topSectors());

    auto run = [&](BioOp op, uint32_t seed, bool down) {
        std::vector<BioBatch::Request> requests = layout(op, topSectors(), seed);
        setDown(down);
        BioBatch batch(requests, seed);
        if (many) {
            batch.submitAll(top);
            QVERIFY2(batch.wait(HangTimeout), "a bio never completed");
        } else {
            QVERIFY2(batch.submitOneAtATime(top, HangTimeout), "a bio never completed");
        }
        setDown(false);
        checkBatch(batch, kind, down);
    };
    // Writes, then reads of what is there; with flakey once up and once down.
    run(BioOp::Write, 1000 + mode, false);
    if (QTest::currentTestFailed())
        return;
    run(BioOp::Read, 2000 + mode, false);
    if (QTest::currentTestFailed())
        return;
    if (kind == Fault::Flakey) {
        run(BioOp::Write, 3000 + mode, true);
        if (QTest::currentTestFailed())
            return;
        run(BioOp::Read, 4000 + mode, true);
        if (QTest::currentTestFailed())
            return;
    } else {
        const uint64_t b = holeBegin();
        const uint64_t e = holeEnd();
        // Exactly on the hole's edges, one covering it whole, and a 1 MiB bio split into 8 crypt
        // pieces of which two fail: the lowest failing sector must be reported, not the fastest.
        for (BioOp op : {BioOp::Write, BioOp::Read}) {
            const std::vector<BioBatch::Request>
                edges =
                    {
                        {op, b - 8, 8},      {op, b - 8, 9}, {op, b, 1},         {op, e - 1, 1},
                        {op, e - 1, 9},      {op, e, 8},     {op, b - 100, 400}, {op, b + 7, 3},
                        {op, b - 300, 2048}, // 1 MiB: 8 crypt pieces, the hole in the 2nd and 3rd
                    };
            for (const auto& request : edges) {
                BioBatch single({request}, 5000 + mode);
                if (many)
                    single.submitAll(top);
                else
                    QVERIFY(single.submitOneAtATime(top, HangTimeout));
                QVERIFY2(single.wait(HangTimeout), "a bio never completed");
                checkBatch(single, kind, false);
                if (QTest::currentTestFailed())
                    return;
            }
        }
    }
    checkMetricsIdle();
}

void TestFaultInjection::failedWritesInTheDownWindowLeaveTheImageUntouched()
{
    // flakey fails a write before it reaches the device: the image keeps the older data, and the
    // crypt layers never report success for it.
    for (Mode mode : {Mode::Default, Mode::NoWorkqueues, Mode::Async}) {
        cleanup();
        init();
        buildStack(Fault::Flakey, mode, true, QStringLiteral("2 error_reads error_writes"));
        BlockDevice& top = *device(QStringLiteral("top"));
        const QByteArray before = fileDigest(m_dir.path() + QStringLiteral("/disk.img"));
        setDown(true);
        BioBatch batch(layout(BioOp::Write, topSectors(), 7), 7);
        batch.submitAll(top);
        QVERIFY2(batch.wait(HangTimeout), "a bio never completed");
        checkBatch(batch, Fault::Flakey, true);
        QCOMPARE(fileDigest(m_dir.path() + QStringLiteral("/disk.img")), before);
        checkMetricsIdle();
        QVERIFY(cryptOf(device(QStringLiteral("c1")))->metrics().errors > 0);
    }
}

void TestFaultInjection::dropWritesAcknowledgesAndDrops()
{
    // The one documented exception, as in the kernel: flakey's drop_writes completes a write
    // successfully and throws it away. The table says so, and the image shows it.
    buildStack(Fault::Flakey, Mode::Default, false, QStringLiteral("1 drop_writes"));
    QVERIFY(device(QStringLiteral("mid"))
                ->activeTable()
                ->segments()
                .front()
                .target->status(StatusType::Table, false)
                .endsWith(QStringLiteral("1 drop_writes")));
    BlockDevice& top = *device(QStringLiteral("top"));
    const QString image = m_dir.path() + QStringLiteral("/disk.img");
    const QByteArray before = fileDigest(image);
    setDown(true);
    BioBatch batch(layout(BioOp::Write, topSectors(), 9), 9);
    batch.submitAll(top);
    QVERIFY(batch.wait(HangTimeout));
    QCOMPARE(batch.completions(), batch.submitted());
    for (size_t i = 0; i < batch.size(); ++i)
        QCOMPARE(batch.bio(i).status, BioStatus::Ok); // acknowledged ...
    QCOMPARE(fileDigest(image), before);              // ... and dropped
    checkMetricsIdle();
}

void TestFaultInjection::workloadGeneratorStopsAtTheFault()
{
    for (Mode mode : {Mode::Default, Mode::NoWorkqueues, Mode::Async}) {
        cleanup();
        init();
        buildStack(Fault::ErrorSegment, mode, true);
        BlockDevice& top = *device(QStringLiteral("top"));
        auto spec = WorkloadSpec::parse({"--rw", "randrw", "--bs", "4k", "--iodepth", "16", "--numjobs", "2",
                                         "--verify", "--size", "2M"});
        QVERIFY2(spec, qPrintable(spec.message()));
        WorkloadRunner runner;
        auto result = runner.run(top, *spec);
        QVERIFY2(result, qPrintable(result.message()));
        // The run ends at the first failure (it meets the hole sooner or later) and names it.
        QCOMPARE(result->status.code(), ErrorCode::IOError);
        QVERIFY(result->errors > 0);
        QCOMPARE(result->mismatches, uint64_t{0});
        const auto match =
            QRegularExpression(QStringLiteral("^top: (read|write) failed at sector (\\d+): I/O error$"))
                .match(result->status.message());
        QVERIFY2(match.hasMatch(), qPrintable(result->status.message()));
        const uint64_t sector = match.captured(2).toULongLong();
        QVERIFY2(sector >= holeBegin() && sector < holeEnd(), qPrintable(result->status.message()));
        checkMetricsIdle();
    }
}

void TestFaultInjection::failingRoundsDoNotGrowMemory()
{
    buildStack(Fault::ErrorSegment, Mode::Default, true);
    BlockDevice& top = *device(QStringLiteral("top"));
    uint64_t failed = 0;
    uint64_t operations = 0;
    auto round = [&](int index) {
        // Alternate the modes so every path's allocations are part of the steady state.
        const bool async = index % 3 == 1;
        for (const QString& name : {QStringLiteral("top"), QStringLiteral("c1")})
            QVERIFY(m_registry->setEngineOption(name, QStringLiteral("async"),
                                                async ? QStringLiteral("on") : QStringLiteral("off")));
        std::vector<BioBatch::Request> requests;
        for (uint64_t i = 0; i < 16; ++i) {
            const BioOp op = i % 2 ? BioOp::Read : BioOp::Write;
            // Half of them across the hole, half of them clear of it.
            const uint64_t at = i < 8 ? holeBegin() - 64 + i * 40 : i * 64;
            requests.push_back({op, at, 64 + (i % 4) * 80});
        }
        BioBatch batch(requests, 77);
        batch.submitAll(top);
        QVERIFY2(batch.wait(HangTimeout), "a bio never completed");
        QCOMPARE(batch.completions(), batch.submitted());
        QCOMPARE(batch.duplicated(), uint64_t{0});
        for (size_t i = 0; i < batch.size(); ++i)
            failed += batch.bio(i).status != BioStatus::Ok;
        operations += batch.size();
        checkMetricsIdle();
    };
    for (int i = 0; i < 30; ++i) {
        round(i);
        if (QTest::currentTestFailed())
            return;
    }
    const uint64_t rssBefore = ProcessMemory::residentBytes();
    const uint64_t heapBefore = ProcessMemory::heapInUseBytes();
    constexpr int Rounds = 300;
    for (int i = 0; i < Rounds; ++i) {
        round(i);
        if (QTest::currentTestFailed())
            return;
    }
    const uint64_t rssAfter = ProcessMemory::residentBytes();
    const uint64_t heapAfter = ProcessMemory::heapInUseBytes();
    qInfo("failing rounds: %llu bios, %llu failed; RSS %llu -> %llu KiB, heap in use %llu -> %llu KiB",
          static_cast<unsigned long long>(operations), static_cast<unsigned long long>(failed),
          static_cast<unsigned long long>(rssBefore >> 10), static_cast<unsigned long long>(rssAfter >> 10),
          static_cast<unsigned long long>(heapBefore >> 10),
          static_cast<unsigned long long>(heapAfter >> 10));
    QVERIFY(failed > 0);
    // 4800 bios after warm-up: leaking even 16 bytes per bio would pass 64 KiB of heap.
    QVERIFY2(heapAfter < heapBefore + (64 << 10), "heap in use grew across failing rounds");
    if (ProcessMemory::residentBytesTrackTheHeap())
        QVERIFY2(rssAfter < rssBefore + (4 << 20), "resident memory grew across failing rounds");
    else
        qInfo("RSS bound not applied under a sanitizer (quarantine, shadow memory); heap bound applied");
}

void TestFaultInjection::suspendReloadResumeDuringFailingIo()
{
    // A submitter keeps failing bios in flight; the top device is suspended (draining them), the
    // faulty device is replaced by a fault-free table (as dmsetup suspend/reload/resume), and the
    // bios held meanwhile then succeed.
    buildStack(Fault::Flakey, Mode::Default, true);
    auto top = device(QStringLiteral("top"));
    setDown(true);
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> failedBios{0};
    std::atomic<uint64_t> okBios{0};
    std::atomic<uint64_t> badReports{0};
    std::atomic<uint64_t> hung{0};
    std::thread submitter([&] {
        uint32_t seed = 100;
        while (!stop.load()) {
            BioBatch batch(layout(seed % 2 ? BioOp::Read : BioOp::Write, topSectors(), seed), seed);
            ++seed;
            batch.submitAll(*top);
            if (!batch.wait(HangTimeout)) {
                ++hung;
                return;
            }
            for (size_t i = 0; i < batch.size(); ++i) {
                const Bio& bio = batch.bio(i);
                if (bio.status == BioStatus::Ok) {
                    ++okBios;
                } else {
                    ++failedBios;
                    if (bio.status != BioStatus::IoError || bio.errorSector != batch.request(i).sector)
                        ++badReports;
                }
            }
            if (batch.duplicated() || batch.completions() != batch.submitted())
                ++badReports;
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(failedBios.load() > 200, 30000);
    QVERIFY(m_registry->suspend(QStringLiteral("top")));
    QCOMPARE(top->inFlight(), uint64_t{0});
    QVERIFY(m_registry->suspend(QStringLiteral("mid")));
    QVERIFY(
        m_registry->reload(QStringLiteral("mid"), {QStringLiteral("0 %1 linear base 0").arg(LowerSectors)}));
    QVERIFY(m_registry->resume(QStringLiteral("mid")));
    QTRY_VERIFY(top->heldCount() > 0);
    const uint64_t okBefore = okBios.load();
    QCOMPARE(okBefore, uint64_t{0});
    QVERIFY(m_registry->resume(QStringLiteral("top")));
    QTRY_VERIFY_WITH_TIMEOUT(okBios.load() > 200, 30000);
    stop = true;
    submitter.join();
    QCOMPARE(hung.load(), uint64_t{0});
    QCOMPARE(badReports.load(), uint64_t{0});
    checkMetricsIdle();
    // After the swap, a write is on the image again.
    BioBatch last(layout(BioOp::Write, topSectors(), 999), 999);
    last.submitAll(*top);
    QVERIFY(last.wait(HangTimeout));
    checkBatch(last, Fault::Flakey, false);
    qInfo("suspend/reload/resume: %llu bios failed before the reload, %llu succeeded after",
          static_cast<unsigned long long>(failedBios.load()), static_cast<unsigned long long>(okBios.load()));
}

void TestFaultInjection::removeAndTeardownDuringFailingIo()
{
    // Held bios of a removed suspended device fail; a registry destroyed while failing bios are in
    // flight (held up by a delay target) waits for them, and every one completes.
    buildStack(Fault::Flakey, Mode::Async, true);
    auto top = device(QStringLiteral("top"));
    setDown(true);
    {
        BioBatch inFlight(layout(BioOp::Write, topSectors(), 11), 11);
        inFlight.submitAll(*top);
        QVERIFY(m_registry->suspend(QStringLiteral("top"))); // drains: all of them failed
        QCOMPARE(inFlight.completions(), inFlight.submitted());
        BioBatch held(layout(BioOp::Read, topSectors(), 12), 12);
        held.submitAll(*top);
        QCOMPARE(top->heldCount(), uint64_t{held.size()});
        QVERIFY(m_registry->remove(QStringLiteral("top")));
        QVERIFY(held.wait(HangTimeout));
        QCOMPARE(held.completions(), held.submitted());
        QCOMPARE(held.duplicated(), uint64_t{0});
        for (size_t i = 0; i < held.size(); ++i) {
            QCOMPARE(held.bio(i).status, BioStatus::IoError);
            QCOMPARE(held.bio(i).errorSector, held.request(i).sector);
        }
    }
    top.reset();
    // Now a stack with a slow faulty bottom, torn down whole while bios are in it.
    cleanup();
    init();
    QVERIFY(createDevice(*m_registry, m_dir.path(),
                         {QStringLiteral("0 %1 flakey disk.img 0 10 10").arg(LowerSectors)},
                         QStringLiteral("fl")));
    QVERIFY(createDevice(*m_registry, m_dir.path(), {QStringLiteral("0 %1 delay fl 0 200").arg(LowerSectors)},
                         QStringLiteral("slow")));
    QVERIFY(
        createDevice(*m_registry, m_dir.path(),
                     {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 slow 0").arg(LowerSectors).arg(KeyA)},
                     QStringLiteral("c1")));
    QVERIFY(createDevice(*m_registry, m_dir.path(),
                         {QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 c1 0").arg(LowerSectors).arg(KeyA)},
                         QStringLiteral("top")));
    setDown(true);
    auto batch = std::make_unique<BioBatch>(layout(BioOp::Write, LowerSectors, 13), 13);
    auto reads = std::make_unique<BioBatch>(layout(BioOp::Read, LowerSectors, 14), 14);
    batch->submitAll(*device(QStringLiteral("top")));
    reads->submitAll(*device(QStringLiteral("top")));
    QVERIFY(device(QStringLiteral("slow"))->inFlight() > 0 || batch->completions() < batch->submitted());
    // Teardown on another thread, so a hang is reported instead of hanging the test run.
    std::atomic<bool> tornDown{false};
    std::thread teardown([&] {
        m_registry.reset();
        tornDown = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + HangTimeout;
    while (!tornDown.load()) {
        if (std::chrono::steady_clock::now() > deadline)
            qFatal("registry teardown hung with failing bios in flight");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    teardown.join();
    for (auto* b : {batch.get(), reads.get()}) {
        QVERIFY(b->wait(HangTimeout));
        QCOMPARE(b->completions(), b->submitted());
        QCOMPARE(b->duplicated(), uint64_t{0});
        for (size_t i = 0; i < b->size(); ++i) {
            QCOMPARE(b->bio(i).status, BioStatus::IoError);
            QCOMPARE(b->bio(i).errorSector, b->request(i).sector);
        }
    }
}

QTEST_GUILESS_MAIN(TestFaultInjection)
#include "TestFaultInjection.moc"
