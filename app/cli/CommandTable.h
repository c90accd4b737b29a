// Every CLI subcommand, in the order --help lists them, and the entry point that dispatches to
// them. Each factory lives in its command's own source file.
#pragma once

#include "Command.h"

#include <memory>
#include <vector>

namespace cryptstack::cli {

std::unique_ptr<Command> makeDmTableCommand();
std::unique_ptr<Command> makeDmStatusCommand();
std::unique_ptr<Command> makeDmInfoCommand();
std::unique_ptr<Command> makeDmDepsCommand();
std::unique_ptr<Command> makeDmLsCommand();
std::unique_ptr<Command> makeDmReadCommand();
std::unique_ptr<Command> makeDmWriteCommand();
std::unique_ptr<Command> makeBenchCommand();
std::unique_ptr<Command> makeShellCommand();
std::unique_ptr<Command> makeServeCommand();
std::unique_ptr<Command> makeStatusCommand();
// cryptsetup's verbs (app/cli/crypt/).
std::unique_ptr<Command> makeLuksFormatCommand();
std::unique_ptr<Command> makeOpenCommand();
std::unique_ptr<Command> makeCryptReadCommand();
std::unique_ptr<Command> makeCryptWriteCommand();
std::unique_ptr<Command> makeLuksDumpCommand();
std::unique_ptr<Command> makeLuksAddKeyCommand();
std::unique_ptr<Command> makeLuksRemoveKeyCommand();
std::unique_ptr<Command> makeLuksChangeKeyCommand();
std::unique_ptr<Command> makeLuksKillSlotCommand();
std::unique_ptr<Command> makeRepairCommand();
std::unique_ptr<Command> makeLuksHeaderBackupCommand();
std::unique_ptr<Command> makeLuksHeaderRestoreCommand();
std::unique_ptr<Command> makeConvertCommand();
std::unique_ptr<Command> makeIsLuksCommand();
std::unique_ptr<Command> makeLuksUuidCommand();
std::unique_ptr<Command> makeEraseCommand();
std::unique_ptr<Command> makeLuksEraseCommand();
std::unique_ptr<Command> makeConfigCommand();
std::unique_ptr<Command> makeBenchmarkCommand();

std::vector<std::unique_ptr<Command>> allCommands();

// Runs one command line (without the program name) and returns the process exit code.
int runCli(const QStringList& arguments, Console& console);

// The single positional argument a [NAME] command takes, or an error for more.
Result<QString> optionalName(const Command& command, const ArgParser& arguments);

} // namespace cryptstack::cli
