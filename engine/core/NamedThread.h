// An RAII handle for one engine thread: a QThread running a loop function, named after its stage
// and device (the name shows in top -H, gdb and the pipeline view). The destructor asks the loop to
// stop through the stop callback and joins the thread, so no thread outlives its owner.
#pragma once

#include <QString>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

class QThread;

namespace cryptstack {

class NamedThread
{
public:
    NamedThread(const QString& name, std::function<void()> loop, std::function<void()> requestStop);
    ~NamedThread();
    NamedThread(const NamedThread&) = delete;
    NamedThread& operator=(const NamedThread&) = delete;

    QString name() const;
    void join();

private:
    std::unique_ptr<QThread> m_thread;
    std::function<void()> m_requestStop;
    std::mutex m_finishedMutex;
    std::condition_variable m_finishedCondition;
    bool m_finished = false;
};

} // namespace cryptstack
