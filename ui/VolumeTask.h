// Runs one engine job (format, unlock, a keyslot change, a header write, a PBKDF benchmark) on a
// thread of its own so the GUI thread never waits on a KDF or on I/O. The job reports progress and
// looks at a cancel flag; its result comes back to the GUI thread as a queued call, where the
// worker is joined before finished() is emitted, so everything the job wrote is visible to the
// slot. One job at a time; the destructor cancels a running job and joins it.
#pragma once

#include "core/Result.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace cryptstack {

class NamedThread;

class VolumeTask : public QObject
{
    Q_OBJECT

public:
    // What a job gets: the cancel flag (to hand to engine calls that take one) and a way to say
    // how far it is (percent 0–100, or -1 for "busy", and a short text for a person).
    class Context
    {
    public:
        const std::atomic_bool* cancelFlag() const { return &m_task.m_cancel; }
        bool isCancelled() const { return m_task.m_cancel.load(); }
        void progress(int percent, const QString& text) const;

    private:
        friend class VolumeTask;
        explicit Context(VolumeTask& task) : m_task(task) {}
        VolumeTask& m_task;
    };
    using Job = std::function<Status(const Context&)>;

    // threadName: what the worker is called in top -H and gdb (e.g. "gui-format").
    explicit VolumeTask(const QString& threadName, QObject* parent = nullptr);
    ~VolumeTask() override;

    bool isRunning() const { return m_worker != nullptr; }
    // Starts job on the worker; false when one is still running.
    bool start(Job job);
    // Asks the running job to stop; finished() still follows.
    void cancel();
    bool isCancelRequested() const { return m_cancel.load(); }

    // Called on the worker thread as each job starts, with the thread's name (tests check that no
    // job runs on the GUI thread). Set it before any task starts.
    static void setJobStartedHook(std::function<void(const QString& threadName)> hook);

    // The status engine calls return when their cancel flag stopped them.
    static Status cancelledStatus();
    static bool isCancelled(const Status& status);

signals:
    void progressChanged(int percent, const QString& text);
    // On the GUI thread, after the worker was joined.
    void finished(const cryptstack::Status& status);

private:
    QString m_threadName;
    std::unique_ptr<NamedThread> m_worker;
    std::atomic_bool m_cancel{false};
};

} // namespace cryptstack
