#include "CommandTable.h"
#include "DeviceIo.h"

namespace cryptstack::cli {

namespace {

class DmWriteCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("dm write"); }
    QString synopsis() const override { return QStringLiteral("NAME"); }
    QString summary() const override { return QStringLiteral("copy stdin or a file onto a device"); }
    QList<OptionSpec> options() const override
    {
        return {
            {QStringLiteral("offset"),
             {},
             QStringLiteral("BYTES"),
             QStringLiteral("start here (default 0; K, M, G suffixes)")},
            {QStringLiteral("input"), u'i', QStringLiteral("FILE"),
             QStringLiteral("read from here instead of stdin (- is stdin)")},
        };
    }
    int run(CliContext& context, const ArgParser& arguments) override
    {
        if (arguments.positionals().size() != 1)
            return context.fail(
                Status(ErrorCode::InvalidArgument,
                       QStringLiteral("dm write: expected one device name (usage: cryptstack dm write "
                                      "NAME [--offset BYTES] [-i FILE])")));
        const QString deviceName = arguments.positionals().first();
        auto device = context.registry().get(deviceName);
        if (!device)
            return context.fail(device.status());
        auto offset = byteCountOption(arguments, QStringLiteral("offset"), name());
        if (!offset)
            return context.fail(offset.status());
        if (Status status = checkNotSuspended(context.registry(), deviceName); !status)
            return context.fail(status);
        const QString source = arguments.isSet(QStringLiteral("input"))
                                   ? arguments.value(QStringLiteral("input"))
                                   : QStringLiteral("-");
        auto in = openStream(source, QIODevice::ReadOnly, context.console().in());
        if (!in)
            return context.fail(in.status());
        if (Status status = writeDevice(**device, offset->value_or(0), **in); !status)
            return context.fail(status.prefixed(QStringLiteral("dm write: ")));
        return 0;
    }
};

} // namespace

std::unique_ptr<Command> makeDmWriteCommand()
{
    return std::make_unique<DmWriteCommand>();
}

} // namespace cryptstack::cli
