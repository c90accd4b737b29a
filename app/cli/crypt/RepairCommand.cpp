// cryptstack repair IMAGE: cryptsetup repair. A LUKS2 header that loads needs nothing ("No known
// problems detected for LUKS header." with -v) or rewrites a damaged copy; LUKS1 runs its repair after
// confirmation.
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/luks1/Luks1Volume.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::cli {

namespace {

class RepairCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("repair"); }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override { return QStringLiteral("try to repair a damaged LUKS header"); }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::type() + VolumeOptionSpecs::header();
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 1, 1); !status)
            return status;
        const QString image = arguments.positionals().first();
        const QString path = headerPathOf(arguments, image);
        const QString type = arguments.value(QStringLiteral("type")).toLower();
        {
            auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadWrite);
            if (!device)
                return device.status();
            auto volume = LuksVolume::load(std::move(device.value()));
            if (volume && volume.value()->version() == 2) {
                // cryptsetup's crypt_load repairs a LUKS2 copy on its own; repair has nothing more.
                auto* luks2 = static_cast<Luks2Volume*>(volume->get());
                if (luks2->hasDamagedCopy())
                    return luks2->repair();
                context.verboseLine(QStringLiteral("No known problems detected for LUKS header."));
                return Status::ok();
            }
            if (type == u"luks2")
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("Device %1 is not a valid LUKS device.").arg(path));
        }
        if (!context.confirm(QStringLiteral("Really try to repair LUKS device header?"),
                             QStringLiteral("Operation aborted.")))
            return silentFailure(ErrorCode::InvalidArgument);
        auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadWrite);
        if (!device)
            return device.status();
        auto repaired = Luks1Volume::repair(**device);
        if (!repaired)
            return repaired.status();
        for (const Luks1RepairLine& line : repaired->lines) {
            if (line.verbose)
                context.verboseLine(line.text);
            else
                context.console().error(line.text);
        }
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeRepairCommand()
{
    return std::make_unique<RepairCommand>();
}

} // namespace cryptstack::cli
