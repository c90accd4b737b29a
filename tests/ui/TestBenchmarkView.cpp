// The benchmark view under the offscreen platform: the cipher and PBKDF tables and the bar chart
// fill from a worker thread while the GUI thread keeps running, cancel stops a run, and a workload
// on a mapped crypt device adds a row with its speed and latency.
#include "BenchmarkView.h"
#include "TestImages.h"
#include "dm/DeviceRegistry.h"
#include "formats/CipherBenchmark.h"

#include <QBarSet>
#include <QChartView>
#include <QComboBox>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace cryptstack;
using namespace cryptstack::test;

class TestBenchmarkView : public QObject
{
    Q_OBJECT

private slots:
    void cipherBenchmarkFillsTablesAndChart();
    void cancelStopsTheRun();
    void workloadAddsARow();
    void badDeviceIsReportedInWords();
};

void TestBenchmarkView::cipherBenchmarkFillsTablesAndChart()
{
    DeviceRegistry registry;
    BenchmarkView view(registry);
    view.setCipherMeasureTime(std::chrono::milliseconds(20));
    view.show();
    int ticks = 0;
    QTimer timer;
    connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start(10);
    QSignalSpy finished(&view, &BenchmarkView::finished);
    auto* run = view.findChild<QPushButton*>(QStringLiteral("runCipherBenchmark"));
    QVERIFY(run);
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(view.isBusy());
    QVERIFY(!run->isEnabled());
    QVERIFY(finished.wait(120000));
    QVERIFY(!view.isBusy());
    // The KDF benchmarks alone take well over a second; a GUI thread blocked by them would not
    // have ticked.
    QVERIFY2(ticks > 20, qPrintable(QStringLiteral("timer ticks: %1").arg(ticks)));

    auto* ciphers = view.findChild<QTableWidget*>(QStringLiteral("cipherBenchmarkTable"));
    QVERIFY(ciphers);
    const auto& rows = CipherBenchmark::standardRows();
    QCOMPARE(ciphers->rowCount(), static_cast<int>(rows.size()));
    for (int i = 0; i < ciphers->rowCount(); ++i) {
        QCOMPARE(ciphers->item(i, 0)->text(), rows[static_cast<size_t>(i)].label());
        QCOMPARE(ciphers->item(i, 1)->text(),
                 QStringLiteral("%1 b").arg(rows[static_cast<size_t>(i)].keyBytes * 8));
        // Every row is available with the libraries the project requires.
        QVERIFY2(ciphers->item(i, 2)->text().endsWith(QStringLiteral(" MiB/s")),
                 qPrintable(ciphers->item(i, 2)->text()));
        QVERIFY(ciphers->item(i, 3)->text().endsWith(QStringLiteral(" MiB/s")));
        QVERIFY(ciphers->item(i, 2)->text().section(u' ', 0, 0).toDouble() > 0);
    }
    auto* pbkdf = view.findChild<QTableWidget*>(QStringLiteral("pbkdfBenchmarkTable"));
    QVERIFY(pbkdf);
    QCOMPARE(pbkdf->rowCount(), 7);
    QCOMPARE(pbkdf->item(1, 0)->text(), QStringLiteral("PBKDF2-sha256"));
    QVERIFY(pbkdf->item(1, 1)->text().contains(QStringLiteral("iterations per second")));
    QCOMPARE(pbkdf->item(6, 0)->text(), QStringLiteral("argon2id"));
    QVERIFY2(pbkdf->item(6, 1)->text().contains(QStringLiteral("KiB memory")),
             qPrintable(pbkdf->item(6, 1)->text()));

    auto* chart = view.findChild<QChartView*>(QStringLiteral("cipherBenchmarkChart"));
    QVERIFY(chart);
    auto* series = qobject_cast<QHorizontalBarSeries*>(chart->chart()->series().value(0));
    QVERIFY(series);
    QCOMPARE(series->barSets().size(), 2);
    for (QBarSet* set : series->barSets()) {
        QCOMPARE(set->count(), static_cast<int>(rows.size()));
        QVERIFY(set->at(6) > 0); // aes-xts 256-bit
    }
}

