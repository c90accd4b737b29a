// The workload generator: fio-style parsing and its errors, runs on memory and crypt devices,
// verify mode catching corrupted, stale and misplaced blocks, byte, time and rate bounds, cancel.
#include "TestImages.h"
#include "block/MemoryDevice.h"
#include "dm/DeviceRegistry.h"
#include "workload/BlockPermutation.h"
#include "workload/LatencyHistogram.h"
#include "workload/WorkloadRunner.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <set>
#include <thread>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QString Key = QStringLiteral("0123456789abcdef").repeated(8); // 128 hex digits: AES-256-XTS

QStringList words(const QString& text)
{
    return text.split(u' ', Qt::SkipEmptyParts);
}

WorkloadSpec spec(const QString& text)
{
    auto parsed = WorkloadSpec::parse(words(text));
    if (!parsed)
        qFatal("bad spec \"%s\": %s", qPrintable(text), qPrintable(parsed.message()));
    return *parsed;
}

// Runs and insists the run itself was accepted; the result's own status is for the caller.
WorkloadResult run(WorkloadRunner& runner, BlockDevice& device, const QString& text)
{
    auto result = runner.run(device, spec(text));
    if (!result)
        qFatal("run \"%s\" refused: %s", qPrintable(text), qPrintable(result.message()));
    return *result;
}

bool countsAddUp(const WorkloadResult& r)
{
    const uint64_t bs = r.spec.blockSize;
    return r.bytesRead == r.opsRead * bs && r.bytesWritten == r.opsWritten * bs &&
           r.bytes() == r.bytesRead + r.bytesWritten && r.ops() == r.opsRead + r.opsWritten &&
           r.latency.count == r.ops() + r.errors &&
           r.latency.count == r.readLatency.count + r.writeLatency.count;
}

bool flipByte(const QString& path, qint64 offset)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.seek(offset))
        return false;
    char byte = 0;
    if (!file.getChar(&byte) || !file.seek(offset))
        return false;
    return file.putChar(static_cast<char>(byte ^ 0x5a));
}

} // namespace

class TestWorkload : public QObject
{
    Q_OBJECT

private slots:
    void parseGood_data();
    void parseGood();
    void parseBad_data();
    void parseBad();
    void resolveAgainstDevice();

    void permutationCoversEveryBlock();
    void histogramPercentiles();

    void memoryDeviceRuns_data();
    void memoryDeviceRuns();
    void verifyCatchesCorruptStaleAndMisplacedBlocks();
    void mixedVerifyUnderLoad();
    void cryptDeviceRunAndVerify();
    void boundByBytes();
    void boundByTime();
    void rateLimit();
    void cancelAndProgress();
    void ioErrorStopsRun();
};

void TestWorkload::parseGood_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("summary");
    QTest::newRow("defaults") << QString() << QStringLiteral("rw=read bs=4096 iodepth=1 numjobs=1 offset=0");
    QTest::newRow("everything")
        << QStringLiteral(
               "--rw randrw --bs 8k --iodepth 16 --numjobs 4 --rwmixread 70 --size 64M --offset 1M "
               "--runtime 5s --rate-iops 1000 --verify --io_size 2M")
        << QStringLiteral("rw=randrw rwmixread=70 bs=8192 iodepth=16 numjobs=4 offset=1048576 size=67108864 "
                          "io_size=2097152 runtime=5000ms rate_iops=1000 verify");
    QTest::newRow("equals and underscores")
        << QStringLiteral("--rw=randwrite --bs=512 --io_size=1M --rate_iops=5")
        << QStringLiteral("rw=randwrite bs=512 iodepth=1 numjobs=1 offset=0 io_size=1048576 rate_iops=5");
    QTest::newRow("rw default mix") << QStringLiteral("--rw rw")
                                    << QStringLiteral(
                                           "rw=rw rwmixread=50 bs=4096 iodepth=1 numjobs=1 offset=0");
    QTest::newRow("fio aliases") << QStringLiteral("--readwrite write --blocksize 64k --runtime 250ms")
                                 << QStringLiteral(
                                        "rw=write bs=65536 iodepth=1 numjobs=1 offset=0 runtime=250ms");
    QTest::newRow("randread, bare seconds")
        << QStringLiteral("--rw randread --runtime 3 --offset 8s")
        << QStringLiteral("rw=randread bs=4096 iodepth=1 numjobs=1 offset=4096 "
                          "runtime=3000ms");
    QTest::newRow("minutes, last wins")
        << QStringLiteral("--runtime 1h --runtime 2m --iodepth 4096 --numjobs 256 --bs 512")
        << QStringLiteral("rw=read bs=512 iodepth=4096 numjobs=256 offset=0 "
                          "runtime=120000ms");
}

