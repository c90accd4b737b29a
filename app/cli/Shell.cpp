#include "Shell.h"

#include "DeviceIo.h"
#include "DmReport.h"
#include "StatsReport.h"
#include "VolumeData.h"
#include "core/Parse.h"
#include "dm/TableLine.h"
#include "workload/WorkloadRunner.h"

#include <QJsonDocument>
#include <QThread>

namespace cryptstack::cli {

namespace {

Status usage(const QString& text)
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("usage: ") + text);
}

// read and write take OFFSET and LENGTH as arguments, so their errors name them that way.
const ByteRangeLabels ShellByteRange{QStringLiteral("OFFSET"), QStringLiteral("LENGTH")};

// Removes a flag wherever it stands; returns whether it was there.
bool takeFlag(QStringList& words, std::initializer_list<const char16_t*> spellings)
{
    for (const char16_t* spelling : spellings) {
        if (words.removeAll(QString::fromUtf16(spelling)) > 0)
            return true;
    }
    return false;
}

// Removes "--option VALUE" wherever it stands; returns the value, or nullopt.
std::optional<QString> takeOption(QStringList& words, std::initializer_list<const char16_t*> spellings)
{
    for (const char16_t* spelling : spellings) {
        const qsizetype at = words.indexOf(QString::fromUtf16(spelling));
        if (at >= 0 && at + 1 < words.size()) {
            const QString value = words.at(at + 1);
            words.remove(at, 2);
            return value;
        }
    }
    return std::nullopt;
}

} // namespace

Shell::Shell(CliContext& context, bool stdinIsScript) : m_context(context), m_stdinIsScript(stdinIsScript)
{
    // A stall report goes to stderr the moment the watchdog writes it, while a command may still
    // be waiting for the stuck I/O.
    Console* console = &context.console();
    context.registry().watchdog().setReporter([console](const QString& report) {
        console->writeError(QStringLiteral("cryptstack: ").toUtf8() + report.toUtf8());
    });
}

Shell::~Shell()
{
    m_context.registry().watchdog().setReporter(nullptr);
}

QString Shell::help()
{
    return QStringLiteral(
        "Commands (one per line; # starts a comment):\n"
        "  create NAME [--readonly] [--uuid UUID] TABLE-LINE [; TABLE-LINE]...\n"
        "  reload NAME TABLE-LINE [; TABLE-LINE]...   load an inactive table (live at resume)\n"
        "  suspend NAME | resume NAME | remove NAME\n"
        "  open IMAGE NAME [--type luks|luks1|luks2|plain] [-d KEY-FILE] [--header FILE] [-S SLOT]\n"
        "      [plain: -c -s -h --offset --skip --size --sector-size] [--allow-discards] [--readonly] …\n"
        "                                            unlock a volume and map it (key file or terminal)\n"
        "  close NAME                                remove a volume's mapping\n"
        "  message NAME SECTOR WORDS...\n"
        "  table [--showkeys] [NAME] | status [NAME] | info [NAME] | deps [NAME] | ls [--tree]\n"
        "  read NAME OFFSET LENGTH FILE|-            copy device bytes to a file or stdout\n"
        "  write NAME OFFSET FILE|-                  copy a file or stdin onto the device\n"
        "  set NAME async on|off | set NAME pool PAGES  engine settings of a crypt device\n"
        "  keyctl add logon|user DESCRIPTION HEX | keyctl unlink DESCRIPTION\n"
        "  stats NAME [--json]                       live metrics of a crypt device's queues\n"
        "  set NAME teaching on|off | set NAME trace on|off\n"
        "  trace NAME [--json]                       the per-bio stage timestamps recorded so far\n"
        "  watchdog SECONDS|off                      report and break stalls after this long\n"
        "  workload NAME [--json] [--rw read|write|randread|randwrite|rw|randrw] [--bs B] [--iodepth N]\n"
        "      [--numjobs N] [--offset B] [--size B] [--io_size B] [--runtime T] [--rate-iops N]\n"
        "      [--rwmixread P] [--verify]            run an fio-like I/O load and print its results\n"
        "  sleep SECONDS | echo TEXT | help | quit\n");
}

