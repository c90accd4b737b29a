// cryptstack isLuks IMAGE: exit 0 when the device holds a LUKS header (of --type, if given), 1 when not.
#include "CommandTable.h"
#include "VolumeOptions.h"

namespace cryptstack::cli {

namespace {

class IsLuksCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("isLuks"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override { return QStringLiteral("test IMAGE for a LUKS header (exit 0 or 1)"); }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header();
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (arguments.positionals().size() > 1)
            return Status(ErrorCode::NoSuchDevice,
                          QStringLiteral("Only one device argument for isLuks operation is supported."));
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        const QString path = arguments.isSet(QStringLiteral("header"))
                                 ? arguments.value(QStringLiteral("header"))
                                 : arguments.positionals().first();
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), false);
        if (!volume) {
            // Quiet, as cryptsetup's quiet_log: only the exit code (and -v's footer) tell.
            if (volume.status().code() == ErrorCode::NoSuchDevice)
                return volume.status();
            return silentFailure(ErrorCode::InvalidArgument);
        }
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeIsLuksCommand()
{
    return std::make_unique<IsLuksCommand>();
}

} // namespace cryptstack::cli