void TestWorkload::parseGood()
{
    QFETCH(QString, args);
    QFETCH(QString, summary);
    auto parsed = WorkloadSpec::parse(words(args));
    QVERIFY2(parsed, qPrintable(parsed.message()));
    QCOMPARE(parsed->summary(), summary);
}

void TestWorkload::parseBad_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("error");
    QTest::newRow("mode") << QStringLiteral("--rw readwrite")
                          << QStringLiteral(
                                 "--rw: expected read, write, randread, randwrite, rw or randrw, not "
                                 "\"readwrite\"");
    QTest::newRow("bs text") << QStringLiteral("--bs 4x")
                             << QStringLiteral("--bs: expected a byte count (4096, 4k, 1M), not \"4x\"");
    QTest::newRow("bs unaligned") << QStringLiteral("--bs=1000")
                                  << QStringLiteral(
                                         "--bs: expected a multiple of 512 bytes up to 16M, not \"1000\"");
    QTest::newRow("bs zero") << QStringLiteral("--bs 0")
                             << QStringLiteral("--bs: expected a multiple of 512 bytes up to 16M, not \"0\"");
    QTest::newRow("bs huge") << QStringLiteral("--bs 32M")
                             << QStringLiteral(
                                    "--bs: expected a multiple of 512 bytes up to 16M, not \"32M\"");
    QTest::newRow("iodepth zero") << QStringLiteral("--iodepth 0")
                                  << QStringLiteral(
                                         "--iodepth: expected a whole number from 1 to 4096, not \"0\"");
    QTest::newRow("numjobs sign") << QStringLiteral("--numjobs -2")
                                  << QStringLiteral(
                                         "--numjobs: expected a whole number from 1 to 256, not \"-2\"");
    QTest::newRow("rate zero") << QStringLiteral("--rate-iops 0")
                               << QStringLiteral("--rate-iops: expected a positive whole number, not \"0\"");
    QTest::newRow("mix range") << QStringLiteral("--rw randrw --rwmixread 101")
                               << QStringLiteral(
                                      "--rwmixread: expected a percentage from 0 to 100, not \"101\"");
    QTest::newRow("mix without rw") << QStringLiteral("--rwmixread 30 --rw randread")
                                    << QStringLiteral("--rwmixread: applies only to --rw rw or randrw");
    QTest::newRow("size zero") << QStringLiteral("--size 0")
                               << QStringLiteral(
                                      "--size: expected a positive byte count (64M, 1G), not \"0\"");
    QTest::newRow("offset text") << QStringLiteral("--offset=-1")
                                 << QStringLiteral(
                                        "--offset: expected a byte count (0, 4096, 1M), not \"-1\"");
    QTest::newRow("runtime unit") << QStringLiteral("--runtime 5x")
                                  << QStringLiteral(
                                         "--runtime: expected a duration (500ms, 5s, 2m, 1h), not \"5x\"");
    QTest::newRow("runtime zero") << QStringLiteral("--runtime 0s")
                                  << QStringLiteral(
                                         "--runtime: expected a duration (500ms, 5s, 2m, 1h), not \"0s\"");
    QTest::newRow("io_size partial block")
        << QStringLiteral("--io_size 5000")
        << QStringLiteral("--io-size: expected a positive multiple of --bs 4096, not \"5000\"");
    QTest::newRow("missing value") << QStringLiteral("--rw read --bs")
                                   << QStringLiteral("--bs: missing value");
    QTest::newRow("unknown option") << QStringLiteral("--direct 1")
                                    << QStringLiteral("unknown option \"--direct\"");
    QTest::newRow("stray word") << QStringLiteral("--rw read 4k")
                                << QStringLiteral("unexpected argument \"4k\"");
    QTest::newRow("verify value") << QStringLiteral("--verify=crc32c")
                                  << QStringLiteral("--verify: expected no value, not \"crc32c\"");
    QTest::newRow("buffers") << QStringLiteral("--bs 16M --iodepth 64 --numjobs 2")
                             << QStringLiteral("--iodepth 64 * --bs 16777216 * --numjobs 2 needs more than "
                                               "1073741824 bytes of buffers");
}

