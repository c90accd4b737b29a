#include "VolumeData.h"

namespace cryptstack::cli {

Result<std::shared_ptr<MappedDevice>> openMapped(CryptContext& context, const VolumeOptions& options,
                                                 const QString& name)
{
    if (context.registry().find(name))
        return Status(ErrorCode::Busy, QStringLiteral("Device %1 already exists.").arg(name));
    auto unlocked = unlockVolume(context, options, name);
    if (!unlocked)
        return unlocked.status();
    VolumeMapper mapper(context.registry());
    return mapper.open(unlocked->request, unlocked->key);
}

Status shellOpen(CliContext& cli, const QStringList& words, bool stdinUsable)
{
    ArgParser parser(QStringLiteral("open"), VolumeOptionSpecs::open());
    if (Status status = parser.parse(words); !status)
        return status;
    if (parser.positionals().size() != 2)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("usage: open IMAGE NAME [--type luks|luks1|luks2|plain] [-d KEY-FILE] "
                                     "[--header FILE] [-S SLOT] [plain and activation options]"));
    auto options = parseVolumeOptions(parser, parser.positionals().at(0));
    if (!options)
        return options.status();
    if (options->testPassphrase)
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("open: --test-passphrase is for 'cryptstack open'; the shell maps volumes"));
    CryptContext context(cli, parser, stdinUsable);
    return openMapped(context, *options, parser.positionals().at(1)).status();
}

Status shellClose(CliContext& cli, const QStringList& words)
{
    if (words.size() != 1)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("usage: close NAME"));
    VolumeMapper mapper(cli.registry());
    return mapper.close(words.first());
}

} // namespace cryptstack::cli
