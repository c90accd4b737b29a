// The workload's parameters (pattern, operation, block size, queue depth, threads, rate) and its
// start and stop buttons. It only builds a WorkloadSpec; PipelineController runs it.
#pragma once

#include "workload/WorkloadSpec.h"

#include <QGroupBox>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace cryptstack {

class WorkloadPanel : public QGroupBox
{
    Q_OBJECT

public:
    explicit WorkloadPanel(QWidget* parent = nullptr);

    // The spec the controls describe; it runs until stopped.
    WorkloadSpec spec() const;
    void setSpec(const WorkloadSpec& spec);
    void setRunning(bool running);
    void setStatusText(const QString& text);

signals:
    void startRequested();
    void stopRequested();

private:
    QComboBox* m_pattern;
    QComboBox* m_op;
    QComboBox* m_blockSize;
    QSpinBox* m_queueDepth;
    QSpinBox* m_threads;
    QSpinBox* m_rate;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_status;
};

} // namespace cryptstack