void TestWorkload::parseBad()
{
    QFETCH(QString, args);
    QFETCH(QString, error);
    auto parsed = WorkloadSpec::parse(words(args));
    QVERIFY(!parsed);
    QCOMPARE(parsed.status().code(), ErrorCode::InvalidArgument);
    QCOMPARE(parsed.message(), error);
}

void TestWorkload::resolveAgainstDevice()
{
    MemoryDevice device(64, QStringLiteral("mem")); // 32 KiB
    const auto resolveError = [&](const QString& args) {
        return spec(args).resolvedFor(device).message();
    };
    QCOMPARE(
        resolveError(QStringLiteral("--offset 100")),
        QStringLiteral("--offset: 100 is not a multiple of the logical block size of \"mem\" (512 bytes)"));
    QCOMPARE(resolveError(QStringLiteral("--offset 32k")),
             QStringLiteral("--offset: 32768 is at or past the end of \"mem\" (32768 bytes)"));
    QCOMPARE(resolveError(QStringLiteral("--offset 4k --size 30k")),
             QStringLiteral("--size: 30720 at offset 4096 reaches past the end of \"mem\" (32768 bytes)"));
    QCOMPARE(
        resolveError(QStringLiteral("--numjobs 9")),
        QStringLiteral("--numjobs: 9 threads need at least 9 blocks of 4096 bytes; the region of 32768 bytes "
                       "holds 8"));

    // Defaults: the rest of the device, one pass over it; a given bound replaces the pass.
    auto resolved = spec(QStringLiteral("--offset 8k --bs 2k")).resolvedFor(device);
    QVERIFY2(resolved, qPrintable(resolved.message()));
    QCOMPARE(resolved->size, std::optional<uint64_t>(24576));
    QCOMPARE(resolved->totalBytes, std::optional<uint64_t>(24576));
    resolved = spec(QStringLiteral("--runtime 1s --size 6k --bs 2k")).resolvedFor(device);
    QVERIFY2(resolved, qPrintable(resolved.message()));
    QCOMPARE(resolved->size, std::optional<uint64_t>(6144));
    QVERIFY(!resolved->totalBytes);

    // Writes need a writable device.
    DeviceRegistry registry;
    DeviceCreateOptions readOnly;
    readOnly.readOnly = true;
    auto ro = registry.create(QStringLiteral("ro"), {QStringLiteral("0 64 zero")}, readOnly);
    QVERIFY2(ro, qPrintable(ro.message()));
    WorkloadRunner runner;
    auto refused = runner.run(**ro, spec(QStringLiteral("--rw randrw")));
    QVERIFY(!refused);
    QCOMPARE(refused.status().code(), ErrorCode::InvalidArgument);
    QCOMPARE(refused.message(), QStringLiteral("--rw: randrw needs a writable device; \"ro\" is read-only"));
    auto reads = runner.run(**ro, spec(QStringLiteral("--rw read --bs 512")));
    QVERIFY2(reads, qPrintable(reads.message()));
    QCOMPARE(reads->opsRead, uint64_t{64});
}

