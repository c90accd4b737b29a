#include "ReportCommand.h"

#include "CommandTable.h"

namespace cryptstack::cli {

int ReportCommand::run(CliContext& context, const ArgParser& arguments)
{
    auto name = optionalName(*this, arguments);
    if (!name)
        return context.fail(name.status());
    auto text = report(context.registry(), *name, arguments);
    if (!text)
        return context.fail(text.status());
    context.console().print(*text);
    return 0;
}

} // namespace cryptstack::cli
