#include "CommandTable.h"
#include "DeviceIo.h"

namespace cryptstack::cli {

namespace {

class DmReadCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("dm read"); }
    QString synopsis() const override { return QStringLiteral("NAME"); }
    QString summary() const override { return QStringLiteral("copy bytes of a device to stdout or a file"); }
    QList<OptionSpec> options() const override
    {
        return {
            {QStringLiteral("offset"),
             {},
             QStringLiteral("BYTES"),
             QStringLiteral("start here (default 0; K, M, G suffixes)")},
            {QStringLiteral("length"),
             {},
             QStringLiteral("BYTES"),
             QStringLiteral("copy this many bytes (default: to the end)")},
            {QStringLiteral("output"), u'o', QStringLiteral("FILE"),
             QStringLiteral("write here instead of stdout (- is stdout)")},
        };
    }
    int run(CliContext& context, const ArgParser& arguments) override
    {
        if (arguments.positionals().size() != 1)
            return context.fail(
                Status(ErrorCode::InvalidArgument,
                       QStringLiteral("dm read: expected one device name (usage: cryptstack dm read NAME "
                                      "[--offset BYTES] [--length BYTES] [-o FILE])")));
        const QString deviceName = arguments.positionals().first();
        auto device = context.registry().get(deviceName);
        if (!device)
            return context.fail(device.status());
        auto offset = byteCountOption(arguments, QStringLiteral("offset"), name());
        if (!offset)
            return context.fail(offset.status());
        auto length = byteCountOption(arguments, QStringLiteral("length"), name());
        if (!length)
            return context.fail(length.status());
        if (Status status = checkNotSuspended(context.registry(), deviceName); !status)
            return context.fail(status);
        if (Status status = checkReadRange(**device, offset->value_or(0), *length); !status)
            return context.fail(status.prefixed(QStringLiteral("dm read: ")));
        const QString target = arguments.isSet(QStringLiteral("output"))
                                   ? arguments.value(QStringLiteral("output"))
                                   : QStringLiteral("-");
        auto out = openStream(target, QIODevice::WriteOnly | QIODevice::Truncate, context.console().out());
        if (!out)
            return context.fail(out.status());
        if (Status status = readDevice(**device, offset->value_or(0), *length, **out); !status)
            return context.fail(status.prefixed(QStringLiteral("dm read: ")));
        return 0;
    }
};

} // namespace

std::unique_ptr<Command> makeDmReadCommand()
{
    return std::make_unique<DmReadCommand>();
}

} // namespace cryptstack::cli
