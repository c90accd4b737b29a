#include "CommandTable.h"
#include "DmReport.h"

namespace cryptstack::cli {

namespace {

class DmLsCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("dm ls"); }
    QString synopsis() const override { return {}; }
    QString summary() const override
    {
        return QStringLiteral("list devices; --tree draws the stacks down to the images");
    }
    QList<OptionSpec> options() const override
    {
        return {{QStringLiteral("tree"), {}, {}, QStringLiteral("show each stack as a tree")}};
    }
    int run(CliContext& context, const ArgParser& arguments) override
    {
        if (!arguments.positionals().isEmpty())
            return context.fail(Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("dm ls: unexpected argument \"%1\"").arg(arguments.positionals().first())));
        context.console().print(lsReport(context.registry(), arguments.isSet(QStringLiteral("tree"))));
        return 0;
    }
};

} // namespace

std::unique_ptr<Command> makeDmLsCommand()
{
    return std::make_unique<DmLsCommand>();
}

} // namespace cryptstack::cli
