// cryptstack convert IMAGE --type luks1|luks2 [--header FILE]: cryptsetup's action_luksConvert
// (messages, prompt, exit codes) over the engine's converter. Unlike cryptsetup, once every check
// has passed and before the first write, the header area is saved to
// IMAGE.before-convert-<UTC time> (mode 0400) and the command prints how to restore it: a crash
// during the key material move leaves no readable header otherwise.
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/HeaderBackup.h"
#include "formats/LuksConvert.h"

namespace cryptstack::cli {

namespace {

class ConvertCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("convert"); }
    QString synopsis() const override { return QStringLiteral("IMAGE --type luks1|luks2"); }
    QString summary() const override
    {
        return QStringLiteral("convert a LUKS header between LUKS1 and LUKS2 (saves the old one first)");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header();
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        // Before the device is opened, and case-sensitive, as cryptsetup checks it.
        const QString type = arguments.value(QStringLiteral("type"));
        if (type != u"luks1" && type != u"luks2")
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Invalid LUKS type, only luks1 and luks2 are supported."));
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        auto volume = loadLuks(context, path, QString(), true);
        if (!volume)
            return volume.status();
        const QString target = type.toUpper();
        if (volume.value()->version() == (type == u"luks1" ? 1 : 2))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Device is already %1 type.").arg(target));
        if (!context.confirm(
                QStringLiteral("This operation will convert %1 to %2 format.\n").arg(path, target),
                QStringLiteral("Operation aborted, device was NOT converted.\n")))
            return silentFailure(ErrorCode::PermissionDenied);

        const uint64_t headerBytes = volume.value()->headerBytes();
        LuksConvertOptions options;
        options.beforeWrite = [&](const HeaderDevice& device) -> Status {
            auto saved = HeaderBackup::saveHeaderArea(device, headerBytes, QStringLiteral("before-convert"));
            if (!saved)
                return saved.status();
            const QString headerOption = arguments.isSet(QStringLiteral("header"))
                                             ? QStringLiteral(" --header %1").arg(path)
                                             : QString();
            context.console().printLine(
                QStringLiteral("The header area (%1 bytes) was saved to %2; to undo the conversion run: "
                               "cryptstack luksHeaderRestore %3%4 --header-backup-file %2")
                    .arg(headerBytes)
                    .arg(*saved, image, headerOption));
            return Status::ok();
        };
        return type == u"luks2" ? convertToLuks2(volume.value(), options)
                                : convertToLuks1(volume.value(), options);
    }
};

} // namespace

std::unique_ptr<Command> makeConvertCommand()
{
    return std::make_unique<ConvertCommand>();
}

} // namespace cryptstack::cli