void TestBenchmarkView::cancelStopsTheRun()
{
    DeviceRegistry registry;
    BenchmarkView view(registry);
    QSignalSpy finished(&view, &BenchmarkView::finished);
    view.runCipherBenchmark();
    QVERIFY(view.isBusy());
    auto* cancel = view.findChild<QPushButton*>(QStringLiteral("cancelBenchmark"));
    QVERIFY(cancel && cancel->isEnabled());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(finished.wait(30000));
    auto* ciphers = view.findChild<QTableWidget*>(QStringLiteral("cipherBenchmarkTable"));
    QVERIFY(ciphers->rowCount() < static_cast<int>(CipherBenchmark::standardRows().size()));
    auto* status = view.findChild<QLabel*>(QStringLiteral("benchmarkStatus"));
    QVERIFY2(status->text().startsWith(QStringLiteral("Cancelled")), qPrintable(status->text()));
    QVERIFY(view.findChild<QPushButton*>(QStringLiteral("runCipherBenchmark"))->isEnabled());
}

void TestBenchmarkView::workloadAddsARow()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), 8 << 20, 3);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    const QString key(64, u'7');
    QVERIFY(registry.create(QStringLiteral("secret"),
                            {QStringLiteral("0 16384 crypt aes-xts-plain64 %1 0 disk.img 0").arg(key)},
                            options));
    BenchmarkView view(registry);
    auto* device = view.findChild<QComboBox*>(QStringLiteral("workloadDevice"));
    QVERIFY(device);
    QCOMPARE(device->currentText(), QStringLiteral("secret"));
    auto* mode = view.findChild<QComboBox*>(QStringLiteral("workloadMode"));
    mode->setCurrentIndex(mode->findData(QStringLiteral("randread")));
    view.findChild<QComboBox*>(QStringLiteral("workloadBlock"))->setCurrentIndex(0); // 4k
    view.findChild<QSpinBox*>(QStringLiteral("workloadSeconds"))->setValue(1);
    QSignalSpy finished(&view, &BenchmarkView::finished);
    QTest::mouseClick(view.findChild<QPushButton*>(QStringLiteral("runWorkloadBenchmark")), Qt::LeftButton);
    QVERIFY(finished.wait(30000));
    auto* results = view.findChild<QTableWidget*>(QStringLiteral("workloadResultTable"));
    QCOMPARE(results->rowCount(), 1);
    QCOMPARE(results->item(0, 0)->text(), QStringLiteral("secret"));
    QVERIFY2(results->item(0, 1)->text().startsWith(QStringLiteral("randread, 4k requests, depth 4")),
             qPrintable(results->item(0, 1)->text()));
    QVERIFY(results->item(0, 2)->text().toDouble() > 0); // MB/s
    QVERIFY(results->item(0, 3)->text().toDouble() > 0); // IOPS
    const double p50 = results->item(0, 4)->text().toDouble();
    const double p99 = results->item(0, 5)->text().toDouble();
    QVERIFY(p50 > 0 && p99 >= p50);
    QCOMPARE(view.findChild<QLabel*>(QStringLiteral("benchmarkStatus"))->text(), QStringLiteral("Done."));
}

void TestBenchmarkView::badDeviceIsReportedInWords()
{
    DeviceRegistry registry;
    QVERIFY(registry.create(QStringLiteral("z"), {QStringLiteral("0 16 zero")}));
    BenchmarkView view(registry);
    QVERIFY(registry.remove(QStringLiteral("z")));
    view.runWorkload();
    QVERIFY(!view.isBusy());
    auto* status = view.findChild<QLabel*>(QStringLiteral("benchmarkStatus"));
    QVERIFY2(status->text().startsWith(QStringLiteral("The device z is gone.")), qPrintable(status->text()));
    // The list no longer offers it.
    QCOMPARE(view.findChild<QComboBox*>(QStringLiteral("workloadDevice"))->count(), 0);
}

QTEST_MAIN(TestBenchmarkView)
#include "TestBenchmarkView.moc"
