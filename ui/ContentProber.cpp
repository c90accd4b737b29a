#include "ContentProber.h"

#include "core/NamedThread.h"
#include "dm/DeviceRegistry.h"
#include "probe/ContentProbe.h"

namespace cryptstack {

ContentProber::ContentProber(DeviceRegistry& registry, QObject* parent)
    : QObject(parent), m_registry(registry)
{
    m_thread = std::make_unique<NamedThread>(
        QStringLiteral("probe/gui"), [this] { loop(); },
        [this] {
            std::lock_guard lock(m_mutex);
            m_stop = true;
            m_wake.notify_all();
        });
}

ContentProber::~ContentProber()
{
    m_thread.reset(); // before the members the loop uses
}

void ContentProber::probe(const QStringList& names)
{
    std::lock_guard lock(m_mutex);
    m_pending = names;
    ++m_generation;
    m_wake.notify_all();
}

bool ContentProber::isCurrent(uint64_t generation) const
{
    std::lock_guard lock(m_mutex);
    return generation == m_generation && !m_stop;
}

void ContentProber::loop()
{
    for (;;) {
        QString name;
        uint64_t generation = 0;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_pending.isEmpty(); });
            if (m_stop)
                return;
            name = m_pending.takeFirst();
            generation = m_generation;
        }
        QString summary;
        QStringList partitions;
        // The device (and what it stacks on) stays alive while probed, even if removed meanwhile;
        // the last reference may then drop here, never on the GUI thread.
        std::shared_ptr<MappedDevice> device = m_registry.find(name);
        if (!device)
            continue;
        // I/O to a stack with a suspended device would wait until it resumes.
        if (const QString suspended = m_registry.suspendedInStack(name); !suspended.isEmpty()) {
            summary = tr("not probed: %1 is suspended").arg(suspended);
        } else if (auto content = ContentProbe::probe(*device)) {
            summary = content->summary();
            partitions = content->partitionLines();
        } else {
            summary = tr("cannot probe: %1").arg(content.message());
        }
        device.reset();
        QMetaObject::invokeMethod(
            this,
            [this, generation, name, summary, partitions] {
                if (isCurrent(generation))
                    emit probed(name, summary, partitions);
            },
            Qt::QueuedConnection);
    }
}

} // namespace cryptstack
