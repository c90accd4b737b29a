#include "NamedThread.h"

#include <QThread>

namespace cryptstack {

NamedThread::NamedThread(const QString& name, std::function<void()> loop, std::function<void()> requestStop)
    : m_thread(QThread::create(std::move(loop))), m_requestStop(std::move(requestStop))
{
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
    m_thread->wait();
}

} // namespace cryptstack
