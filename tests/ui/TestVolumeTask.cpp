// VolumeTask, the runner every volume dialog uses: jobs run on a thread other than the GUI thread,
// the GUI thread's event loop keeps turning while a PBKDF of about a second runs (a QTimer keeps
// firing), progress and the result come back as queued signals on the GUI thread, and cancel
// reaches a running benchmark. The KDF options widget's live estimate runs the same way.
#include "KdfOptionsWidget.h"
#include "VolumeTask.h"
#include "formats/Pbkdf.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <array>
#include <vector>

using namespace cryptstack;

class TestVolumeTask : public QObject
{
    Q_OBJECT

private slots:
    void jobRunsOffGuiThreadWhileTimerFires();
    void cancelStopsBenchmark();
    void estimateRunsOffGuiThread();
};

void TestVolumeTask::jobRunsOffGuiThreadWhileTimerFires()
{
    // PBKDF2 iterations for about one second on this machine.
    auto perSecond = Pbkdf::pbkdf2IterationsPerSecond(QStringLiteral("sha256"), 32);
    QVERIFY2(perSecond, qPrintable(perSecond.message()));
    KdfParams params;
    params.type = QStringLiteral("pbkdf2");
    params.hash = QStringLiteral("sha256");
    params.iterations = static_cast<uint32_t>(std::max<uint64_t>(*perSecond, 1000));

    VolumeTask task(QStringLiteral("test-kdf"));
    QThread* jobThread = nullptr;
    QThread* progressThread = nullptr;
    QThread* finishedThread = nullptr;
    qint64 jobMs = 0;
    bool finished = false;
    Status result(ErrorCode::IOError, QStringLiteral("not run"));
    connect(&task, &VolumeTask::progressChanged, this,
            [&](int, const QString&) { progressThread = QThread::currentThread(); });
    connect(&task, &VolumeTask::finished, this, [&](const Status& status) {
        finishedThread = QThread::currentThread();
        result = status;
        finished = true;
    });
    int ticks = 0;
    QTimer timer;
    timer.setInterval(10);
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start();
    QVERIFY(task.start([&](const VolumeTask::Context& context) {
        jobThread = QThread::currentThread();
        context.progress(50, QStringLiteral("deriving"));
        QElapsedTimer clock;
        clock.start();
        const QByteArray password("a passphrase");
        std::array<uint8_t, 32> salt = {};
        std::vector<uint8_t> out(32);
        Status status = Pbkdf::derive(
            params, std::span(reinterpret_cast<const uint8_t*>(password.constData()), password.size()), salt,
            out);
        jobMs = clock.elapsed();
        return status;
    }));
    QVERIFY(task.isRunning());
    QVERIFY(!task.start([](const VolumeTask::Context&) { return Status::ok(); })); // one at a time
    QTRY_VERIFY_WITH_TIMEOUT(finished, 60000);
    QVERIFY2(result, qPrintable(result.message()));
    QVERIFY(!task.isRunning());
    QVERIFY(jobThread && jobThread != QThread::currentThread());
    QCOMPARE(progressThread, QThread::currentThread());
    QCOMPARE(finishedThread, QThread::currentThread());
    QVERIFY2(jobMs >= 300, qPrintable(QString::number(jobMs)));
    // At 10 ms a tick, a GUI thread that waited for the KDF would have seen almost none.
    QVERIFY2(ticks >= jobMs / 10 / 4, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(jobMs)));
}

void TestVolumeTask::cancelStopsBenchmark()
{
    VolumeTask task(QStringLiteral("test-cancel"));
    bool finished = false;
    Status result;
    connect(&task, &VolumeTask::finished, this, [&](const Status& status) {
        result = status;
        finished = true;
    });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(task.start([](const VolumeTask::Context& context) -> Status {
        KdfRequest request;
        request.type = QStringLiteral("pbkdf2");
        request.iterTimeMs = 60000;
        // The benchmark looks at the flag after each measured run.
        for (int i = 0; i < 100 && !context.isCancelled(); ++i) {
            auto params = Pbkdf::resolve(request, QStringLiteral("pbkdf2"), QStringLiteral("sha256"), 32,
                                         context.cancelFlag());
            if (!params)
                return params.status();
        }
        return context.isCancelled() ? VolumeTask::cancelledStatus() : Status::ok();
    }));
    QTest::qWait(50);
    task.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(finished, 30000);
    QVERIFY(VolumeTask::isCancelled(result));
    QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
}

void TestVolumeTask::estimateRunsOffGuiThread()
{
    std::atomic<QThread*> benchThread = nullptr;
    VolumeTask::setJobStartedHook([&benchThread](const QString& name) {
        if (name == u"gui-pbkdf-bench")
            benchThread = QThread::currentThread();
    });
    KdfOptionsWidget widget;
    auto* type = widget.findChild<QComboBox*>(QStringLiteral("pbkdfTypeCombo"));
    auto* time = widget.findChild<QSpinBox*>(QStringLiteral("pbkdfIterTimeSpin"));
    auto* label = widget.findChild<QLabel*>(QStringLiteral("pbkdfEstimateLabel"));
    QVERIFY(type && time && label);
    type->setCurrentIndex(type->findData(QStringLiteral("pbkdf2")));
    time->setValue(1000);
    QSignalSpy updated(&widget, &KdfOptionsWidget::estimateUpdated);
    int ticks = 0;
    QTimer timer;
    timer.setInterval(10);
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start();
    widget.show();
    QVERIFY(widget.isEstimating());
    QTRY_VERIFY_WITH_TIMEOUT(updated.count() >= 1 && !widget.isEstimating(), 60000);
    QVERIFY2(label->text().startsWith(QStringLiteral("Unlocking takes about 1.0 s")),
             qPrintable(label->text()));
    QVERIFY2(label->text().contains(QStringLiteral("PBKDF2-sha256")), qPrintable(label->text()));
    QVERIFY(benchThread.load() && benchThread.load() != QThread::currentThread());
    QVERIFY2(ticks > 20, qPrintable(QString::number(ticks)));

    // Fixed Argon2 parameters: the estimate measures one derivation and names the memory.
    type->setCurrentIndex(type->findData(QStringLiteral("argon2id")));
    widget.findChild<QSpinBox*>(QStringLiteral("pbkdfMemorySpin"))->setValue(1024);
    widget.findChild<QSpinBox*>(QStringLiteral("pbkdfForcedIterationsSpin"))->setValue(4);
    const int before = updated.count();
    QTRY_VERIFY_WITH_TIMEOUT(updated.count() > before && !widget.isEstimating(), 60000);
    QVERIFY2(label->text().contains(QStringLiteral("1 MiB")) &&
                 label->text().contains(QStringLiteral("argon2id")),
             qPrintable(label->text()));
    // A value cryptsetup refuses is named instead of measured.
    widget.findChild<QSpinBox*>(QStringLiteral("pbkdfForcedIterationsSpin"))->setValue(2);
    QTRY_VERIFY_WITH_TIMEOUT(label->text().startsWith(QStringLiteral("Key derivation:")), 10000);
    VolumeTask::setJobStartedHook({});
}

QTEST_MAIN(TestVolumeTask)
#include "TestVolumeTask.moc"
