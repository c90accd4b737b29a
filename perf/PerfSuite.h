// The side-by-side benchmark behind scripts/bench: the cipher limit, linear, the crypt target in
// its queue configurations, 4 KiB QD1 latency, qemu-img as the peer, peak memory while copying a
// volume, and unlock time against cryptsetup — all in one run on one image in the page cache, so
// every ratio compares numbers taken minutes apart on the same machine.
#pragma once

#include "PerfResults.h"

#include <functional>

namespace cryptstack::perf {

struct PerfOptions
{
    QString workDir;            // scratch files (tmpfs if possible: no writeback competes for the cores)
    QString cryptstackBinary;   // for the process-level rows (peer, memory, unlock)
    uint64_t imageMiB = 1024;   // the image the workloads run on
    uint64_t volumeMiB = 4096;  // the volume copied for the peak-memory rows
    double secondsPerRun = 2.0; // each workload run
    int repeats = 3;            // runs per configuration; the median is reported
    bool quick = false;         // skip the process-level rows (peer, memory, unlock)
};

class PerfSuite
{
public:
    using Progress = std::function<void(const QString& line)>;

    PerfSuite(PerfOptions options, Progress progress);
    PerfResults run();

private:
    void measureLimits();
    void measureSequential();
    void measureLatency();
    void measurePeers();
    void measureMemory();
    void measureUnlock();
    bool prepareImage(const QString& path, uint64_t mib, bool fill);

    PerfOptions m_options;
    Progress m_progress;
    PerfResults m_results;
    QString m_image;
};

} // namespace cryptstack::perf
