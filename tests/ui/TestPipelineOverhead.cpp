// What watching costs: the same write workload on the same crypt device, run by a bare
// PipelineController (nobody samples) and by a shown PipelineView (its 250 ms sampling, the stage
// diagram, the chart and the readouts redrawn), in turns. The median throughput ratio is printed
// (with every turn) for docs/PERFORMANCE.md; the guard only catches a view that costs the engine a
// large share.
#include "PipelineController.h"
#include "PipelineView.h"
#include "TestImages.h"
#include "dm/DeviceRegistry.h"
#include "workload/WorkloadSpec.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr int Turns = 5;
constexpr int RunMs = 2000;

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

} // namespace

class TestPipelineOverhead : public QObject
{
    Q_OBJECT

private slots:
    void samplingCostsLittleThroughput();

private:
    // MB/s of one run of the controller's workload while the event loop runs; -1 if it did not stop.
    double runOnce(PipelineController& controller, const WorkloadSpec& spec);
};

double TestPipelineOverhead::runOnce(PipelineController& controller, const WorkloadSpec& spec)
{
    controller.startWorkload(spec);
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < RunMs)
        QTest::qWait(20);
    const WorkloadProgress progress = controller.sample().progress;
    controller.stopWorkload();
    if (!QTest::qWaitFor([&] { return !controller.isWorkloadRunning(); }, 15000))
        return -1; // never stopped: the caller's check fails
    const double seconds = std::chrono::duration<double>(progress.elapsed).count();
    return seconds > 0 ? static_cast<double>(progress.bytesWritten) / 1e6 / seconds : 0;
}

void TestPipelineOverhead::samplingCostsLittleThroughput()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), 256 << 20, 9);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    // Two different key halves: identical ones go to libgcrypt (OpenSSL refuses them for XTS).
    const QString key = QString(64, u'5') + QString(64, u'a');
    QVERIFY(registry.create(
        QStringLiteral("watched"),
        {QStringLiteral("0 524288 crypt aes-xts-plain64 %1 0 disk.img 0 1 sector_size:4096").arg(key)},
        options));
    auto spec =
        WorkloadSpec::parse({QStringLiteral("--rw"), QStringLiteral("write"), QStringLiteral("--bs"),
                             QStringLiteral("64k"), QStringLiteral("--iodepth"), QStringLiteral("8")});
    QVERIFY2(spec, qPrintable(spec.status().message()));

    PipelineController bare(registry);
    bare.setDevice(QStringLiteral("watched"));
    QTRY_VERIFY_WITH_TIMEOUT(bare.sample().hasDevice, 15000);
    PipelineView view(registry);
    view.resize(1200, 800);
    view.show();
    view.setDevice(QStringLiteral("watched"));
    QTRY_VERIFY_WITH_TIMEOUT(view.controller().sample().hasDevice, 15000);

    std::vector<double> unwatched, watched, ratios;
    runOnce(bare, *spec); // warm-up: the image into the page cache, the pools filled
    for (int turn = 0; turn < Turns; ++turn) {
        const double without = runOnce(bare, *spec);
        const double with = runOnce(view.controller(), *spec);
        QVERIFY(without > 0 && with > 0);
        unwatched.push_back(without);
        watched.push_back(with);
        ratios.push_back(with / without);
        qInfo("turn %d: unwatched %.0f MB/s, watched %.0f MB/s", turn + 1, without, with);
    }
    const double ratio = median(ratios);
    qInfo("sequential 64 KiB writes, depth 8: unwatched %.0f MB/s, watched %.0f MB/s (medians of %d turns); "
          "median ratio %.3f, i.e. watching costs %.1f %%",
          median(unwatched), median(watched), Turns, ratio, (1 - ratio) * 100);
    // A guard against a view that slows the engine down badly, not the 3 % measurement itself:
    // single turns on this 2-core VM vary by 15 % and more, so only a gross cost is flagged.
    QVERIFY2(ratio > 0.6, qPrintable(QStringLiteral("watched/unwatched throughput %1").arg(ratio)));
}

QTEST_MAIN(TestPipelineOverhead)
#include "TestPipelineOverhead.moc"
