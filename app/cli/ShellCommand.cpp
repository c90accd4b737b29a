#include "CommandTable.h"
#include "DeviceIo.h"
#include "Shell.h"

namespace cryptstack::cli {

namespace {

class ShellCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("shell"); }
    QString synopsis() const override { return {}; }
    QString summary() const override
    {
        return QStringLiteral("run dmsetup-style commands from stdin or a script, all in one engine");
    }
    QList<OptionSpec> options() const override
    {
        return {{QStringLiteral("file"), u'f', QStringLiteral("SCRIPT"),
                 QStringLiteral("read commands from SCRIPT instead of stdin")}};
    }
    int run(CliContext& context, const ArgParser& arguments) override
    {
        if (!arguments.positionals().isEmpty())
            return context.fail(
                Status(ErrorCode::InvalidArgument,
                       QStringLiteral("shell: unexpected argument \"%1\"; give a script with -f")
                           .arg(arguments.positionals().first())));
        const bool fromStdin =
            !arguments.isSet(QStringLiteral("file")) || arguments.value(QStringLiteral("file")) == u"-";
        Shell shell(context, fromStdin);
        if (fromStdin) {
            const bool interactive = context.console().inputIsInteractive();
            if (interactive)
                context.console().writeError(Shell::help().toUtf8());
            return shell.run(*context.console().in(), QStringLiteral("stdin"), interactive);
        }
        const QString path = arguments.value(QStringLiteral("file"));
        auto script = openStream(path, QIODevice::ReadOnly | QIODevice::Text, nullptr);
        if (!script)
            return context.fail(script.status());
        return shell.run(**script, path, false);
    }
};

} // namespace

std::unique_ptr<Command> makeShellCommand()
{
    return std::make_unique<ShellCommand>();
}

} // namespace cryptstack::cli
