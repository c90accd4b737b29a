#include "CryptCommand.h"

namespace cryptstack::cli {

CryptContext::CryptContext(CliContext& cli, const ArgParser& arguments, bool stdinUsable)
    : m_cli(cli), m_arguments(arguments), m_verbose(arguments.isSet(QStringLiteral("verbose"))),
      m_batch(arguments.isSet(QStringLiteral("batch-mode"))), m_passphrases(cli.console(), stdinUsable),
      m_confirmation(cli.console(), m_batch)
{}

bool CryptContext::confirm(const QString& message, const QString& failMessage)
{
    return m_confirmation.ask(message, failMessage);
}

void CryptContext::verboseLine(const QString& text)
{
    if (m_verbose)
        console().printLine(text);
}

Status silentFailure(ErrorCode code)
{
    return Status(code, QString());
}

QList<OptionSpec> CryptCommand::options() const
{
    QList<OptionSpec> all = verbOptions();
    all += {QStringLiteral("verbose"), u'v', {}, QStringLiteral("print more messages")};
    all += {QStringLiteral("batch-mode"), u'q', {}, QStringLiteral("do not ask for confirmation")};
    return all;
}

QString CryptCommand::exitCodeText(int exitCode)
{
    switch (exitCode) {
    case 1:
        return QStringLiteral("wrong or missing parameters");
    case 2:
        return QStringLiteral("no permission or bad passphrase");
    case 3:
        return QStringLiteral("out of memory");
    case 4:
        return QStringLiteral("wrong device or file specified");
    case 5:
        return QStringLiteral("device already exists or device is busy");
    default:
        return QStringLiteral("unknown error");
    }
}

Status CryptCommand::expectPositionals(const ArgParser& arguments, int minimum, int maximum) const
{
    const auto count = arguments.positionals().size();
    if (count < minimum)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1: requires %2 as arguments").arg(name(), synopsis()));
    if (count > maximum)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1: unexpected argument \"%2\" (usage: cryptstack %1 %3)")
                          .arg(name(), arguments.positionals().at(maximum), synopsis()));
    return Status::ok();
}

int CryptCommand::run(CliContext& context, const ArgParser& arguments)
{
    CryptContext crypt(context, arguments);
    const Status status = execute(crypt);
    if (status) {
        crypt.verboseLine(QStringLiteral("Command successful."));
        return 0;
    }
    if (!status.message().isEmpty())
        context.console().error(status.message());
    const int code = exitCodeFor(status.code());
    if (crypt.verbose())
        context.console().error(
            QStringLiteral("Command failed with code %1 (%2).").arg(-code).arg(exitCodeText(code)));
    return code;
}

} // namespace cryptstack::cli
