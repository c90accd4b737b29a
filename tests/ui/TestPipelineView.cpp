// The pipeline view under the offscreen platform: a teaching stack is built from a button, a
// workload started from the workload panel fills the stages' readouts, the async switch sends work
// through the driver at once, a table option is reloaded under the running workload, the GUI
// thread's timers keep firing throughout (the workload and the engine calls run on other threads),
// and the deadlock demonstration stalls in teaching mode until the watchdog explains, then runs
// with the normal design.
#include "DeadlockDemo.h"
#include "ExplanationPanel.h"
#include "MainWindow.h"
#include "PipelineController.h"
#include "PipelineView.h"
#include "QueueChart.h"
#include "StageDiagram.h"
#include "dm/DeviceRegistry.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QTreeWidget>

#include <algorithm>

using namespace cryptstack;

namespace {

// Counts a GUI-thread timer's ticks and the longest gap between two of them.
class TickWatch
{
public:
    TickWatch()
    {
        m_timer.setInterval(20);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = m_clock.elapsed();
            m_longestGap = std::max(m_longestGap, now - m_last);
            m_last = now;
            ++m_ticks;
        });
        m_clock.start();
        m_timer.start();
    }
    int ticks() const { return m_ticks; }
    qint64 longestGapMs() const { return m_longestGap; }
    qint64 elapsedMs() const { return m_clock.elapsed(); }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_longestGap = 0;
    int m_ticks = 0;
};

double throughputOf(const QLabel* label)
{
    static const QRegularExpression number(QStringLiteral("([0-9]+[.,][0-9])"));
    const auto match = number.match(label->text());
    return match.hasMatch() ? QLocale().toDouble(match.captured(1)) : 0.0;
}

template <typename T> T* child(QObject* parent, const char* name)
{
    auto* found = parent->findChild<T*>(QLatin1String(name));
    if (!found)
        qWarning("no child named %s", name);
    return found;
}

// On the box itself: a check box in a layout is wider than its box and label, and a click in the
// empty space to their right does nothing.
void clickCheckBox(QCheckBox* box)
{
    QVERIFY(box && box->isVisible() && box->isEnabled());
    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(6, box->height() / 2));
}

} // namespace

class TestPipelineView : public QObject
{
    Q_OBJECT

private slots:
    void workloadFillsStagesAndSwitchesApplyLive();
    void deadlockDemonstrationStallsThenRunsNormally();
};

