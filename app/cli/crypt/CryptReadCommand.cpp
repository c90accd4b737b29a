// cryptstack read IMAGE [open options] [--offset BYTES] [--length BYTES] [-o FILE]: the decrypted
// bytes of a LUKS1, LUKS2 or plain volume, read through the crypt target of a mapping that lives
// for this command only. --offset is a byte position in the decrypted device; plain mode's data
// offset is --plain-offset SECTORS here.
#include "CommandTable.h"
#include "DeviceIo.h"
#include "VolumeData.h"

namespace cryptstack::cli {

namespace {

const QString MappingName = QStringLiteral("cryptstack-read");

class CryptReadCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("read"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override
    {
        return QStringLiteral("copy decrypted bytes of a volume to stdout or a file");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::open(QStringLiteral("plain-offset")) +
               QList<OptionSpec>{{QStringLiteral("offset"),
                                  {},
                                  QStringLiteral("BYTES"),
                                  QStringLiteral("start here (default 0)")},
                                 {QStringLiteral("length"),
                                  {},
                                  QStringLiteral("BYTES"),
                                  QStringLiteral("copy this many bytes")},
                                 {QStringLiteral("output"), u'o', QStringLiteral("FILE"),
                                  QStringLiteral("write here (- is stdout)")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        auto options =
            parseVolumeOptions(arguments, arguments.positionals().first(), QStringLiteral("plain-offset"));
        if (!options)
            return options.status();
        options->flags.readOnly = true;
        auto offset = byteCountOption(arguments, QStringLiteral("offset"), name());
        if (!offset)
            return offset.status();
        auto length = byteCountOption(arguments, QStringLiteral("length"), name());
        if (!length)
            return length.status();
        auto device = openMapped(context, *options, MappingName);
        if (!device)
            return device.status();
        Status status = copyOut(context, **device, offset->value_or(0), *length);
        (void)VolumeMapper(context.registry()).close(MappingName);
        return status;
    }

private:
    Status copyOut(CryptContext& context, BlockDevice& device, uint64_t offset,
                   std::optional<uint64_t> length)
    {
        if (Status status = checkReadRange(device, offset, length); !status)
            return status.prefixed(QStringLiteral("read: "));
        const QString target = context.arguments().isSet(QStringLiteral("output"))
                                   ? context.arguments().value(QStringLiteral("output"))
                                   : QStringLiteral("-");
        auto out = openStream(target, QIODevice::WriteOnly | QIODevice::Truncate, context.console().out());
        if (!out)
            return out.status();
        return readDevice(device, offset, length, **out).prefixed(QStringLiteral("read: "));
    }
};

} // namespace

std::unique_ptr<Command> makeCryptReadCommand()
{
    return std::make_unique<CryptReadCommand>();
}

} // namespace cryptstack::cli
