// cryptstack erase IMAGE (luksErase): wipes every keyslot; the volume can never be opened again.
#include "CommandTable.h"
#include "VolumeOptions.h"

namespace cryptstack::cli {

namespace {

class EraseCommand final : public CryptCommand
{
public:
    explicit EraseCommand(QString name) : m_name(std::move(name)) {}
    QString name() const override { return m_name; }
    QString synopsis() const override { return QStringLiteral("IMAGE"); }
    QString summary() const override { return QStringLiteral("erase all keyslots (the volume key is gone)"); }
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
        auto volume = loadLuks(context, path, arguments.value(QStringLiteral("type")).toLower(), true);
        if (!volume)
            return volume.status();
        if (!context.confirm(QStringLiteral("This operation will erase all keyslots on device %1.\n"
                                            "Device will become unusable after this operation.")
                                 .arg(path),
                             QStringLiteral("Operation aborted, keyslots were NOT wiped.")))
            return silentFailure(ErrorCode::PermissionDenied);
        QList<int> active;
        for (int slot = 0; slot < volume.value()->keyslotLimit(); ++slot) {
            if (volume.value()->isKeyslotActive(slot))
                active += slot;
        }
        if (Status erased = volume.value()->eraseAllKeyslots(); !erased)
            return erased;
        for (int slot : active)
            context.verboseLine(QStringLiteral("Key slot %1 removed.").arg(slot));
        return Status::ok();
    }

private:
    QString m_name;
};

} // namespace

std::unique_ptr<Command> makeEraseCommand()
{
    return std::make_unique<EraseCommand>(QStringLiteral("erase"));
}

std::unique_ptr<Command> makeLuksEraseCommand()
{
    return std::make_unique<EraseCommand>(QStringLiteral("luksErase"));
}

} // namespace cryptstack::cli