void TestPipelineView::workloadFillsStagesAndSwitchesApplyLive()
{
    DeviceRegistry registry;
    MainWindow window(registry);
    window.show();
    auto* view = child<PipelineView>(&window, "pipelineView");
    QVERIFY(view);
    PipelineController& controller = view->controller();
    auto* tabs = child<QTabWidget>(&window, "mainTabs");
    QVERIFY(tabs);
    tabs->setCurrentWidget(view);

    child<QPushButton>(view, "buildPipelineStack")->click();
    QTRY_COMPARE_WITH_TIMEOUT(controller.deviceName(), QStringLiteral("pipeline-crypt"), 15000);
    auto* devices = child<QComboBox>(view, "pipelineDevice");
    QTRY_COMPARE_WITH_TIMEOUT(devices->currentText(), QStringLiteral("pipeline-crypt"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.sample().hasDevice, 15000);
    // The tree shows the new stack.
    QCOMPARE(child<QTreeWidget>(&window, "deviceTree")->topLevelItem(0)->text(0),
             QStringLiteral("pipeline-crypt"));

    // A delay below, so the queues fill.
    auto* delay = child<QSpinBox>(view, "lowerDelay");
    QTRY_VERIFY_WITH_TIMEOUT(delay->isEnabled(), 15000);
    delay->setValue(20);
    QTRY_COMPARE_WITH_TIMEOUT(controller.sample().config.lowerDelayMs, 20, 15000);

    auto* diagram = child<StageDiagram>(view, "stageDiagram");
    auto* throughput = child<QLabel>(view, "throughputReadout");
    auto* chart = child<QueueChart>(view, "queueChart");
    QVERIFY(diagram && throughput && chart);
    auto* op = child<QComboBox>(view, "workloadOp");
    op->setCurrentIndex(op->findText(QStringLiteral("Write")));
    child<QSpinBox>(view, "workloadQueueDepth")->setValue(8);
    child<QSpinBox>(view, "workloadThreads")->setValue(2);

    TickWatch ticks;
    QTest::mouseClick(child<QPushButton>(view, "startWorkload"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controller.isWorkloadRunning(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(diagram->depth(PipelineStage::Lower) > 0, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(diagram->items(PipelineStage::CryptQueue) > 0, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(diagram->items(PipelineStage::WriteTree) > 0, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(throughputOf(throughput) > 0, 15000);
    QVERIFY(chart->pointCount() > 0);

    // The workload and the engine calls ran on their own threads.
    QVERIFY(controller.lastWorkloadThread() != nullptr);
    QVERIFY(controller.lastWorkloadThread() != QApplication::instance()->thread());
    QCOMPARE(controller.lastControlRunThread(), controller.controlThread());
    QVERIFY(controller.controlThread() != QApplication::instance()->thread());

    // Async mode takes effect at once: the driver starts counting requests.
    const uint64_t asyncBefore = diagram->items(PipelineStage::AsyncQueue);
    clickCheckBox(child<QCheckBox>(view, "switchAsync"));
    QTRY_VERIFY2_WITH_TIMEOUT(diagram->items(PipelineStage::AsyncQueue) > asyncBefore + 10,
                              qPrintable(child<QLabel>(view, "pipelineOperation")->text() + u' ' +
                                         diagram->accessibleDescription() + u' ' +
                                         QString::number(controller.sample().config.async)),
                              15000);
    auto* explanation = child<ExplanationPanel>(view, "explanationPanel");
    QTRY_VERIFY_WITH_TIMEOUT(explanation->text().contains(QStringLiteral("cryptd driver")), 5000);

    // A table option: suspend, reload, resume under the running workload; async carries over.
    clickCheckBox(child<QCheckBox>(view, "switchSameCpuCrypt"));
    QTRY_VERIFY_WITH_TIMEOUT(controller.sample().config.sameCpuCrypt, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.sample().config.async, 5000);
    QVERIFY(controller.isWorkloadRunning());
    const uint64_t bytesBefore = controller.sample().progress.bytesWritten;
    QTRY_VERIFY_WITH_TIMEOUT(controller.sample().progress.bytesWritten > bytesBefore, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(diagram->items(PipelineStage::AsyncQueue) > 0, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(explanation->text().contains(QStringLiteral("same_cpu_crypt")), 5000);
    QVERIFY(child<QCheckBox>(view, "switchSameCpuCrypt")->isChecked());

    // Slow motion: trace, list the pieces, follow one through the diagram.
    auto* sideTabs = child<QTabWidget>(view, "pipelineSideTabs");
    sideTabs->setCurrentIndex(2);
    clickCheckBox(child<QCheckBox>(view, "switchSlowMotion"));
    auto* traceList = child<QTreeWidget>(view, "traceList");
    QTRY_VERIFY_WITH_TIMEOUT(traceList->topLevelItemCount() > 0, 15000);
    child<QPushButton>(view, "followBio")->click();
    QCOMPARE(diagram->highlighted(), static_cast<int>(PipelineStage::Map));
    QTRY_VERIFY_WITH_TIMEOUT(diagram->highlighted() != static_cast<int>(PipelineStage::Map), 5000);

    QTest::mouseClick(child<QPushButton>(view, "stopWorkload"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!controller.isWorkloadRunning(), 15000);
    const QString status = child<QLabel>(view, "workloadStatus")->text();
    QVERIFY2(status.contains(QStringLiteral("pipeline-crypt")) && !status.contains(QStringLiteral("error")),
             qPrintable(status));

    // The GUI thread never blocked: its timer kept firing all along.
    QVERIFY2(ticks.ticks() >= ticks.elapsedMs() / 100, qPrintable(QString::number(ticks.ticks())));
    QVERIFY2(ticks.longestGapMs() < 1500, qPrintable(QString::number(ticks.longestGapMs())));
}

void TestPipelineView::deadlockDemonstrationStallsThenRunsNormally()
{
    DeviceRegistry registry;
    MainWindow window(registry);
    window.show();
    auto* view = child<PipelineView>(&window, "pipelineView");
    PipelineController& controller = view->controller();
    auto* action = child<QAction>(&window, "deadlockDemoAction");
    QVERIFY(action);

    TickWatch ticks;
    bool sawStall = false;
    QTimer stallWatch;
    auto* state = child<QLabel>(view, "stateReadout");
    connect(&stallWatch, &QTimer::timeout,
            [&] { sawStall |= state->text().contains(QStringLiteral("stalled")); });
    stallWatch.start(50);

    action->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(controller.deviceName(), QStringLiteral("deadlock-upper"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.isWorkloadRunning(), 15000);
    QCOMPARE(view->deadlockDemo().phase(), DeadlockDemo::Phase::TeachingDesign);
    auto* report = child<QPlainTextEdit>(view, "deadlockReport");
    QTRY_VERIFY_WITH_TIMEOUT(report->toPlainText().contains(QStringLiteral("Breaking it")), 20000);
    QVERIFY2(report->toPlainText().contains(
                 QStringLiteral("waits for pages of the page pool of \"deadlock-upper\"")),
             qPrintable(report->toPlainText()));
    QTRY_VERIFY_WITH_TIMEOUT(
        child<QPlainTextEdit>(view, "watchdogReport")->toPlainText().contains(QStringLiteral("Breaking it")),
        5000);
    QVERIFY(sawStall);
    QTRY_VERIFY_WITH_TIMEOUT(
        child<QLabel>(view, "deadlockStatus")->text().contains(QStringLiteral("Stalled")), 5000);
    // The broken waits failed the stuck bios, which ended the workload with an I/O error.
    QTRY_VERIFY_WITH_TIMEOUT(!controller.isWorkloadRunning(), 15000);
    QVERIFY(child<QLabel>(view, "workloadStatus")->text().contains(QStringLiteral("error")));
    const int stalls = registry.watchdog().stallsBroken();
    QVERIFY(stalls >= 1);

    child<QPushButton>(view, "deadlockDemoNormal")->click();
    QTRY_COMPARE_WITH_TIMEOUT(view->deadlockDemo().phase(), DeadlockDemo::Phase::NormalDesign, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(controller.isWorkloadRunning(), 15000);
    QVERIFY(!controller.sample().config.teaching);
    // It runs: far more than the 4 MiB volume goes through, with no new stall.
    QTRY_VERIFY_WITH_TIMEOUT(controller.sample().progress.bytesWritten >= 16u << 20, 20000);
    QCOMPARE(registry.watchdog().stallsBroken(), stalls);
    QVERIFY2(report->toPlainText().isEmpty(), qPrintable(report->toPlainText()));
    QVERIFY(controller.isWorkloadRunning());
    QVERIFY2(ticks.longestGapMs() < 1500, qPrintable(QString::number(ticks.longestGapMs())));
}

QTEST_MAIN(TestPipelineView)
#include "TestPipelineView.moc"
