// The deadlock demonstration: one action builds a crypt device stacked on another, both with the
// smallest pools, in teaching mode (map encrypts inline and waits for pool pages) and starts a
// workload of 1 MiB writes into the top; it stalls until the watchdog explains and breaks it. A
// second action rebuilds the same stack with the normal design, where map never waits, and runs
// the same workload, which keeps going.
#pragma once

#include "workload/WorkloadSpec.h"

#include <QObject>

#include <chrono>

namespace cryptstack {

class PipelineController;

class DeadlockDemo : public QObject
{
    Q_OBJECT

public:
    enum class Phase { Idle, Building, TeachingDesign, NormalDesign, Failed };
    // The watchdog's timeout while the demonstration runs (short enough to wait for).
    static constexpr std::chrono::milliseconds WatchdogTimeout{2000};

    // Images go to directory, which must outlive the devices built over them.
    DeadlockDemo(PipelineController& controller, QString directory, QObject* parent = nullptr);

    void runTeachingDesign();
    void runNormalDesign();

    Phase phase() const { return m_phase; }
    QString statusText() const { return m_status; }
    // The watchdog's report made since the current phase began; empty while there is none.
    QString report() const;
    // Re-reads the watchdog (GUI timer); emits statusChanged when a report arrives.
    void poll();

    // 1 MiB sequential writes, one at a time, until stopped: each far larger than the pools.
    static WorkloadSpec workload();

signals:
    void statusChanged(const QString& text);
    void stackBuilt(const QString& topDevice);

private:
    void rebuild(bool teaching);
    void setStatus(Phase phase, const QString& text);

    PipelineController& m_controller;
    QString m_directory;
    Phase m_phase = Phase::Idle;
    QString m_status;
    QString m_baselineReport;
    int m_baselineStalls = 0;
    bool m_reported = false;
};

} // namespace cryptstack
