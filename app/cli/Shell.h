// `cryptstack shell`: dmsetup-style commands, one per line, all against one engine, so a script can
// create a stack, suspend, reload, message and resume it, and read and write through it.
#pragma once

#include "Command.h"

namespace cryptstack::cli {

class Shell
{
public:
    // stdinIsScript: the commands come from stdin, so "-" may not mean stdin for data.
    Shell(CliContext& context, bool stdinIsScript);
    ~Shell();
    Shell(const Shell&) = delete;
    Shell& operator=(const Shell&) = delete;

    // Runs every line from the stream. Returns 0, or the exit code of the first failed command
    // unless keepGoing (interactive use), in which case errors are reported and skipped.
    int run(QIODevice& script, const QString& scriptName, bool keepGoing);
    // Runs one line; returns its status (an empty line or comment succeeds).
    Status execute(const QString& line);
    bool quitRequested() const { return m_quit; }

    static QString help();

private:
    Status create(QStringList words);
    Status reload(QStringList words);
    Status readCommand(const QStringList& words);
    Status writeCommand(const QStringList& words);
    Status report(const QStringList& words);
    Status message(const QStringList& words);
    Status keyctl(const QStringList& words);
    // "VERB NAME [--json]": prints the report the function makes for the device.
    using ReportFunction = Result<QString> (*)(const DeviceRegistry&, const QString&, bool);
    Status deviceReport(const QStringList& words, const QString& usageText, ReportFunction report);
    Status workload(QStringList words);
    Result<QStringList> tableLines(const QStringList& words, const QString& command) const;

    CliContext& m_context;
    bool m_stdinIsScript;
    bool m_quit = false;
};

} // namespace cryptstack::cli