void TestWorkload::permutationCoversEveryBlock()
{
    for (uint64_t count : {1ull, 2ull, 3ull, 17ull, 1000ull, 4097ull}) {
        for (uint64_t seed : {0ull, 7ull}) {
            const BlockPermutation permutation(count, seed);
            std::set<uint64_t> seen;
            for (uint64_t i = 0; i < count; ++i) {
                const uint64_t block = permutation.at(i);
                QVERIFY(block < count);
                seen.insert(block);
            }
            QCOMPARE(seen.size(), size_t(count));
        }
    }
    // Not the identity, and the seed matters.
    const BlockPermutation a(1000, 1);
    const BlockPermutation b(1000, 2);
    int moved = 0;
    int differ = 0;
    for (uint64_t i = 0; i < 1000; ++i) {
        moved += a.at(i) != i;
        differ += a.at(i) != b.at(i);
    }
    QVERIFY(moved > 900);
    QVERIFY(differ > 900);
}

void TestWorkload::histogramPercentiles()
{
    LatencyHistogram empty;
    QCOMPARE(empty.percentileNs(0.5), uint64_t{0});

    LatencyHistogram h;
    for (uint64_t v = 1; v <= 100000; ++v)
        h.record(v * 10); // 10 ns .. 1 ms, uniform
    QCOMPARE(h.count(), uint64_t{100000});
    QCOMPARE(h.maxNs(), uint64_t{1000000});
    const auto near = [](uint64_t value, double expected) {
        return std::abs(static_cast<double>(value) - expected) <= expected * 0.07;
    };
    QVERIFY2(near(h.percentileNs(0.50), 500000), qPrintable(QString::number(h.percentileNs(0.5))));
    QVERIFY2(near(h.percentileNs(0.99), 990000), qPrintable(QString::number(h.percentileNs(0.99))));
    QVERIFY2(near(h.percentileNs(0.999), 999000), qPrintable(QString::number(h.percentileNs(0.999))));
    QCOMPARE(h.percentileNs(1.0), uint64_t{1000000});

    LatencyHistogram small;
    small.record(3);
    small.record(3);
    small.record(12);
    QCOMPARE(small.percentileNs(0.5), uint64_t{3}); // below 16 ns the buckets are exact
    QCOMPARE(small.percentileNs(0.999), uint64_t{12});
    small.merge(h);
    QCOMPARE(small.count(), uint64_t{100003});
}

void TestWorkload::memoryDeviceRuns_data()
{
    QTest::addColumn<QString>("args");
    for (const char* rw : {"read", "write", "randread", "randwrite", "rw", "randrw"}) {
        for (const char* shape :
             {"--iodepth 1 --numjobs 1", "--iodepth 8 --numjobs 3", "--iodepth 32 --numjobs 2"}) {
            const QString args = QStringLiteral("--rw %1 %2 --bs 4k --io_size 3M")
                                     .arg(QLatin1String(rw), QLatin1String(shape));
            QTest::newRow(qPrintable(args)) << args;
        }
    }
    QTest::newRow("mixed 90% reads") << QStringLiteral(
        "--rw randrw --rwmixread 90 --numjobs 2 --iodepth 4 --bs 8k --io_size 4M");
    QTest::newRow("offset region, 512 bytes")
        << QStringLiteral("--rw randrw --offset 512k --size 64k --bs 512 --iodepth 16 --io_size 1M");
}

void TestWorkload::memoryDeviceRuns()
{
    QFETCH(QString, args);
    MemoryDevice device(4096, QStringLiteral("mem"), true); // 2 MiB, completions on their own thread
    WorkloadRunner runner;
    const WorkloadResult result = run(runner, device, args);
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.errors, uint64_t{0});
    QCOMPARE(result.bytes(), *result.spec.totalBytes);
    QVERIFY(countsAddUp(result));
    QCOMPARE(result.opsWritten == 0, !result.spec.writes());
    QCOMPARE(result.opsRead == 0, !result.spec.reads());
    if (result.spec.op == WorkloadOp::Mixed) {
        // The mix is drawn per request, so only roughly the share asked for.
        const double share = static_cast<double>(result.opsRead) / static_cast<double>(result.ops());
        QVERIFY2(std::abs(share - result.spec.readPercent / 100.0) < 0.1, qPrintable(QString::number(share)));
    }
    QVERIFY(result.latency.p50Ns <= result.latency.p99Ns);
    QVERIFY(result.latency.p99Ns <= result.latency.p999Ns);
    QVERIFY(result.latency.p999Ns <= result.latency.maxNs);
    QVERIFY(result.elapsed.count() > 0);
    QVERIFY(result.mbPerSecond() > 0);
    QVERIFY(!result.toText().isEmpty());
    QCOMPARE(result.toJson().value(QStringLiteral("bytes")).toInteger(), qint64(result.bytes()));

    const WorkloadProgress progress = runner.progress();
    QVERIFY(!progress.running);
    QCOMPARE(progress.inFlight, int64_t{0});
    QCOMPARE(progress.bytesRead + progress.bytesWritten, result.bytes());
    QCOMPARE(progress.elapsed.count(), result.elapsed.count());
}