int Shell::run(QIODevice& script, const QString& scriptName, bool keepGoing)
{
    int lineNumber = 0;
    int lastFailure = 0;
    Console& console = m_context.console();
    while (!m_quit) {
        if (keepGoing)
            console.writeError("cryptstack> ");
        const QByteArray raw = script.readLine();
        if (raw.isEmpty())
            break;
        ++lineNumber;
        const Status status = execute(QString::fromUtf8(raw).trimmed());
        if (status)
            continue;
        console.error(QStringLiteral("%1:%2: %3").arg(scriptName).arg(lineNumber).arg(status.message()));
        lastFailure = exitCodeFor(status.code());
        if (!keepGoing)
            return lastFailure;
    }
    return keepGoing ? 0 : lastFailure;
}

Status Shell::execute(const QString& line)
{
    if (line.isEmpty() || line.startsWith(u'#'))
        return Status::ok();
    QStringList words = splitTableWords(line);
    const QString verb = words.takeFirst();
    DeviceRegistry& registry = m_context.registry();
    if (verb == u"create")
        return create(words);
    if (verb == u"reload")
        return reload(words);
    if (verb == u"suspend" || verb == u"resume" || verb == u"remove") {
        if (words.size() != 1)
            return usage(verb + QStringLiteral(" NAME"));
        if (verb == u"suspend")
            return registry.suspend(words.first());
        if (verb == u"resume")
            return registry.resume(words.first());
        return registry.remove(words.first());
    }
    if (verb == u"message")
        return message(words);
    // Volumes: unlock and map (the passphrase from -d KEY-FILE or the terminal), or unmap.
    if (verb == u"open")
        return shellOpen(m_context, words, !m_stdinIsScript);
    if (verb == u"close")
        return shellClose(m_context, words);
    if (verb == u"table" || verb == u"status" || verb == u"info" || verb == u"deps" || verb == u"ls")
        return report(QStringList{verb} + words);
    if (verb == u"read")
        return readCommand(words);
    if (verb == u"set") {
        if (words.size() != 3)
            return usage(QStringLiteral("set NAME async on|off | set NAME pool PAGES"));
        return registry.setEngineOption(words.at(0), words.at(1), words.at(2));
    }
    if (verb == u"keyctl")
        return keyctl(words);
    if (verb == u"stats")
        return deviceReport(words, QStringLiteral("stats NAME [--json]"), &statsReport);
    if (verb == u"write")
        return writeCommand(words);
    if (verb == u"watchdog") {
        bool ok = false;
        const double seconds = words.value(0).toDouble(&ok);
        if (words.size() != 1 || (words.first() != u"off" && (!ok || seconds < 0.1 || seconds > 3600)))
            return usage(QStringLiteral("watchdog SECONDS|off (the stall timeout, 0.1 to 3600 s)"));
        registry.watchdog().setTimeout(
            std::chrono::milliseconds(words.first() == u"off" ? 0 : static_cast<int64_t>(seconds * 1000)));
        return Status::ok();
    }
    if (verb == u"trace")
        return deviceReport(words, QStringLiteral("trace NAME [--json] (after set NAME trace on)"),
                            &traceReport);
    if (verb == u"workload")
        return workload(words);
    if (verb == u"sleep") {
        bool ok = false;
        const double seconds = words.value(0).toDouble(&ok);
        if (words.size() != 1 || !ok || seconds < 0 || seconds > 3600)
            return usage(QStringLiteral("sleep SECONDS (0 to 3600, fractions allowed)"));
        QThread::msleep(static_cast<unsigned long>(seconds * 1000));
        return Status::ok();
    }
    if (verb == u"echo") {
        m_context.console().printLine(words.join(u' '));
        return Status::ok();
    }
    if (verb == u"help") {
        m_context.console().print(help());
        return Status::ok();
    }
    if (verb == u"quit" || verb == u"exit") {
        m_quit = true;
        return Status::ok();
    }
    return Status(ErrorCode::InvalidArgument, QStringLiteral("unknown command \"%1\" (try help)").arg(verb));
}

