#include "StallWatchdog.h"

#include "DeviceRegistry.h"

namespace cryptstack {

StallWatchdog::StallWatchdog(DeviceRegistry& registry) : m_registry(registry)
{
    m_thread = std::make_unique<NamedThread>(
        QStringLiteral("dm-watchdog"), [this] { run(); },
        [this] {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
            m_wake.notify_all();
        });
}

StallWatchdog::~StallWatchdog()
{
    m_thread.reset();
}

void StallWatchdog::setTimeout(std::chrono::milliseconds timeout)
{
    std::lock_guard lock(m_mutex);
    m_timeout = timeout;
    m_lastProgress = std::chrono::steady_clock::now();
    m_wake.notify_all();
}

std::chrono::milliseconds StallWatchdog::timeout() const
{
    std::lock_guard lock(m_mutex);
    return m_timeout;
}

void StallWatchdog::setReporter(Reporter reporter)
{
    std::lock_guard lock(m_mutex);
    m_reporter = std::move(reporter);
}

QString StallWatchdog::lastReport() const
{
    std::lock_guard lock(m_mutex);
    return m_lastReport;
}

int StallWatchdog::stallsBroken() const
{
    std::lock_guard lock(m_mutex);
    return m_broken;
}

void StallWatchdog::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        const auto period = m_timeout.count() ? std::min(m_timeout / 4, std::chrono::milliseconds(250))
                                              : std::chrono::milliseconds(250);
        m_wake.wait_for(lock, period);
        if (m_stopping || m_timeout.count() == 0)
            continue;
        lock.unlock();
        const QString report = check(std::chrono::steady_clock::now());
        lock.lock();
        if (!report.isEmpty()) {
            m_lastReport = report;
            if (m_reporter) {
                Reporter reporter = m_reporter;
                lock.unlock();
                reporter(report);
                lock.lock();
            }
        }
    }
}

QString StallWatchdog::check(std::chrono::steady_clock::time_point now)
{
    uint64_t completed = 0;
    uint64_t inFlight = 0;
    QStringList busy, suspended;
    QStringList waits;
    std::vector<std::shared_ptr<MappedDevice>> devices;
    for (const QString& name : m_registry.names()) {
        auto device = m_registry.find(name);
        if (!device)
            continue;
        devices.push_back(device);
        completed += device->completed();
        const uint64_t count = device->inFlight() + device->heldCount();
        inFlight += count;
        if (count)
            busy += QStringLiteral("%1 %2").arg(name).arg(count);
        if (device->isSuspended())
            suspended += name;
        const std::shared_ptr<Table> table = device->activeTable(); // keeps the segments alive
        for (const Segment& segment : table->segments())
            waits += segment.target->waits();
    }
    std::chrono::milliseconds timeout;
    {
        std::lock_guard lock(m_mutex);
        if (completed != m_lastCompleted || inFlight == 0) {
            m_lastCompleted = completed;
            m_lastProgress = now;
            return {};
        }
        timeout = m_timeout;
        if (now - m_lastProgress < timeout)
            return {};
        m_lastProgress = now; // report a continuing stall once per timeout
    }
    const double seconds = std::chrono::duration<double>(timeout).count();
    QString report = QStringLiteral("watchdog: no bio completed for %1 s while bios are in flight (%2)\n")
                         .arg(seconds, 0, 'f', 1)
                         .arg(busy.join(QStringLiteral(", ")));
    for (const QString& wait : waits)
        report += QStringLiteral("  - %1\n").arg(wait);
    for (const QString& queued : BlockDevice::bioListReport())
        report += QStringLiteral("  - %1\n").arg(queued);
    if (!suspended.isEmpty()) {
        report += QStringLiteral("  - suspended, holding their bios until resumed: %1\n")
                      .arg(suspended.join(QStringLiteral(", ")));
    }
    if (waits.isEmpty() || !suspended.isEmpty()) {
        // A suspended device holds bios on purpose; resuming it is the way out, not failing I/O.
        report +=
            QStringLiteral("  Leaving it alone: %1.\n")
                .arg(suspended.isEmpty() ? QStringLiteral("nothing waits inside the engine")
                                         : QStringLiteral("resuming the suspended device ends the wait"));
        return report;
    }
    report += QStringLiteral(
        "  The pages are given back only when bios already holding them complete, and the bios "
        "queued on a thread's bio list start only after the map call running on that thread "
        "returns: that map call waits for the pages, so nothing can move (the deadlock that "
        "made dm-crypt stop blocking in map).\n"
        "  Breaking it: the waits for pages fail, and their bios end with I/O errors.\n");
    for (const auto& device : devices) {
        const std::shared_ptr<Table> table = device->activeTable(); // keeps the segments alive
        for (const Segment& segment : table->segments())
            segment.target->failWaits();
    }
    std::lock_guard lock(m_mutex);
    ++m_broken;
    return report;
}

} // namespace cryptstack
