#include "NamedThread.h"

#include <QThread>

namespace cryptstack {

NamedThread::NamedThread(const QString& name, std::function<void()> loop, std::function<void()> requestStop)
    : m_requestStop(std::move(requestStop))
{
    // The loop reports its end through std:: primitives as well as through QThread: Debian's Qt
    // is not instrumented, so ThreadSanitizer sees the join only through this hand-shake.
    m_thread.reset(QThread::create([this, loop = std::move(loop)] {
        loop();
        std::lock_guard lock(m_finishedMutex);
        m_finished = true;
        m_finishedCondition.notify_all();
    }));
    // Qt hands the object name to the OS (truncated to 15 bytes on Linux) when the thread starts.
    m_thread->setObjectName(name);
    m_thread->start();
}

NamedThread::~NamedThread()
{
    join();
}

QString NamedThread::name() const
{
    return m_thread->objectName();
}

void NamedThread::join()
{
    if (m_requestStop) {
        m_requestStop();
        m_requestStop = nullptr;
    }
    {
        std::unique_lock lock(m_finishedMutex);
        m_finishedCondition.wait(lock, [this] { return m_finished; });
    }
    m_thread->wait();
}

} // namespace cryptstack
