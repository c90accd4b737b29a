// cryptstack: the command-line front end. All work happens in the CLI library; this only wires
// the process's standard streams to it.
#include "CommandTable.h"

#include <QCoreApplication>
#include <QFile>

#include <unistd.h>

namespace {

class ProcessConsole final : public cryptstack::cli::Console
{
public:
    ProcessConsole(QFile* in, QFile* out, QFile* err) : Console(in, out, err) {}
    bool inputIsInteractive() const override { return ::isatty(STDIN_FILENO) == 1; }
};

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cryptstack"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CRYPTSTACK_VERSION));
    QFile in, out, err;
    if (!in.open(stdin, QIODevice::ReadOnly, QFileDevice::DontCloseHandle) ||
        !out.open(stdout, QIODevice::WriteOnly | QIODevice::Unbuffered, QFileDevice::DontCloseHandle) ||
        !err.open(stderr, QIODevice::WriteOnly | QIODevice::Unbuffered, QFileDevice::DontCloseHandle))
        return 1;
    ProcessConsole console(&in, &out, &err);
    QStringList arguments = QCoreApplication::arguments();
    arguments.removeFirst();
    return cryptstack::cli::runCli(arguments, console);
}
