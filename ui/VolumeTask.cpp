#include "VolumeTask.h"

#include "core/NamedThread.h"

#include <QMetaObject>

namespace cryptstack {

namespace {
std::function<void(const QString&)>& jobStartedHook()
{
    static std::function<void(const QString&)> hook;
    return hook;
}
} // namespace

void VolumeTask::setJobStartedHook(std::function<void(const QString& threadName)> hook)
{
    jobStartedHook() = std::move(hook);
}

void VolumeTask::Context::progress(int percent, const QString& text) const
{
    // Posted to the task: the destructor joins the worker before the QObject goes, so the post
    // never races the deletion, and posts still queued then are dropped with the object.
    QMetaObject::invokeMethod(
        &m_task, [task = &m_task, percent, text] { emit task->progressChanged(percent, text); },
        Qt::QueuedConnection);
}

VolumeTask::VolumeTask(const QString& threadName, QObject* parent) : QObject(parent), m_threadName(threadName)
{}

VolumeTask::~VolumeTask()
{
    m_cancel = true;
    m_worker.reset(); // joins; the queued answer is dropped with this object
}

bool VolumeTask::start(Job job)
{
    if (m_worker)
        return false;
    m_cancel = false;
    m_worker = std::make_unique<NamedThread>(
        m_threadName,
        [this, job = std::move(job)] {
            if (const auto& hook = jobStartedHook())
                hook(m_threadName);
            const Status status = job(Context(*this));
            QMetaObject::invokeMethod(
                this,
                [this, status] {
                    m_worker.reset(); // the join makes the job's writes visible here
                    m_cancel = false;
                    // Jobs decide what a late cancel means: work already done is reported as done.
                    emit finished(status);
                },
                Qt::QueuedConnection);
        },
        std::function<void()>());
    return true;
}

void VolumeTask::cancel()
{
    if (m_worker)
        m_cancel = true;
}

Status VolumeTask::cancelledStatus()
{
    return Status(ErrorCode::InvalidArgument, tr("Cancelled."));
}

bool VolumeTask::isCancelled(const Status& status)
{
    // Pbkdf's benchmark says "Cancelled"; a job that noticed the flag itself says "Cancelled.".
    return !status && (status.message() == u"Cancelled" || status.message() == tr("Cancelled."));
}

} // namespace cryptstack