void TestWorkload::verifyCatchesCorruptStaleAndMisplacedBlocks()
{
    MemoryDevice device(2048, QStringLiteral("mem"), true); // 1 MiB = 256 blocks of 4 KiB
    constexpr uint64_t Bs = 4096;
    WorkloadRunner runner;
    const QString write = QStringLiteral("--rw write --bs 4k --iodepth 4 --numjobs 2 --verify");
    const QString read = QStringLiteral("--rw randread --bs 4k --iodepth 4 --numjobs 2 --verify");

    WorkloadResult result = run(runner, device, write);
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.opsWritten, uint64_t{256});
    result = run(runner, device, read);
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.verifiedReads, uint64_t{256});
    QCOMPARE(result.mismatches, uint64_t{0});

    // A flipped payload byte.
    std::vector<std::byte> block37 = device.snapshot(37 * Bs, Bs);
    std::vector<std::byte> corrupt = block37;
    corrupt[100] ^= std::byte{0x01};
    device.fill(37 * Bs, corrupt.data(), Bs);
    result = run(runner, device, read);
    QCOMPARE(result.status.code(), ErrorCode::Corruption);
    QCOMPARE(result.status.message(),
             QStringLiteral("mem: verify failed at offset 151552: checksum mismatch"));
    QCOMPARE(result.mismatches, uint64_t{1});
    QVERIFY(countsAddUp(result));
    // A fresh runner knows no generations but still checks each block's header and checksum.
    WorkloadRunner fresh;
    result = run(fresh, device, read);
    QCOMPARE(result.status.message(),
             QStringLiteral("mem: verify failed at offset 151552: checksum mismatch"));
    device.fill(37 * Bs, block37.data(), Bs);

    // A stale block: well-formed, but from the write before the last one.
    const std::vector<std::byte> block5 = device.snapshot(5 * Bs, Bs);
    result = run(runner, device, write);
    QVERIFY2(result.status, qPrintable(result.status.message()));
    device.fill(5 * Bs, block5.data(), Bs);
    result = run(runner, device, read);
    QCOMPARE(result.status.message(),
             QStringLiteral("mem: verify failed at offset 20480: generation mismatch (expected 2, found 1)"));
    QCOMPARE(result.mismatches, uint64_t{1});

    // A misplaced block: block 6's contents landed on block 7.
    result = run(runner, device, write); // generation 3 everywhere
    QVERIFY2(result.status, qPrintable(result.status.message()));
    const std::vector<std::byte> block6 = device.snapshot(6 * Bs, Bs);
    device.fill(7 * Bs, block6.data(), Bs);
    result = run(runner, device, read);
    QCOMPARE(result.status.message(),
             QStringLiteral("mem: verify failed at offset 28672: offset mismatch (the block says 24576)"));

    // A region never written with --verify has no headers at all.
    MemoryDevice blank(256, QStringLiteral("blank"));
    result = run(fresh, blank, QStringLiteral("--rw read --verify"));
    QCOMPARE(result.status.message(),
             QStringLiteral("blank: verify failed at offset 0: no verify header (bad magic)"));
    QCOMPARE(result.opsRead, uint64_t{1});
    QCOMPARE(result.mismatches, uint64_t{1});
}

