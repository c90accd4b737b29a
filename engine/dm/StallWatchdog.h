// Notices when no bio of any device has completed for a set time while some are in flight, says
// in words who waits on what (threads waiting for pool pages, bios queued on threads' bio lists,
// suspended devices), and — unless the stall is only a suspended device — breaks it by failing
// the waits, so that I/O errors out and teardown always completes.
#pragma once

#include "core/NamedThread.h"

#include <QString>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace cryptstack {

class DeviceRegistry;

class StallWatchdog
{
public:
    using Reporter = std::function<void(const QString& report)>;

    explicit StallWatchdog(DeviceRegistry& registry);
    ~StallWatchdog();

    // Zero turns the watchdog off.
    void setTimeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds timeout() const;
    // Called on the watchdog's thread with each report.
    void setReporter(Reporter reporter);
    QString lastReport() const;
    int stallsBroken() const;

private:
    void run();
    QString check(std::chrono::steady_clock::time_point now);

    DeviceRegistry& m_registry;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::chrono::milliseconds m_timeout{5000};
    Reporter m_reporter;
    QString m_lastReport;
    int m_broken = 0;
    uint64_t m_lastCompleted = 0;
    std::chrono::steady_clock::time_point m_lastProgress = std::chrono::steady_clock::now();
    std::unique_ptr<NamedThread> m_thread;
};

} // namespace cryptstack
