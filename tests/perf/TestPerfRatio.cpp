// Guards against the engine silently getting many times slower: sequential 1 MiB reads and writes
// through crypt (4096-byte sectors, default queues) must reach a quarter of the ideal computed in
// the same run from linear and the in-process cipher limit. Normally the ratio is far above that
// (docs/PERFORMANCE.md); a quarter leaves room for a loaded CI machine and still catches a 10×
// regression. Each measurement takes the best of three short runs.
#include "CipherLimit.h"
#include "PerfReport.h"
#include "dm/DeviceRegistry.h"
#include "workload/WorkloadRunner.h"

#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace cryptstack;
using namespace cryptstack::perf;

namespace {

constexpr uint64_t ImageMiB = 128;
constexpr int Attempts = 3;
constexpr double MinimumShareOfIdeal = 0.25;
const std::chrono::milliseconds RunLength{400};

} // namespace

class TestPerfRatio : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir{QFileInfo(QStringLiteral("/dev/shm")).isWritable()
                            ? QStringLiteral("/dev/shm/cryptstack-perf-guard-XXXXXX")
                            : QDir::tempPath() + QStringLiteral("/cryptstack-perf-guard-XXXXXX")};
    QString m_image;

    double bestMBps(const QString& tableLine, const QString& rw)
    {
        auto spec =
            WorkloadSpec::parse({QStringLiteral("--rw"), rw, QStringLiteral("--bs"), QStringLiteral("1m"),
                                 QStringLiteral("--iodepth"), QStringLiteral("4"),
                                 QStringLiteral("--runtime"), QStringLiteral("%1ms").arg(RunLength.count())});
        if (!spec)
            qFatal("%s", qPrintable(spec.status().message()));
        double best = 0;
        for (int attempt = 0; attempt < Attempts; ++attempt) {
            DeviceRegistry registry;
            auto device = registry.create(QStringLiteral("guard"), {tableLine});
            if (!device)
                qFatal("%s", qPrintable(device.status().message()));
            WorkloadRunner runner;
            auto result = runner.run(**device, *spec);
            if (!result || !result->status)
                qFatal("workload failed");
            best = std::max(best, result->mbPerSecond());
            registry.removeAll();
        }
        return best;
    }

    double bestLimitMBps(bool encrypt)
    {
        double best = 0;
        const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
        // The faster library is the limit, as in scripts/bench.
        for (CipherLibrary library : {CipherLibrary::OpenSsl, CipherLibrary::Libgcrypt})
            for (int attempt = 0; attempt < Attempts; ++attempt) {
                const CipherLimitResult result =
                    measureAesXtsLimit(library, 4096, encrypt, threads, RunLength);
                if (!result.ok)
                    qFatal("%s refused AES-256-XTS", qPrintable(libraryName(library)));
                best = std::max(best, result.bytesPerSecond / 1e6);
            }
        return best;
    }

    void checkDirection(const QString& rw, bool encrypt)
    {
        const uint64_t sectors = ImageMiB << 11;
        const QString key(128, u'7');
        const double linear = bestMBps(QStringLiteral("0 %1 linear %2 0").arg(sectors).arg(m_image), rw);
        const double crypt =
            bestMBps(QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 %3 0 1 sector_size:4096")
                         .arg(sectors)
                         .arg(key, m_image),
                     rw);
        const double limit = bestLimitMBps(encrypt);
        const double ideal = idealThroughput(linear, limit);
        qInfo("%s: linear %.0f MB/s, cipher limit %.0f MB/s, ideal %.0f MB/s, crypt %.0f MB/s (%.0f %% of "
              "ideal)",
              qPrintable(rw), linear, limit, ideal, crypt, 100 * crypt / ideal);
        QVERIFY2(crypt >= MinimumShareOfIdeal * ideal,
                 qPrintable(QStringLiteral("crypt %1 reached %2 MB/s, under a quarter of the ideal %3 MB/s")
                                .arg(rw)
                                .arg(crypt, 0, 'f', 0)
                                .arg(ideal, 0, 'f', 0)));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_image = m_dir.filePath(QStringLiteral("guard.img"));
        QFile file(m_image);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray chunk(1 << 20, '\x5a');
        for (uint64_t i = 0; i < ImageMiB; ++i)
            QCOMPARE(file.write(chunk), chunk.size());
    }

    void idealFormula()
    {
        // Two equal stages in series halve the throughput; a free stage costs nothing.
        QCOMPARE(idealThroughput(1000, 1000), 500.0);
        QVERIFY(qAbs(idealThroughput(9000, 1e12) - 9000) < 1e-3);
        QCOMPARE(idealThroughput(0, 1000), 0.0);
    }

    void sequentialReadKeepsUp() { checkDirection(QStringLiteral("read"), false); }
    void sequentialWriteKeepsUp() { checkDirection(QStringLiteral("write"), true); }
};

QTEST_GUILESS_MAIN(TestPerfRatio)
#include "TestPerfRatio.moc"
