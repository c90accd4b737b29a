#include "CommandTable.h"

#include "StackOptions.h"

#include <QCoreApplication>

namespace cryptstack::cli {

std::vector<std::unique_ptr<Command>> allCommands()
{
    std::vector<std::unique_ptr<Command>> commands;
    commands.push_back(makeDmTableCommand());
    commands.push_back(makeDmStatusCommand());
    commands.push_back(makeDmInfoCommand());
    commands.push_back(makeDmDepsCommand());
    commands.push_back(makeDmLsCommand());
    commands.push_back(makeDmReadCommand());
    commands.push_back(makeDmWriteCommand());
    commands.push_back(makeBenchCommand());
    commands.push_back(makeShellCommand());
    commands.push_back(makeServeCommand());
    commands.push_back(makeLuksFormatCommand());
    commands.push_back(makeOpenCommand());
    commands.push_back(makeStatusCommand());
    commands.push_back(makeCryptReadCommand());
    commands.push_back(makeCryptWriteCommand());
    commands.push_back(makeLuksDumpCommand());
    commands.push_back(makeLuksAddKeyCommand());
    commands.push_back(makeLuksRemoveKeyCommand());
    commands.push_back(makeLuksChangeKeyCommand());
    commands.push_back(makeLuksKillSlotCommand());
    commands.push_back(makeRepairCommand());
    commands.push_back(makeLuksHeaderBackupCommand());
    commands.push_back(makeLuksHeaderRestoreCommand());
    commands.push_back(makeConvertCommand());
    commands.push_back(makeIsLuksCommand());
    commands.push_back(makeLuksUuidCommand());
    commands.push_back(makeEraseCommand());
    commands.push_back(makeLuksEraseCommand());
    commands.push_back(makeConfigCommand());
    commands.push_back(makeBenchmarkCommand());
    return commands;
}

Result<QString> optionalName(const Command& command, const ArgParser& arguments)
{
    if (arguments.positionals().size() > 1)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1: unexpected argument \"%2\" (usage: cryptstack %1 %3)")
                          .arg(command.name(), arguments.positionals().at(1), command.synopsis()));
    return arguments.positionals().value(0);
}

namespace {

QString overview(const std::vector<std::unique_ptr<Command>>& commands)
{
    QString text =
        QStringLiteral("Usage: cryptstack COMMAND [OPTIONS] [ARGUMENTS]\n\n"
                       "Encrypted volumes and device-mapper stacks in image files, without root.\n\n"
                       "Commands:\n");
    for (const auto& command : commands)
        text += QStringLiteral("  %1  %2\n")
                    .arg(command->name() + u' ' + command->synopsis(), -44)
                    .arg(command->summary());
    text += QStringLiteral("\nRun 'cryptstack COMMAND --help' for a command's options.\n"
                           "Exit codes: 0 success, 1 wrong parameters or other error, 2 no permission, "
                           "3 out of memory, 4 wrong device, 5 device busy or exists.\n");
    return text;
}

} // namespace

int runCli(const QStringList& arguments, Console& console)
{
    const auto commands = allCommands();
    if (arguments.isEmpty() || arguments.first() == u"--help" || arguments.first() == u"-h" ||
        arguments.first() == u"help") {
        console.print(overview(commands));
        return arguments.isEmpty() ? 1 : 0;
    }
    if (arguments.first() == u"--version") {
        console.printLine(QStringLiteral("cryptstack %1").arg(QLatin1String(CRYPTSTACK_VERSION)));
        return 0;
    }
    // A command's name is one or two words ("shell", "dm table").
    Command* command = nullptr;
    qsizetype consumed = 0;
    for (const auto& candidate : commands) {
        const QStringList words = candidate->name().split(u' ');
        if (arguments.mid(0, words.size()) == words) {
            command = candidate.get();
            consumed = words.size();
            break;
        }
    }
    if (!command) {
        const QString asked = arguments.mid(0, arguments.first() == u"dm" ? 2 : 1).join(u' ');
        console.error(
            QStringLiteral("unknown command \"%1\"; run 'cryptstack --help' for the list").arg(asked));
        return 1;
    }
    QList<OptionSpec> options = command->options();
    if (command->takesStack())
        options += stackOptions();
    ArgParser parser(command->name(), options);
    CliContext context(console);
    if (Status status = parser.parse(arguments.mid(consumed)); !status)
        return context.fail(status);
    if (parser.isSet(QStringLiteral("help"))) {
        console.print(
            QStringLiteral("Usage: cryptstack %1 [OPTIONS] %2\n\n%3\n\nOptions:\n%4")
                .arg(command->name(), command->synopsis(), command->summary(), parser.optionHelp()));
        return 0;
    }
    if (command->takesStack()) {
        if (Status status = loadStacks(context.registry(), parser); !status)
            return context.fail(status);
    }
    return command->run(context, parser);
}

} // namespace cryptstack::cli
