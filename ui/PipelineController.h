// Drives one crypt device for the pipeline view without ever blocking the GUI thread.
//
// Threads:
// - the GUI thread calls every public function; sample() only copies lock-free counters (and takes
//   the device's table mutex for a moment, never a lock held across I/O);
// - a control thread ("pipeline-control") runs the engine calls that may wait: suspend (which
//   drains in-flight bios), reload, resume, create and remove, engine settings;
// - a workload thread ("pipeline-workload") runs WorkloadRunner::run, which blocks until the run
//   ends; progress() and cancel() are safe from any thread.
// Results come back to the GUI thread as queued calls; nothing signals per bio.
#pragma once

#include "PipelineSample.h"
#include "core/Result.h"
#include "workload/WorkloadSpec.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QThread;

namespace cryptstack {

class DeviceRegistry;
class MappedDevice;
class WorkloadRunner;
struct TraceEvent;

class PipelineController : public QObject
{
    Q_OBJECT

public:
    explicit PipelineController(DeviceRegistry& registry, QObject* parent = nullptr);
    // Cancels the workload and waits for both threads (the watchdog ends any stall first).
    ~PipelineController() override;

    DeviceRegistry& registry() { return m_registry; }
    // Relative image paths in reloaded tables resolve against this folder (the stack file's).
    void setBaseDirectory(const QString& directory) { m_baseDirectory = directory; }

    // Selects the crypt device; resolved on the control thread (devicesChanged follows).
    void setDevice(const QString& name);
    QString deviceName() const { return m_deviceName; }
    // The devices of the registry with a crypt segment, as of the last control operation.
    QStringList cryptDevices() const { return m_cryptDevices; }
    // Re-reads the list of crypt devices on the control thread.
    void refreshDevices();

    // A copy of the live counters and configuration. GUI thread, any rate.
    PipelineSample sample();
    // The trace ring of the selected device (empty unless tracing is on).
    std::vector<TraceEvent> traceEvents();

    bool isWorkloadRunning() const { return m_workloadThread != nullptr; }
    // Runs the spec on the selected device on the workload thread until stopWorkload().
    void startWorkload(const WorkloadSpec& spec);
    void stopWorkload();
    // Runs next now when no workload runs, otherwise once the running one has ended.
    void afterWorkload(std::function<void()> next);

    // async, teaching, trace: engine settings, applied at once (on the control thread).
    void setEngineOption(const QString& option, bool on);
    void setPoolPages(uint64_t pages);
    // no_read_workqueue, no_write_workqueue, same_cpu_crypt, submit_from_crypt_cpus: applied as
    // dmsetup would — reload with the option changed, suspend, resume — while I/O keeps running.
    // Engine settings are carried over to the new table.
    void setTableOption(const QString& option, bool on);
    // Reloads the delay mapping below the crypt device with a new delay (reads and writes).
    void setLowerDelay(int milliseconds);

    // Runs work on the control thread, then done (if any) on the GUI thread with its status.
    // Operations run one at a time, in the order they were asked for.
    void runControl(const QString& what, std::function<Status()> work,
                    std::function<void(const Status&)> done = {});
    bool isControlBusy() const { return m_pendingControl > 0; }

    // Where work last ran, for tests and the status line.
    QThread* controlThread() const { return m_controlThread; }
    QThread* lastWorkloadThread() const { return m_lastWorkloadThread.load(); }
    QThread* lastControlRunThread() const { return m_lastControlRunThread.load(); }

signals:
    void devicesChanged();
    void workloadStarted();
    void workloadFinished(const QString& summary, bool failed);
    void operationStarted(const QString& what);
    void operationFinished(const QString& what, const QString& error);

private:
    void finishWorkload(const QString& summary, bool failed);
    void setResolvedDevice(std::shared_ptr<MappedDevice> device);
    // Hands the last reference of an engine object to the control thread, so that its destructor
    // (which may join threads or wait for bios) never runs on the GUI thread.
    void releaseOffThread(std::shared_ptr<void> object);

    DeviceRegistry& m_registry;
    QString m_baseDirectory;
    QString m_deviceName;
    QStringList m_cryptDevices;
    std::weak_ptr<MappedDevice> m_device;
    bool m_traceOn = false;

    QThread* m_controlThread = nullptr;
    QObject* m_controlContext = nullptr; // lives on m_controlThread; work is posted to it
    int m_pendingControl = 0;
    std::atomic<QThread*> m_lastControlRunThread{nullptr};

    std::unique_ptr<WorkloadRunner> m_runner;
    QThread* m_workloadThread = nullptr;
    std::atomic<QThread*> m_lastWorkloadThread{nullptr};
    std::vector<std::function<void()>> m_afterWorkload;
};

} // namespace cryptstack
