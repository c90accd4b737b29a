// cryptstack luksUUID IMAGE [--uuid UUID]: print the UUID, or set a new one.
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/Uuid.h"

namespace cryptstack::cli {

namespace {

class LuksUuidCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("luksUUID"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override
    {
        return QStringLiteral("print or set (--uuid) the UUID of a LUKS volume");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header() +
               QList<OptionSpec>{
                   {QStringLiteral("uuid"), {}, QStringLiteral("UUID"), QStringLiteral("the new UUID")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        const bool set = arguments.isSet(QStringLiteral("uuid"));
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), set);
        if (!volume)
            return volume.status();
        if (!set) {
            context.console().printLine(volume.value()->uuid());
            return Status::ok();
        }
        const QString uuid = arguments.value(QStringLiteral("uuid"));
        if (!Uuid::canonical(uuid))
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Wrong LUKS UUID format provided."));
        if (!context.confirm(QStringLiteral("Do you really want to change UUID of device?"),
                             QStringLiteral("Operation aborted.")))
            return silentFailure(ErrorCode::PermissionDenied);
        return volume.value()->setUuid(uuid);
    }
};

} // namespace

std::unique_ptr<Command> makeLuksUuidCommand()
{
    return std::make_unique<LuksUuidCommand>();
}

} // namespace cryptstack::cli
