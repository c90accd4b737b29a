// Runs a peer tool (qemu-img, cryptsetup) or the cryptstack binary as a child process and reports
// what the benchmark compares: exit status, wall time and the child's peak resident memory.
#pragma once

#include <QString>
#include <QStringList>

namespace cryptstack::perf {

struct ChildRun
{
    int exitCode = -1; // -1: not started or killed by a signal
    double seconds = 0;
    long maxRssKiB = 0; // getrusage's ru_maxrss of the child
    QString errorText;  // the last lines of its stderr when it failed
};

// stdin from stdinPath (empty: /dev/null); stdout discarded; stderr kept for errorText.
ChildRun runChild(const QString& program, const QStringList& arguments, const QString& stdinPath = {});

} // namespace cryptstack::perf
