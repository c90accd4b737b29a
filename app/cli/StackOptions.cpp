#include "StackOptions.h"

#include "dm/ConciseFormat.h"

namespace cryptstack::cli {

QList<OptionSpec> stackOptions()
{
    return {
        {QStringLiteral("concise"),
         {},
         QStringLiteral("SPEC"),
         QStringLiteral("devices in dmsetup's concise format: name,uuid,minor,flags,table[,table]...[;...]")},
        {QStringLiteral("concise-file"),
         {},
         QStringLiteral("FILE"),
         QStringLiteral("concise devices, one per line (# comments; image paths relative to FILE)")},
    };
}

Status loadStacks(DeviceRegistry& registry, const ArgParser& arguments)
{
    for (const QString& spec : arguments.values(QStringLiteral("concise"))) {
        auto stack = parseConcise(spec);
        if (!stack)
            return stack.status();
        if (Status status = createConciseStack(registry, *stack); !status)
            return status;
    }
    for (const QString& path : arguments.values(QStringLiteral("concise-file"))) {
        auto stack = parseConciseFile(path);
        if (!stack)
            return stack.status();
        if (Status status = createConciseStack(registry, *stack); !status)
            return status;
    }
    return Status::ok();
}

} // namespace cryptstack::cli
