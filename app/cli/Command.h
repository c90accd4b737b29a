// One CLI subcommand. Each lives in its own class, uses only the public engine API, and is listed
// in CommandTable, from which --help is generated.
#pragma once

#include "ArgParser.h"
#include "Console.h"
#include "dm/DeviceRegistry.h"

namespace cryptstack::cli {

// cryptsetup's exit codes: 1 wrong parameters or other error, 2 no permission or bad passphrase,
// 3 out of memory, 4 wrong device, 5 device busy or already exists.
int exitCodeFor(ErrorCode code);

// What one invocation works on: its console and its own engine.
class CliContext
{
public:
    explicit CliContext(Console& console) : m_console(console) {}

    Console& console() { return m_console; }
    DeviceRegistry& registry() { return m_registry; }

    // Prints the error as one line and returns its exit code.
    int fail(const Status& status);

private:
    Console& m_console;
    DeviceRegistry m_registry;
};

class Command
{
public:
    virtual ~Command() = default;
    virtual QString name() const = 0;     // e.g. "dm table"
    virtual QString synopsis() const = 0; // positional arguments, e.g. "[NAME]"
    virtual QString summary() const = 0;
    virtual QList<OptionSpec> options() const { return {}; }
    // Whether --concise / --concise-file describe a stack to build first.
    virtual bool takesStack() const { return true; }
    virtual int run(CliContext& context, const ArgParser& arguments) = 0;
};

} // namespace cryptstack::cli
