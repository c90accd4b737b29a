#include "CliRunner.h"

#include "CommandTable.h"

#include <QBuffer>

namespace cryptstack::test {

CliResult runCli(const QStringList& arguments, const QByteArray& stdinBytes)
{
    QByteArray inBytes = stdinBytes;
    QBuffer in(&inBytes);
    CliResult result;
    QBuffer out(&result.out);
    QBuffer err(&result.err);
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    err.open(QIODevice::WriteOnly);
    cli::Console console(&in, &out, &err);
    result.exitCode = cli::runCli(arguments, console);
    return result;
}

} // namespace cryptstack::test
