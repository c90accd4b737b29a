// Finds out what each mapped device holds (ContentProbe) on its own thread, so the window never
// waits for device I/O: probing reads up to 9 MiB per device, through whatever delay or crypt
// targets the stack has. Results come back to the GUI thread as a queued signal.
#pragma once

#include <QObject>
#include <QStringList>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace cryptstack {

class DeviceRegistry;
class NamedThread;

class ContentProber : public QObject
{
    Q_OBJECT

public:
    explicit ContentProber(DeviceRegistry& registry, QObject* parent = nullptr);
    // Stops after the device being probed now and joins the thread.
    ~ContentProber() override;

    // Probes these devices in order; whatever an earlier call left unprobed is dropped, and its
    // results are no longer reported.
    void probe(const QStringList& names);

signals:
    // summary: ContentDescription::summary(), or why the device was not probed.
    void probed(const QString& name, const QString& summary, const QStringList& partitions);

private:
    void loop();
    bool isCurrent(uint64_t generation) const;

    DeviceRegistry& m_registry;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    QStringList m_pending;     // guarded by m_mutex
    uint64_t m_generation = 0; // guarded by m_mutex: bumped by every probe() call
    bool m_stop = false;       // guarded by m_mutex
    std::unique_ptr<NamedThread> m_thread;
};

} // namespace cryptstack
