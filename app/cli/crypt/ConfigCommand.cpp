// cryptstack config IMAGE --label TEXT --subsystem TEXT --priority prefer|normal|ignore -S N:
// LUKS2's persistent settings (cryptsetup config / luksConfig).
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::cli {

namespace {

class ConfigCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("config"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override
    {
        return QStringLiteral("set LUKS2 label, subsystem or keyslot priority");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::header() + VolumeOptionSpecs::keySlot() +
               QList<OptionSpec>{
                   {QStringLiteral("label"), {}, QStringLiteral("TEXT"), QStringLiteral("the label")},
                   {QStringLiteral("subsystem"), {}, QStringLiteral("TEXT"), QStringLiteral("the subsystem")},
                   {QStringLiteral("priority"),
                    {},
                    QStringLiteral("PRIORITY"),
                    QStringLiteral("prefer, normal or ignore (with -S)")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        const bool priority = arguments.isSet(QStringLiteral("priority"));
        std::optional<int> priorityValue;
        if (priority) {
            const QString value = arguments.value(QStringLiteral("priority"));
            if (value == u"ignore")
                priorityValue = 0;
            else if (value == u"normal")
                priorityValue = 1;
            else if (value == u"prefer")
                priorityValue = 2;
            else
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("Option --priority can be only ignore/normal/prefer."));
        }
        auto slot = keySlotOption(arguments);
        if (!slot)
            return slot.status();
        if (priority && !*slot)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Keyslot specification is required."));
        if (!priority && !arguments.isSet(QStringLiteral("label")) &&
            !arguments.isSet(QStringLiteral("subsystem")))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Option --priority, --label or --subsystem is missing."));
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        auto volume = loadLuks(context, path, QString(), true);
        if (!volume)
            return volume.status();
        auto* luks2 = dynamic_cast<Luks2Volume*>(volume->get());
        if (!luks2)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Device %1 is not a valid LUKS2 device.").arg(path));
        if (priority) {
            // crypt_keyslot_set_priority fails silently on an invalid or inactive slot (verified).
            if (!luks2->isKeyslotActive(**slot))
                return silentFailure(ErrorCode::InvalidArgument);
            if (Status status = luks2->setPriority(**slot, *priorityValue); !status)
                return status;
        }
        if (arguments.isSet(QStringLiteral("label")) || arguments.isSet(QStringLiteral("subsystem"))) {
            if (Status status = luks2->setLabels(arguments.value(QStringLiteral("label")),
                                                 arguments.value(QStringLiteral("subsystem")));
                !status)
                return status;
        }
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeConfigCommand()
{
    return std::make_unique<ConfigCommand>();
}

} // namespace cryptstack::cli