void TestWorkload::mixedVerifyUnderLoad()
{
    // Many small blocks, deep queues, reads and writes of the same blocks racing across passes:
    // a read must never overlap a write of its block, or it could see either version.
    MemoryDevice device(512, QStringLiteral("mem"), true); // 64 blocks of 4 KiB
    WorkloadRunner runner;
    for (const char* rw : {"randrw", "rw"}) {
        const WorkloadResult result =
            run(runner, device,
                QStringLiteral("--rw %1 --bs 4k --iodepth 16 --numjobs 4 --io_size 8M --verify")
                    .arg(QLatin1String(rw)));
        QVERIFY2(result.status, qPrintable(result.status.message()));
        QCOMPARE(result.mismatches, uint64_t{0});
        QCOMPARE(result.bytes(), uint64_t{8} << 20);
        QVERIFY(result.verifiedReads > 0);
        QVERIFY(countsAddUp(result));
    }
    // The same runner remembers the generations: a verify-read afterwards checks them all.
    const WorkloadResult check =
        run(runner, device, QStringLiteral("--rw read --bs 4k --numjobs 4 --verify"));
    QVERIFY2(check.status, qPrintable(check.status.message()));
    QCOMPARE(check.verifiedReads, uint64_t{64});
}

void TestWorkload::cryptDeviceRunAndVerify()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString image = createImage(dir.path(), QStringLiteral("disk.img"), 4 << 20, 3);
    DeviceRegistry registry;
    auto device = registry.create(QStringLiteral("c"),
                                  {QStringLiteral("0 8192 crypt aes-xts-plain64 %1 0 %2 0").arg(Key, image)});
    QVERIFY2(device, qPrintable(device.message()));

    // One random pass touches every block exactly once, so a random verify-read finds them all.
    WorkloadRunner writer;
    WorkloadResult result =
        run(writer, **device, QStringLiteral("--rw randwrite --bs 4k --iodepth 8 --numjobs 2 --verify"));
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.opsWritten, uint64_t{1024});
    QCOMPARE(result.bytesWritten, uint64_t{4} << 20);
    WorkloadRunner reader;
    result = run(reader, **device, QStringLiteral("--rw randread --bs 4k --iodepth 8 --numjobs 3 --verify"));
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.verifiedReads, uint64_t{1024});
    QVERIFY(countsAddUp(result));

    // Mixed load through the cipher, then a flipped ciphertext byte in block 10 of the image.
    result =
        run(writer, **device,
            QStringLiteral(
                "--rw randrw --bs 4k --iodepth 4 --numjobs 2 --io_size 2M --offset 1M --size 1M --verify"));
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QVERIFY(countsAddUp(result));
    QVERIFY(flipByte(image, 10 * 4096 + 1000));
    result = run(reader, **device, QStringLiteral("--rw randread --bs 4k --iodepth 8 --numjobs 3 --verify"));
    QCOMPARE(result.status.code(), ErrorCode::Corruption);
    QCOMPARE(result.status.message(), QStringLiteral("c: verify failed at offset 40960: checksum mismatch"));
    QCOMPARE(result.mismatches, uint64_t{1});
}

void TestWorkload::boundByBytes()
{
    MemoryDevice device(512, QStringLiteral("mem"), true); // 256 KiB: the bound takes 4 passes
    WorkloadRunner runner;
    for (const char* rw : {"read", "randwrite", "randrw"}) {
        const WorkloadResult result =
            run(runner, device,
                QStringLiteral("--rw %1 --bs 4k --iodepth 5 --numjobs 3 --io_size 1M --runtime 1h")
                    .arg(QLatin1String(rw)));
        QVERIFY2(result.status, qPrintable(result.status.message()));
        QCOMPARE(result.ops(), uint64_t{256});
        QCOMPARE(result.bytes(), uint64_t{1} << 20);
        QVERIFY(countsAddUp(result));
    }
    // Fewer requests than threads: the others have nothing to do.
    const WorkloadResult tiny =
        run(runner, device, QStringLiteral("--rw write --bs 4k --numjobs 4 --io_size 8k"));
    QCOMPARE(tiny.opsWritten, uint64_t{2});
}

