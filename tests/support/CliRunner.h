// Runs the CLI in-process over buffers: the same code path as the cryptstack binary, without a
// child process.
#pragma once

#include <QByteArray>
#include <QStringList>

namespace cryptstack::test {

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

CliResult runCli(const QStringList& arguments, const QByteArray& stdinBytes = {});
// The same with stdin counting as a terminal: confirmations are asked, and the shell reports
// errors and keeps going.
CliResult runCliInteractive(const QStringList& arguments, const QByteArray& stdinBytes);

} // namespace cryptstack::test