Status Shell::deviceReport(const QStringList& words, const QString& usageText, ReportFunction report)
{
    QStringList rest = words;
    const bool json = takeFlag(rest, {u"--json"});
    if (rest.size() != 1)
        return usage(usageText);
    auto text = report(m_context.registry(), rest.first(), json);
    if (!text)
        return text.status();
    m_context.console().print(*text);
    return Status::ok();
}

Status Shell::keyctl(const QStringList& words)
{
    KeyRing& keyring = m_context.registry().keyRing();
    if (words.size() == 4 && words.at(0) == u"add") {
        const auto type = KeyRing::typeFromName(words.at(1));
        if (!type)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("keyctl: key type \"%1\" is not logon or user").arg(words.at(1)));
        const QString& hex = words.at(3);
        auto payload = SecureBuffer::fromHex(hex, static_cast<size_t>(hex.size() / 2));
        if (!payload || hex.size() % 2 || hex.isEmpty())
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("keyctl: the key payload must be hex digits"));
        return keyring.add(*type, words.at(2), std::move(*payload));
    }
    if (words.size() == 2 && words.at(0) == u"unlink")
        return keyring.unlink(words.at(1));
    return usage(QStringLiteral("keyctl add logon|user DESCRIPTION HEX | keyctl unlink DESCRIPTION"));
}

Result<QStringList> Shell::tableLines(const QStringList& words, const QString& command) const
{
    QStringList escaped;
    for (const QString& word : words)
        escaped += escapeTableWord(word);
    QStringList lines;
    for (const QString& line : escaped.join(u' ').split(u';')) {
        if (!line.trimmed().isEmpty())
            lines += line.trimmed();
    }
    if (lines.isEmpty())
        return usage(command + QStringLiteral(" NAME TABLE-LINE [; TABLE-LINE]..."));
    return lines;
}

Status Shell::create(QStringList words)
{
    DeviceRegistry::CreateOptions options;
    options.readOnly = takeFlag(words, {u"--readonly", u"-r"});
    options.uuid = takeOption(words, {u"--uuid", u"-u"}).value_or(QString());
    if (words.isEmpty())
        return usage(QStringLiteral("create NAME [--readonly] [--uuid UUID] TABLE-LINE [; TABLE-LINE]..."));
    const QString name = words.takeFirst();
    auto lines = tableLines(words, QStringLiteral("create"));
    if (!lines)
        return lines.status();
    return m_context.registry().create(name, *lines, options).status();
}

Status Shell::reload(QStringList words)
{
    if (words.isEmpty())
        return usage(QStringLiteral("reload NAME TABLE-LINE [; TABLE-LINE]..."));
    const QString name = words.takeFirst();
    auto lines = tableLines(words, QStringLiteral("reload"));
    if (!lines)
        return lines.status();
    return m_context.registry().reload(name, *lines);
}

Status Shell::message(const QStringList& words)
{
    if (words.size() < 3)
        return usage(QStringLiteral("message NAME SECTOR WORDS..."));
    const auto sector = parseU64(words.at(1));
    if (!sector)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid target message parameters."));
    auto reply = m_context.registry().message(words.at(0), *sector, words.mid(2));
    if (!reply)
        return reply.status();
    if (!reply->isEmpty())
        m_context.console().printLine(*reply);
    return Status::ok();
}

