// The pipeline view, the heart of the teaching use: the selected crypt device's stages with live
// depth bars (StageDiagram), a chart of queue depths and throughput over the last minute
// (QueueChart), the workload generator (WorkloadPanel), the switches (SwitchesPanel), a plain-words
// explanation of the configuration (ExplanationPanel), slow motion over the bio trace
// (SlowMotionPanel) and the deadlock demonstration (DeadlockDemo).
//
// Everything that may wait runs on PipelineController's threads; this widget only samples the
// engine's lock-free counters on a timer.
#pragma once

#include <QTemporaryDir>
#include <QWidget>

#include <chrono>
#include <optional>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTimer;

namespace cryptstack {

class DeadlockDemo;
class DeviceRegistry;
class ExplanationPanel;
class PipelineController;
class QueueChart;
class SlowMotionPanel;
class StageDiagram;
class SwitchesPanel;
class WorkloadPanel;
struct PipelineSample;

class PipelineView : public QWidget
{
    Q_OBJECT

public:
    static constexpr int SampleIntervalMs = 250;

    explicit PipelineView(DeviceRegistry& registry, QWidget* parent = nullptr);
    ~PipelineView() override;

    PipelineController& controller() { return *m_controller; }
    DeadlockDemo& deadlockDemo() { return *m_demo; }
    // Shows this crypt device (ignored while a workload runs on another).
    void setDevice(const QString& name);
    // Re-reads the registry's crypt devices (after the stack changed elsewhere).
    void refreshDevices();
    void setBaseDirectory(const QString& directory);

    // The actions behind the buttons, for menus.
    void buildPipelineStack();
    void startDeadlockDemo();
    void rebuildDeadlockDemoNormally();

signals:
    // Devices were created or removed here; the main window redraws its tree.
    void stackChanged();

private:
    void sampleNow();
    void updateDeviceList();
    void updateReports();
    void showOperation(const QString& what, const QString& error);

    PipelineController* m_controller;
    QTemporaryDir m_scratch; // images of the stacks built here
    DeadlockDemo* m_demo;
    QComboBox* m_device;
    QPushButton* m_buildStack;
    QLabel* m_operation;
    StageDiagram* m_diagram;
    QueueChart* m_chart;
    QLabel* m_throughput;
    QLabel* m_inFlight;
    QLabel* m_asyncCount;
    QLabel* m_state;
    QTabWidget* m_side;
    WorkloadPanel* m_workload;
    SwitchesPanel* m_switches;
    ExplanationPanel* m_explanation;
    SlowMotionPanel* m_slowMotion;
    QLabel* m_demoStatus;
    QPlainTextEdit* m_demoReport;
    QString m_baselineReport;
    QTimer* m_timer;
    int m_ticks = 0;

    // The previous sample's workload counters, for throughput.
    std::optional<std::chrono::steady_clock::time_point> m_lastWhen;
    uint64_t m_lastBytes = 0;
    uint64_t m_lastOps = 0;
    std::optional<std::chrono::steady_clock::time_point> m_lastProgress;
};

} // namespace cryptstack
