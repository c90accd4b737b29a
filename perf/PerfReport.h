// Turns PerfResults into the tables scripts/bench prints and the measured part of
// docs/PERFORMANCE.md, with each ratio the performance targets are stated in.
#pragma once

#include "PerfResults.h"

namespace cryptstack::perf {

// The Markdown tables (machine, limit, sequential, latency, peer, memory, unlock, targets).
QString renderReport(const PerfResults& results);

// Replaces what lies between the report markers of the document at path (creating it with the
// markers when missing), so the hand-written analysis around them stays.
bool writeReportInto(const QString& path, const QString& report);

// 1 / (1/io + 1/cipher): the same cores first move the data as linear does, then run the cipher.
double idealThroughput(double linearMBps, double limitMBps);

} // namespace cryptstack::perf
