// cryptstack write IMAGE [open options] [--offset BYTES] [-i FILE]: stdin or a file written
// through the crypt target of a LUKS1, LUKS2 or plain volume (encrypted on the way to the image).
// Without -d, the passphrase is stdin's first line and the data the rest. A write that would run past the end
// of the decrypted device is refused before anything is written. Plain mode's data offset is --plain-offset
// SECTORS here.
#include "CommandTable.h"
#include "DeviceIo.h"
#include "VolumeData.h"

namespace cryptstack::cli {

namespace {

const QString MappingName = QStringLiteral("cryptstack-write");

class CryptWriteCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("write"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override
    {
        return QStringLiteral("copy stdin or a file onto a volume, encrypting it");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::open(QStringLiteral("plain-offset")) +
               QList<OptionSpec>{{QStringLiteral("offset"),
                                  {},
                                  QStringLiteral("BYTES"),
                                  QStringLiteral("start here (default 0)")},
                                 {QStringLiteral("input"), u'i', QStringLiteral("FILE"),
                                  QStringLiteral("read from here (- is stdin)")}};
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
        auto offset = byteCountOption(arguments, QStringLiteral("offset"), name());
        if (!offset)
            return offset.status();
        const QString source = arguments.isSet(QStringLiteral("input"))
                                   ? arguments.value(QStringLiteral("input"))
                                   : QStringLiteral("-");
        // Without -d the passphrase is stdin's first line and the data follows it; "-d -" takes stdin
        // whole, so the data must then come from a file.
        if (source == u"-" && options->key.keyFile == u"-")
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("write: -d - takes all of stdin as the key; give the data with -i FILE"));
        auto device = openMapped(context, *options, MappingName);
        if (!device)
            return device.status();
        Status status = copyIn(context, **device, offset->value_or(0), source);
        (void)VolumeMapper(context.registry()).close(MappingName);
        return status;
    }

private:
    Status copyIn(CryptContext& context, BlockDevice& device, uint64_t offset, const QString& source)
    {
        auto in = openStream(source, QIODevice::ReadOnly, context.console().in());
        if (!in)
            return in.status();
        if (Status status = writeDevice(device, offset, **in); !status)
            return status.prefixed(QStringLiteral("write: "));
        return device.flush();
    }
};

} // namespace

std::unique_ptr<Command> makeCryptWriteCommand()
{
    return std::make_unique<CryptWriteCommand>();
}

} // namespace cryptstack::cli
