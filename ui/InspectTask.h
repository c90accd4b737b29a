// One worker thread at a time for an inspector panel: the work runs on a NamedThread
// ("inspect/<what>"), its result comes back to the GUI thread as a queued call. A run() while
// another is in flight cancels the running one (its result is dropped) and starts when it ends,
// so the GUI thread never waits for engine work; only the destructor joins (after cancelling).
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace cryptstack {

class NamedThread;

class InspectTask : public QObject
{
    Q_OBJECT

public:
    explicit InspectTask(const QString& threadName, QObject* parent = nullptr);
    ~InspectTask() override;

    bool isBusy() const { return m_thread != nullptr; }
    // work runs on the task's thread and should look at cancelled now and then; done runs on the
    // GUI thread with its result, unless cancel() or another run() came first.
    template <typename T>
    void run(std::function<T(const std::atomic_bool& cancelled)> work, std::function<void(T)> done)
    {
        auto result = std::make_shared<std::optional<T>>();
        start([work = std::move(work),
               result](const std::atomic_bool& cancelled) { result->emplace(work(cancelled)); },
              [done = std::move(done), result] {
                  if (*result)
                      done(std::move(**result));
              });
    }
    // Asks the running work to stop and drops its result (and any queued run).
    void cancel();

signals:
    void busyChanged(bool busy);

private:
    struct Job
    {
        std::function<void(const std::atomic_bool&)> work;
        std::function<void()> done;
    };
    void start(std::function<void(const std::atomic_bool&)> work, std::function<void()> done);
    void launch(Job job);
    void finished();

    QString m_threadName;
    std::unique_ptr<NamedThread> m_thread;
    std::shared_ptr<std::atomic_bool> m_cancelled;
    std::function<void()> m_done;
    std::optional<Job> m_pending;
};

} // namespace cryptstack
