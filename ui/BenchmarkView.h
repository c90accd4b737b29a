// The benchmark view: cryptsetup benchmark's cipher and PBKDF measurements as tables and a bar
// chart, and fio-like workloads on a mapped device with their speed and latency, one row per run.
// Every measurement runs on a worker thread; the view only receives finished rows.
#pragma once

#include "VolumeTask.h"

#include <QWidget>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

class QBarSet;
class QBarCategoryAxis;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QValueAxis;

namespace cryptstack {

class DeviceRegistry;
class WorkloadRunner;
struct CipherSpeed;
struct WorkloadResult;

class BenchmarkView : public QWidget
{
    Q_OBJECT

public:
    // The registry must outlive the view.
    explicit BenchmarkView(DeviceRegistry& registry, QWidget* parent = nullptr);
    ~BenchmarkView() override;

    // How long each cipher direction is measured (cryptsetup: about 100 ms); tests shorten it.
    void setCipherMeasureTime(std::chrono::milliseconds perDirection) { m_perDirection = perDirection; }
    // Re-reads the registry's device names into the workload's device list.
    void refreshDevices();
    bool isBusy() const { return m_task->isRunning(); }

    void runCipherBenchmark();
    void runWorkload();
    void cancel();

signals:
    // After the last row of a cipher benchmark or a workload run (also when cancelled or failed).
    void finished();

private:
    void startWorker(VolumeTask::Job job);
    void addCipherRow(const QString& label, size_t keyBytes, std::optional<CipherSpeed> speed);
    void addPbkdfRow(const QString& name, const QString& value);
    void addWorkloadRow(const WorkloadResult& result, const QString& description);
    void showError(const QString& what, const QString& detail);
    void setBusy(bool busy);

    DeviceRegistry& m_registry;
    QTableWidget* m_cipherTable;
    QTableWidget* m_pbkdfTable;
    QTableWidget* m_workloadTable;
    QBarSet* m_encryptBars;
    QBarSet* m_decryptBars;
    QBarCategoryAxis* m_categories;
    QValueAxis* m_speedAxis;
    QPushButton* m_runCiphers;
    QPushButton* m_runWorkload;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_status;
    QComboBox* m_device;
    QComboBox* m_rw;
    QComboBox* m_blockSize;
    QSpinBox* m_queueDepth;
    QSpinBox* m_seconds;

    std::chrono::milliseconds m_perDirection{100};
    std::unique_ptr<WorkloadRunner> m_runner;
    // Last, so that it joins the worker before the members the job uses are destroyed.
    std::unique_ptr<VolumeTask> m_task;
};

} // namespace cryptstack