void TestWorkload::boundByTime()
{
    MemoryDevice device(512, QStringLiteral("mem"), true);
    WorkloadRunner runner;
    const auto runtime = std::chrono::milliseconds(200);
    const WorkloadResult result =
        run(runner, device, QStringLiteral("--rw randrw --bs 4k --iodepth 4 --numjobs 2 --runtime 200ms"));
    QVERIFY2(result.status, qPrintable(result.status.message()));
    // The run lasted at least the runtime (no byte bound to stop it earlier) and did something.
    QVERIFY(result.elapsed >= runtime);
    QVERIFY(result.ops() > 0);
    QVERIFY(countsAddUp(result));
    QVERIFY(!result.cancelled);
}

void TestWorkload::rateLimit()
{
    MemoryDevice device(512, QStringLiteral("mem"), true);
    WorkloadRunner runner;
    // Time-bound: each thread paces itself (request k of a thread is due at (k + 1) intervals), so
    // the count never runs ahead of the limit.
    WorkloadResult result =
        run(runner, device,
            QStringLiteral("--rw randread --iodepth 8 --numjobs 2 --rate-iops 200 --runtime 500ms"));
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QVERIFY2(static_cast<double>(result.ops()) <= 200 * result.seconds() + 1,
             qPrintable(QStringLiteral("%1 ops in %2 s").arg(result.ops()).arg(result.seconds())));
    QVERIFY(result.ops() > 0);
    // Byte-bound: all requests are done, and no faster than the limit allows.
    result = run(runner, device,
                 QStringLiteral("--rw write --iodepth 16 --numjobs 4 --rate-iops 400 --io_size 400k"));
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.ops(), uint64_t{100});
    QVERIFY2(result.iops() <= 400 * 1.01,
             qPrintable(QStringLiteral("%1 IOPS over %2 s").arg(result.iops()).arg(result.seconds())));
}

void TestWorkload::cancelAndProgress()
{
    MemoryDevice device(2048, QStringLiteral("mem"), true);
    WorkloadRunner runner;
    std::atomic<bool> sawProgress{false};
    std::thread watcher([&] {
        // Poll the live counters until they move, then cancel the hour-long run.
        for (int i = 0; i < 20000; ++i) {
            const WorkloadProgress progress = runner.progress();
            if (progress.running && progress.opsRead + progress.opsWritten > 100) {
                sawProgress = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        runner.cancel();
    });
    const WorkloadResult result =
        run(runner, device, QStringLiteral("--rw randrw --iodepth 8 --numjobs 3 --runtime 1h --verify"));
    watcher.join();
    QVERIFY(sawProgress.load());
    QVERIFY(result.cancelled);
    QVERIFY2(result.status, qPrintable(result.status.message()));
    QCOMPARE(result.mismatches, uint64_t{0});
    QVERIFY(result.ops() > 100);
    QVERIFY(countsAddUp(result));
    const WorkloadProgress after = runner.progress();
    QVERIFY(!after.running);
    QCOMPARE(after.opsRead, result.opsRead);
    QCOMPARE(after.opsWritten, result.opsWritten);
}

void TestWorkload::ioErrorStopsRun()
{
    DeviceRegistry registry;
    auto device = registry.create(QStringLiteral("err"), {QStringLiteral("0 64 error")});
    QVERIFY2(device, qPrintable(device.message()));
    WorkloadRunner runner;
    WorkloadResult result = run(runner, **device, QStringLiteral("--rw read --bs 4k"));
    QCOMPARE(result.status.code(), ErrorCode::IOError);
    QCOMPARE(result.status.message(), QStringLiteral("err: read failed at sector 0: I/O error"));
    QCOMPARE(result.errors, uint64_t{1});
    QCOMPARE(result.ops(), uint64_t{0});

    // With several requests in flight, each of those may fail too, but nothing more is issued.
    result =
        run(runner, **device, QStringLiteral("--rw randwrite --bs 4k --iodepth 4 --numjobs 2 --runtime 1h"));
    QCOMPARE(result.status.code(), ErrorCode::IOError);
    QVERIFY(result.errors >= 1 && result.errors <= 8);
    QCOMPARE(result.ops(), uint64_t{0});
}

QTEST_GUILESS_MAIN(TestWorkload)
#include "TestWorkload.moc"
