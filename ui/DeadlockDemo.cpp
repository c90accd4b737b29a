#include "DeadlockDemo.h"

#include "PipelineController.h"
#include "TeachingStacks.h"
#include "dm/DeviceRegistry.h"

namespace cryptstack {

DeadlockDemo::DeadlockDemo(PipelineController& controller, QString directory, QObject* parent)
    : QObject(parent), m_controller(controller), m_directory(std::move(directory))
{
    m_status = tr("Not started. \"Teaching design\" builds two crypt devices stacked on each other with tiny "
                  "pools, in the old design, and writes to the top one.");
}

WorkloadSpec DeadlockDemo::workload()
{
    WorkloadSpec spec;
    spec.pattern = WorkloadPattern::Sequential;
    spec.op = WorkloadOp::Write;
    spec.blockSize = 1 << 20;
    spec.queueDepth = 1;
    spec.threads = 1;
    spec.runtime = std::chrono::hours(24);
    return spec;
}

void DeadlockDemo::runTeachingDesign()
{
    rebuild(true);
}

void DeadlockDemo::runNormalDesign()
{
    rebuild(false);
}

void DeadlockDemo::setStatus(Phase phase, const QString& text)
{
    m_phase = phase;
    m_status = text;
    emit statusChanged(text);
}

void DeadlockDemo::rebuild(bool teaching)
{
    setStatus(Phase::Building, teaching ? tr("Stopping the workload and building the stack in teaching mode…")
                                        : tr("Stopping the workload and rebuilding the stack with the normal "
                                             "design…"));
    m_controller.afterWorkload([this, teaching] {
        StallWatchdog& watchdog = m_controller.registry().watchdog();
        m_baselineReport = watchdog.lastReport();
        m_baselineStalls = watchdog.stallsBroken();
        m_reported = false;
        DeviceRegistry* registry = &m_controller.registry();
        const QString directory = m_directory;
        m_controller.runControl(
            teaching ? tr("Building the crypt-on-crypt stack in teaching mode")
                     : tr("Building the crypt-on-crypt stack with the normal design"),
            [registry, directory, teaching] {
                registry->watchdog().setTimeout(WatchdogTimeout);
                return teaching::buildDeadlockStack(*registry, directory, teaching);
            },
            [this, teaching](const Status& status) {
                if (!status) {
                    setStatus(Phase::Failed, tr("Could not build the stack: %1").arg(status.message()));
                    return;
                }
                const QString top = teaching::deadlockTopName();
                m_controller.setDevice(top);
                emit stackBuilt(top);
                m_controller.startWorkload(workload());
                if (teaching)
                    setStatus(
                        Phase::TeachingDesign,
                        tr("Teaching design: writing 1 MiB bios into %1. Map takes all 32 pages of the "
                           "pool for the first 128 KiB piece, hands that piece to the crypt device below "
                           "(it waits on this thread's bio list until map returns) and then waits for "
                           "more pages — which only that piece could give back. Nothing completes; the "
                           "watchdog reports after %2 s.")
                            .arg(top)
                            .arg(WatchdogTimeout.count() / 1000.0));
                else
                    setStatus(
                        Phase::NormalDesign,
                        tr("Normal design: the same stack, the same pools and the same 1 MiB writes. Map "
                           "never waits: pieces queue to the crypt workers, which wait for pages on "
                           "their own threads, so the piece below always gets to run. It keeps going."));
            });
    });
}

QString DeadlockDemo::report() const
{
    if (m_phase != Phase::TeachingDesign && m_phase != Phase::NormalDesign)
        return {};
    StallWatchdog& watchdog = m_controller.registry().watchdog();
    const QString report = watchdog.lastReport();
    if (watchdog.stallsBroken() == m_baselineStalls && report == m_baselineReport)
        return {};
    return report;
}

void DeadlockDemo::poll()
{
    if (m_reported || m_phase != Phase::TeachingDesign || report().isEmpty())
        return;
    m_reported = true;
    setStatus(
        Phase::TeachingDesign,
        tr("Stalled, as the old design must: the watchdog's explanation is shown with the explanation. It "
           "failed the waits, so the stuck bios ended with I/O errors. Now rebuild the same stack with the "
           "normal design."));
}

} // namespace cryptstack
