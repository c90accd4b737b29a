#include "InspectTask.h"

#include "core/NamedThread.h"

namespace cryptstack {

InspectTask::InspectTask(const QString& threadName, QObject* parent)
    : QObject(parent), m_threadName(threadName)
{}

InspectTask::~InspectTask()
{
    m_pending.reset();
    if (m_cancelled)
        m_cancelled->store(true);
    m_thread.reset(); // joins; the queued completion dies with this object
}

void InspectTask::cancel()
{
    m_pending.reset();
    if (m_thread && m_cancelled)
        m_cancelled->store(true);
}

void InspectTask::start(std::function<void(const std::atomic_bool&)> work, std::function<void()> done)
{
    Job job{std::move(work), std::move(done)};
    if (m_thread) {
        m_cancelled->store(true);
        m_pending = std::move(job);
        return;
    }
    launch(std::move(job));
    emit busyChanged(true);
}

void InspectTask::launch(Job job)
{
    m_cancelled = std::make_shared<std::atomic_bool>(false);
    m_done = std::move(job.done);
    m_thread = std::make_unique<NamedThread>(
        QStringLiteral("inspect/") + m_threadName,
        [this, work = std::move(job.work), cancelled = m_cancelled] {
            work(*cancelled);
            // Posted to this object: dropped with it if it goes first (its destructor joins this
            // thread before the QObject part is destroyed).
            QMetaObject::invokeMethod(
                this, [this] { finished(); }, Qt::QueuedConnection);
        },
        std::function<void()>());
}

void InspectTask::finished()
{
    m_thread.reset(); // the work has returned: a short join that makes its writes visible
    std::function<void()> done = std::move(m_done);
    m_done = nullptr;
    if (!m_cancelled->load() && done)
        done();
    if (m_thread)
        return; // done() started the next run
    if (m_pending) {
        Job next = std::move(*m_pending);
        m_pending.reset();
        launch(std::move(next));
        return;
    }
    emit busyChanged(false);
}

} // namespace cryptstack
