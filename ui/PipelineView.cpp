#include "PipelineView.h"

#include "DeadlockDemo.h"
#include "ExplanationPanel.h"
#include "PipelineController.h"
#include "QueueChart.h"
#include "SlowMotionPanel.h"
#include "StageDiagram.h"
#include "SwitchesPanel.h"
#include "TeachingStacks.h"
#include "WorkloadPanel.h"
#include "crypt/BioTrace.h"
#include "dm/DeviceRegistry.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

QLabel* readout(QWidget* parent, const QString& objectName, const QString& accessibleName)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

PipelineView::PipelineView(DeviceRegistry& registry, QWidget* parent)
    : QWidget(parent), m_controller(new PipelineController(registry, this)), m_device(new QComboBox(this)),
      m_buildStack(new QPushButton(tr("&Build teaching stack"), this)), m_operation(new QLabel(this)),
      m_diagram(new StageDiagram(this)), m_chart(new QueueChart(this)), m_side(new QTabWidget(this)),
      m_workload(new WorkloadPanel(this)), m_switches(new SwitchesPanel(this)),
      m_explanation(new ExplanationPanel(this)), m_slowMotion(new SlowMotionPanel(this)),
      m_demoStatus(new QLabel(this)), m_demoReport(new QPlainTextEdit(this)), m_timer(new QTimer(this))
{
    setObjectName(QStringLiteral("pipelineView"));
    setAccessibleName(tr("Crypt pipeline"));
    m_demo = new DeadlockDemo(*m_controller, m_scratch.path(), this);
    m_baselineReport = registry.watchdog().lastReport();

    m_device->setObjectName(QStringLiteral("pipelineDevice"));
    m_device->setAccessibleName(tr("Crypt device shown"));
    m_device->setMinimumContentsLength(16);
    m_buildStack->setObjectName(QStringLiteral("buildPipelineStack"));
    m_buildStack->setAccessibleName(tr("Build a crypt device over a delay device for teaching"));
    m_buildStack->setToolTip(tr("Creates pipeline-base, pipeline-slow (delay) and pipeline-crypt over a "
                                "temporary image"));
    m_operation->setObjectName(QStringLiteral("pipelineOperation"));
    m_operation->setAccessibleName(tr("Last operation"));
    m_operation->setWordWrap(true);
    m_diagram->setObjectName(QStringLiteral("stageDiagram"));
    m_chart->setObjectName(QStringLiteral("queueChart"));

    m_throughput = readout(this, QStringLiteral("throughputReadout"), tr("Throughput"));
    m_inFlight = readout(this, QStringLiteral("inFlightReadout"), tr("Bios in flight"));
    m_asyncCount = readout(this, QStringLiteral("asyncReadout"), tr("Async cipher driver requests"));
    m_state = readout(this, QStringLiteral("stateReadout"), tr("Device state"));

    auto* top = new QHBoxLayout;
    auto* deviceLabel = new QLabel(tr("Crypt &device:"), this);
    deviceLabel->setBuddy(m_device);
    top->addWidget(deviceLabel);
    top->addWidget(m_device);
    top->addWidget(m_buildStack);
    top->addWidget(m_operation, 1);

    auto* readouts = new QGridLayout;
    readouts->addWidget(m_throughput, 0, 0);
    readouts->addWidget(m_inFlight, 0, 1);
    readouts->addWidget(m_asyncCount, 1, 0);
    readouts->addWidget(m_state, 1, 1);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto* diagramScroll = new QScrollArea(left);
    diagramScroll->setWidget(m_diagram);
    diagramScroll->setWidgetResizable(true);
    diagramScroll->setFrameShape(QFrame::NoFrame);
    auto* leftSplitter = new QSplitter(Qt::Vertical, left);
    auto* diagramBox = new QWidget(left);
    auto* diagramLayout = new QVBoxLayout(diagramBox);
    diagramLayout->setContentsMargins(0, 0, 0, 0);
    diagramLayout->addWidget(diagramScroll, 1);
    diagramLayout->addLayout(readouts);
    leftSplitter->addWidget(diagramBox);
    leftSplitter->addWidget(m_chart);
    leftSplitter->setStretchFactor(0, 3);
    leftSplitter->setStretchFactor(1, 2);
    leftLayout->addWidget(leftSplitter);

    auto* controls = new QWidget(this);
    auto* controlsLayout = new QVBoxLayout(controls);
    controlsLayout->addWidget(m_workload);
    controlsLayout->addWidget(m_switches);
    controlsLayout->addStretch(1);
    auto* controlsScroll = new QScrollArea(this);
    controlsScroll->setWidget(controls);
    controlsScroll->setWidgetResizable(true);

    auto* demo = new QWidget(this);
    auto* demoLayout = new QVBoxLayout(demo);
    auto* demoIntro = new QLabel(
        tr("Two crypt devices stacked on each other, each with a pool of 32 pages (one 128 KiB piece), take "
           "1 MiB writes. In the old design (teaching mode) map waits for pool pages and the stack "
           "deadlocks; "
           "in the normal design it runs."),
        demo);
    demoIntro->setWordWrap(true);
    auto* demoTeaching = new QPushButton(tr("Run the &teaching design (deadlocks)"), demo);
    demoTeaching->setObjectName(QStringLiteral("deadlockDemoTeaching"));
    demoTeaching->setAccessibleName(tr("Build the stack in teaching mode and start writing"));
    auto* demoNormal = new QPushButton(tr("Rebuild with the &normal design"), demo);
    demoNormal->setObjectName(QStringLiteral("deadlockDemoNormal"));
    demoNormal->setAccessibleName(tr("Rebuild the same stack with the normal design and start writing"));
    m_demoStatus->setObjectName(QStringLiteral("deadlockStatus"));
    m_demoStatus->setAccessibleName(tr("Deadlock demonstration status"));
    m_demoStatus->setWordWrap(true);
    m_demoStatus->setText(m_demo->statusText());
    demoLayout->addWidget(demoIntro);
    demoLayout->addWidget(demoTeaching);
    demoLayout->addWidget(demoNormal);
    demoLayout->addWidget(m_demoStatus);
    m_demoReport->setObjectName(QStringLiteral("deadlockReport"));
    m_demoReport->setAccessibleName(tr("The stall watchdog's report"));
    m_demoReport->setReadOnly(true);
    m_demoReport->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_demoReport->setPlaceholderText(tr("The watchdog's report appears here when it notices a stall."));
    demoLayout->addWidget(m_demoReport, 1);

    m_side->setObjectName(QStringLiteral("pipelineSideTabs"));
    m_side->setAccessibleName(tr("Pipeline controls"));
    m_side->addTab(controlsScroll, tr("Controls"));
    m_side->addTab(m_explanation, tr("Why"));
    m_side->addTab(m_slowMotion, tr("Slow motion"));
    m_side->addTab(demo, tr("Deadlock"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(m_side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);

    connect(m_device, &QComboBox::activated, this, [this] { setDevice(m_device->currentText()); });
    connect(m_buildStack, &QPushButton::clicked, this, &PipelineView::buildPipelineStack);
    connect(demoTeaching, &QPushButton::clicked, this, &PipelineView::startDeadlockDemo);
    connect(demoNormal, &QPushButton::clicked, this, &PipelineView::rebuildDeadlockDemoNormally);
    connect(m_workload, &WorkloadPanel::startRequested, this,
            [this] { m_controller->startWorkload(m_workload->spec()); });
    connect(m_workload, &WorkloadPanel::stopRequested, m_controller, &PipelineController::stopWorkload);
    connect(m_switches, &SwitchesPanel::engineOptionChanged, m_controller,
            &PipelineController::setEngineOption);
    connect(m_switches, &SwitchesPanel::tableOptionChanged, this, [this](const QString& option, bool on) {
        m_switches->setBusy(true);
        m_controller->setTableOption(option, on);
    });
    connect(m_switches, &SwitchesPanel::lowerDelayChanged, m_controller, &PipelineController::setLowerDelay);
    connect(m_slowMotion, &SlowMotionPanel::tracingChanged, this,
            [this](bool on) { m_controller->setEngineOption(QStringLiteral("trace"), on); });
    connect(m_slowMotion, &SlowMotionPanel::highlight, m_diagram, &StageDiagram::setHighlight);

    connect(m_controller, &PipelineController::devicesChanged, this, &PipelineView::updateDeviceList);
    connect(m_controller, &PipelineController::workloadStarted, this, [this] {
        m_workload->setRunning(true);
        m_workload->setStatusText(tr("Running on %1…").arg(m_controller->deviceName()));
        m_buildStack->setEnabled(false);
        m_device->setEnabled(false);
    });
    connect(m_controller, &PipelineController::workloadFinished, this,
            [this](const QString& summary, bool failed) {
                m_workload->setRunning(false);
                m_workload->setStatusText(failed ? tr("Stopped with an error: %1").arg(summary) : summary);
                m_buildStack->setEnabled(true);
                m_device->setEnabled(true);
            });
    connect(m_controller, &PipelineController::operationStarted, this,
            [this](const QString& what) { m_operation->setText(what + QStringLiteral("…")); });
    connect(m_controller, &PipelineController::operationFinished, this, &PipelineView::showOperation);
    connect(m_demo, &DeadlockDemo::statusChanged, this, [this](const QString& text) {
        m_demoStatus->setText(text);
        updateReports();
    });
    connect(m_demo, &DeadlockDemo::stackBuilt, this, [this] {
        m_chart->clear();
        m_lastWhen.reset();
        emit stackChanged();
    });

    m_timer->setInterval(SampleIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &PipelineView::sampleNow);
    m_timer->start();
    m_controller->refreshDevices();
}

PipelineView::~PipelineView()
{
    // Stop the workload and the control thread before the scratch folder goes.
    delete m_controller;
}

void PipelineView::setBaseDirectory(const QString& directory)
{
    m_controller->setBaseDirectory(directory);
}

void PipelineView::setDevice(const QString& name)
{
    if (m_controller->isWorkloadRunning() && name != m_controller->deviceName()) {
        m_operation->setText(
            tr("Stop the workload on %1 before showing another device.").arg(m_controller->deviceName()));
        updateDeviceList();
        return;
    }
    if (name == m_controller->deviceName())
        return;
    m_chart->clear();
    m_lastWhen.reset();
    m_slowMotion->setTracing(false);
    m_controller->setDevice(name);
}

void PipelineView::refreshDevices()
{
    m_controller->refreshDevices();
}

void PipelineView::updateDeviceList()
{
    const QStringList devices = m_controller->cryptDevices();
    {
        const QSignalBlocker blocker(m_device);
        m_device->clear();
        m_device->addItems(devices);
        m_device->setCurrentIndex(static_cast<int>(devices.indexOf(m_controller->deviceName())));
    }
    // Show something rather than nothing.
    if (!devices.contains(m_controller->deviceName()) && !devices.isEmpty() &&
        !m_controller->isWorkloadRunning())
        setDevice(devices.first());
}

void PipelineView::showOperation(const QString& what, const QString& error)
{
    if (!m_controller->isControlBusy())
        m_switches->setBusy(false);
    if (error.isEmpty())
        m_operation->setText(tr("%1: done").arg(what));
    else
        m_operation->setText(tr("%1: %2").arg(what, error));
}

void PipelineView::buildPipelineStack()
{
    const QString directory = m_scratch.path();
    m_controller->afterWorkload([this, directory] {
        DeviceRegistry* registry = &m_controller->registry();
        m_controller->runControl(
            tr("Building %1 over a delay device").arg(teaching::pipelineCryptName()),
            [registry, directory] { return teaching::buildPipelineStack(*registry, directory); },
            [this](const Status& status) {
                emit stackChanged();
                if (!status) {
                    m_controller->refreshDevices();
                    return;
                }
                // Always re-resolved: the name may be the same as before, the device is new.
                m_chart->clear();
                m_lastWhen.reset();
                m_slowMotion->setTracing(false);
                m_controller->setDevice(teaching::pipelineCryptName());
            });
    });
}

void PipelineView::startDeadlockDemo()
{
    m_side->setCurrentIndex(3);
    m_demo->runTeachingDesign();
}

void PipelineView::rebuildDeadlockDemoNormally()
{
    m_side->setCurrentIndex(3);
    m_demo->runNormalDesign();
}

void PipelineView::updateReports()
{
    // The watchdog's newest report, once there is one made while this view exists.
    const QString demoReport = m_demo->report();
    QString report = demoReport;
    if (report.isEmpty()) {
        report = m_controller->registry().watchdog().lastReport();
        if (report == m_baselineReport)
            report.clear();
    }
    m_explanation->setWatchdogReport(report.isEmpty() ? QString() : tr("Stall watchdog:") + u'\n' + report);
    if (m_demoReport->toPlainText() != demoReport)
        m_demoReport->setPlainText(demoReport);
}

void PipelineView::sampleNow()
{
    ++m_ticks;
    const PipelineSample sample = m_controller->sample();
    const WorkloadProgress& progress = sample.progress;
    const uint64_t bytes = progress.bytesRead + progress.bytesWritten;
    const uint64_t ops = progress.opsRead + progress.opsWritten;
    double mibPerSecond = 0;
    double iops = 0;
    if (m_lastWhen && bytes >= m_lastBytes && ops >= m_lastOps) {
        const double seconds = std::chrono::duration<double>(sample.when - *m_lastWhen).count();
        if (seconds > 0) {
            mibPerSecond = static_cast<double>(bytes - m_lastBytes) / (1 << 20) / seconds;
            iops = static_cast<double>(ops - m_lastOps) / seconds;
        }
    }
    m_diagram->setSample(sample);
    const QLocale locale;
    m_throughput->setText(tr("Throughput: %1 MiB/s, %2 IOPS")
                              .arg(locale.toString(mibPerSecond, 'f', 1), locale.toString(iops, 'f', 0)));
    m_inFlight->setText(
        tr("Bios in flight: %1 (workload: %2)").arg(sample.metrics.biosInFlight).arg(progress.inFlight));
    m_asyncCount->setText(tr("Async driver: %1 requests, %2 backlogged")
                              .arg(sample.metrics.asyncQueue.items)
                              .arg(sample.metrics.asyncBacklogged));
    if (ops != m_lastOps || progress.inFlight == 0 || !m_lastProgress)
        m_lastProgress = sample.when;
    const double idle = std::chrono::duration<double>(sample.when - *m_lastProgress).count();
    if (!sample.hasDevice)
        m_state->setText(tr("No crypt device selected"));
    else if (sample.suspended)
        m_state->setText(tr("%1: suspended").arg(m_controller->deviceName()));
    else if (m_controller->isWorkloadRunning() && idle >= 1.0)
        m_state->setText(tr("%1: stalled — no request completed for %2 s")
                             .arg(m_controller->deviceName(), locale.toString(idle, 'f', 1)));
    else
        m_state->setText(tr("%1: active").arg(m_controller->deviceName()));
    if (sample.hasDevice) {
        m_chart->addSample(sample, mibPerSecond);
        m_switches->setConfiguration(sample.config);
        m_explanation->setConfiguration(sample.config);
        if (!m_controller->isControlBusy())
            m_slowMotion->setTracing(sample.config.trace);
    }
    m_lastWhen = sample.when;
    m_lastBytes = bytes;
    m_lastOps = ops;

    // The device went away (removed, or rebuilt under the same name): look it up again.
    if (!sample.hasDevice && !m_controller->deviceName().isEmpty() && !m_controller->isControlBusy() &&
        m_ticks % 8 == 0)
        m_controller->refreshDevices();
    m_demo->poll();
    updateReports();
    // The trace list once a second, while it is in view and not being followed.
    if (m_ticks % 4 == 0 && m_slowMotion->isTracing() && m_slowMotion->isVisible() &&
        !m_slowMotion->isFollowing())
        m_slowMotion->setEvents(m_controller->traceEvents());
}

} // namespace cryptstack
