#include "CliRunner.h"

#include "CommandTable.h"

#include <QBuffer>

namespace cryptstack::test {

namespace {

class InteractiveConsole final : public cli::Console
{
public:
    using Console::Console;
    bool inputIsInteractive() const override { return true; }
};

template <typename ConsoleType> CliResult runWith(const QStringList& arguments, const QByteArray& stdinBytes)
{
    QByteArray inBytes = stdinBytes;
    QBuffer in(&inBytes);
    CliResult result;
    QBuffer out(&result.out);
    QBuffer err(&result.err);
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    err.open(QIODevice::WriteOnly);
    ConsoleType console(&in, &out, &err);
    result.exitCode = cli::runCli(arguments, console);
    return result;
}

} // namespace

CliResult runCli(const QStringList& arguments, const QByteArray& stdinBytes)
{
    return runWith<cli::Console>(arguments, stdinBytes);
}

CliResult runCliInteractive(const QStringList& arguments, const QByteArray& stdinBytes)
{
    return runWith<InteractiveConsole>(arguments, stdinBytes);
}

} // namespace cryptstack::test