Status Shell::report(const QStringList& words)
{
    QStringList rest = words.mid(1);
    const QString& verb = words.first();
    const DeviceRegistry& registry = m_context.registry();
    Result<QString> text = QString();
    if (verb == u"ls") {
        const bool tree = takeFlag(rest, {u"--tree"});
        if (!rest.isEmpty())
            return usage(QStringLiteral("ls [--tree]"));
        text = lsReport(registry, tree);
    } else {
        const bool showKeys = verb == u"table" && takeFlag(rest, {u"--showkeys"});
        if (rest.size() > 1)
            return usage(verb + (verb == u"table" ? QStringLiteral(" [--showkeys] [NAME]")
                                                  : QStringLiteral(" [NAME]")));
        const QString name = rest.value(0);
        if (verb == u"table" || verb == u"status")
            text = tableReport(registry, name, verb == u"table" ? StatusType::Table : StatusType::Info,
                               showKeys);
        else if (verb == u"info")
            text = infoReport(registry, name);
        else
            text = depsReport(registry, name);
    }
    if (!text)
        return text.status();
    m_context.console().print(*text);
    return Status::ok();
}

Status Shell::readCommand(const QStringList& words)
{
    if (words.size() != 4)
        return usage(QStringLiteral("read NAME OFFSET LENGTH FILE|-"));
    auto device = m_context.registry().get(words.at(0));
    if (!device)
        return device.status();
    auto offset = byteCountArgument(words.at(1), QStringLiteral("OFFSET"));
    if (!offset)
        return offset.status();
    auto length = byteCountArgument(words.at(2), QStringLiteral("LENGTH"));
    if (!length)
        return length.status();
    if (Status status = checkNotSuspended(m_context.registry(), words.at(0)); !status)
        return status;
    if (Status status = checkReadRange(**device, *offset, *length, ShellByteRange); !status)
        return status;
    auto out = openStream(words.at(3), QIODevice::WriteOnly | QIODevice::Truncate, m_context.console().out());
    if (!out)
        return out.status();
    return readDevice(**device, *offset, *length, **out, ShellByteRange);
}

Status Shell::writeCommand(const QStringList& words)
{
    if (words.size() != 3)
        return usage(QStringLiteral("write NAME OFFSET FILE|-"));
    if (words.at(2) == u"-" && m_stdinIsScript)
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("write: stdin holds the commands; give the data in a file, or run the script "
                           "with shell -f"));
    auto device = m_context.registry().get(words.at(0));
    if (!device)
        return device.status();
    auto offset = byteCountArgument(words.at(1), QStringLiteral("OFFSET"));
    if (!offset)
        return offset.status();
    if (Status status = checkNotSuspended(m_context.registry(), words.at(0)); !status)
        return status;
    auto in = openStream(words.at(2), QIODevice::ReadOnly, m_context.console().in());
    if (!in)
        return in.status();
    return writeDevice(**device, *offset, **in, ShellByteRange);
}

// Runs synchronously: the shell is single-threaded, and the result is the command's output.
Status Shell::workload(QStringList words)
{
    const bool json = takeFlag(words, {u"--json"});
    if (words.isEmpty() || words.first().startsWith(QStringLiteral("--")))
        return usage(QStringLiteral("workload NAME [--json] [--rw MODE] [fio-style options] (see help)"));
    const QString name = words.takeFirst();
    auto device = m_context.registry().get(name);
    if (!device)
        return device.status();
    auto spec = WorkloadSpec::parse(words);
    if (!spec)
        return spec.status().prefixed(QStringLiteral("workload: "));
    if (Status status = checkNotSuspended(m_context.registry(), name); !status)
        return status;
    WorkloadRunner runner;
    auto result = runner.run(**device, *spec);
    if (!result)
        return result.status().prefixed(QStringLiteral("workload: "));
    // The results are printed even when the run failed: they show how far it got.
    if (json)
        m_context.console().print(
            QString::fromUtf8(QJsonDocument(result->toJson()).toJson(QJsonDocument::Indented)));
    else
        m_context.console().print(result->toText());
    return result->status.prefixed(QStringLiteral("workload: "));
}

} // namespace cryptstack::cli
