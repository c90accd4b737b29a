// Running the peers the interoperability tests compare against (cryptsetup, qemu-img, qemu-io,
// Debian's python3): whether one is installed, and one run with its output and exit code.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace cryptstack::test {

struct ToolRun
{
    int exitCode = -1; // -1: could not start, crashed or timed out
    QByteArray out;
    QByteArray err;
    bool ok() const { return exitCode == 0; }
};

// The tool's full path, or an empty string when it is not installed (searches sbin too:
// cryptsetup lives in /usr/sbin).
QString findTool(const QString& name);
ToolRun runTool(const QString& program, const QStringList& arguments, const QByteArray& input = {},
                int timeoutMs = 120000);

} // namespace cryptstack::test
