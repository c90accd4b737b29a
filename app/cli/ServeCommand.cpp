// cryptstack serve IMAGE [open options] --nbd ADDRESS [--readonly] [--stats SECONDS]
// cryptstack serve NAME --concise SPEC|--concise-file FILE --nbd ADDRESS …
// Serves the decrypted device of a LUKS1, LUKS2 or plain volume (mapped as the read and write verbs
// map it, for as long as the server runs), or any device of a stack, to NBD clients on a Unix
// socket or a TCP address, in the foreground. SIGINT/SIGTERM stop it: no new connections, every
// request already received finishes and is answered, the device is flushed, the mapping closed,
// exit code 0. Not a CryptCommand, because it also takes the stack options; it opens volumes with
// the same CryptContext, PassphraseReader and openMapped as the crypt verbs.
#include "CommandTable.h"
#include "StatsReport.h"
#include "VolumeData.h"
#include "nbd/NbdProtocol.h"
#include "nbd/NbdServer.h"

#include <QFileDevice>

#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace cryptstack::cli {

namespace {

const QString MappingName = QStringLiteral("cryptstack-serve");

// The self-pipe: the handler only writes one byte to it (async-signal-safe); the main thread
// polls the other end and does the stopping.
int g_signalPipe[2] = {-1, -1};

extern "C" void onStopSignal(int)
{
    const int saved = errno;
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(g_signalPipe[1], &byte, 1);
    errno = saved;
}

// Installs the SIGINT/SIGTERM handlers (and ignores SIGPIPE) while it lives; puts back the
// previous dispositions afterwards, so an in-process caller (tests) keeps its own.
class StopSignals
{
public:
    StopSignals()
    {
        if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0)
            return;
        struct sigaction action
        {};
        action.sa_handler = onStopSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &action, &m_previousInt);
        ::sigaction(SIGTERM, &action, &m_previousTerm);
        struct sigaction ignore
        {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, &m_previousPipe);
        m_installed = true;
    }
    ~StopSignals()
    {
        if (!m_installed)
            return;
        ::sigaction(SIGINT, &m_previousInt, nullptr);
        ::sigaction(SIGTERM, &m_previousTerm, nullptr);
        ::sigaction(SIGPIPE, &m_previousPipe, nullptr);
        ::close(g_signalPipe[0]);
        ::close(g_signalPipe[1]);
        g_signalPipe[0] = g_signalPipe[1] = -1;
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    bool installed() const { return m_installed; }
    // Waits for a stop signal; false when the timeout (ms, -1 none) passed first.
    bool wait(int timeoutMs) const
    {
        pollfd fd{g_signalPipe[0], POLLIN, 0};
        int ready = ::poll(&fd, 1, timeoutMs);
        while (ready < 0 && errno == EINTR) // our own signal interrupts the poll: its byte is there
            ready = ::poll(&fd, 1, fd.revents ? 0 : timeoutMs);
        return ready != 0;
    }

private:
    bool m_installed = false;
    struct sigaction m_previousInt
    {};
    struct sigaction m_previousTerm
    {};
    struct sigaction m_previousPipe
    {};
};

// The serving line must reach a pipe at once (scripts wait for it), and stdout is a stdio stream.
void printNow(Console& console, const QString& text)
{
    console.print(text);
    if (auto* file = qobject_cast<QFileDevice*>(console.out()))
        file->flush();
}

QString mebibytes(uint64_t bytes)
{
    return QString::number(static_cast<double>(bytes) / (1 << 20), 'f', 1) + QStringLiteral(" MiB");
}

QString statsLine(const nbd::NbdServerStats& stats)
{
    return QStringLiteral(
               "nbd: %1 connection(s) open, %2 total, %3 request(s), read %4, written %5, %6 error(s), "
               "%7 in flight")
        .arg(stats.connections)
        .arg(stats.connectionsTotal)
        .arg(stats.requests)
        .arg(mebibytes(stats.bytesRead), mebibytes(stats.bytesWritten))
        .arg(stats.errors)
        .arg(stats.inFlight);
}

class ServeCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("serve"); }
    QString synopsis() const override { return QStringLiteral("IMAGE|NAME"); }
    QString summary() const override
    {
        return QStringLiteral("serve a volume's decrypted device (or a stack's device) over NBD");
    }
    QList<OptionSpec> options() const override
    {
        QList<OptionSpec> all = VolumeOptionSpecs::open();
        all.removeIf([](const OptionSpec& spec) { return spec.longName == u"test-passphrase"; });
        return all +
               QList<OptionSpec>{
                   {QStringLiteral("nbd"),
                    {},
                    QStringLiteral("ADDRESS"),
                    QStringLiteral("listen here: unix:PATH or tcp:HOST:PORT (HOST default 127.0.0.1, PORT "
                                   "default 10809, 0 = any free port)")},
                   {QStringLiteral("stats"),
                    {},
                    QStringLiteral("SECONDS"),
                    QStringLiteral("print connections, requests, bytes and crypt queues this often")},
                   {QStringLiteral("verbose"), u'v', {}, QStringLiteral("print more messages")},
               };
    }

    int run(CliContext& context, const ArgParser& arguments) override
    {
        // Everything about the address is checked before anything is opened or created.
        if (!arguments.isSet(QStringLiteral("nbd")))
            return context.fail(Status(ErrorCode::InvalidArgument,
                                       QStringLiteral("serve: --nbd ADDRESS is required (unix:PATH or "
                                                      "tcp:HOST:PORT)")));
        auto address = nbd::NbdAddress::parse(arguments.value(QStringLiteral("nbd")));
        if (!address)
            return context.fail(address.status().prefixed(QStringLiteral("--nbd: ")));
        int statsMs = -1;
        if (arguments.isSet(QStringLiteral("stats"))) {
            bool ok = false;
            const double seconds = arguments.value(QStringLiteral("stats")).toDouble(&ok);
            if (!ok || !(seconds > 0) || seconds > 86400)
                return context.fail(
                    Status(ErrorCode::InvalidArgument,
                           QStringLiteral("--stats: expected seconds between 0 and 86400, got \"%1\"")
                               .arg(arguments.value(QStringLiteral("stats")))));
            statsMs = std::max(1, static_cast<int>(seconds * 1000));
        }
        if (arguments.positionals().size() != 1)
            return context.fail(Status(ErrorCode::InvalidArgument,
                                       QStringLiteral("serve: expected one IMAGE (or a device NAME with "
                                                      "--concise/--concise-file) (usage: cryptstack serve "
                                                      "IMAGE --nbd ADDRESS [open options])")));
        const QString what = arguments.positionals().first();
        const bool stack =
            arguments.isSet(QStringLiteral("concise")) || arguments.isSet(QStringLiteral("concise-file"));

        std::shared_ptr<MappedDevice> device;
        QString mapping; // the volume's mapping, closed at the end
        QString described;
        bool readOnly = arguments.isSet(QStringLiteral("readonly"));
        if (stack) {
            auto found = context.registry().get(what);
            if (!found)
                return context.fail(found.status());
            device = *found;
            described = QStringLiteral("device \"%1\"").arg(what);
        } else {
            CryptContext crypt(context, arguments);
            auto options = parseVolumeOptions(arguments, what);
            if (!options)
                return context.fail(options.status());
            auto opened = openMapped(crypt, *options, MappingName);
            if (!opened)
                return context.fail(opened.status());
            device = *opened;
            mapping = MappingName;
            readOnly = readOnly || options->flags.readOnly;
            described = QStringLiteral("the decrypted device of ") + what;
        }
        const int code = serve(context, device, *address, readOnly, described, statsMs);
        device.reset();
        if (!mapping.isEmpty()) {
            if (Status closed = VolumeMapper(context.registry()).close(mapping); !closed && code == 0)
                return context.fail(closed);
        }
        return code;
    }

private:
    int serve(CliContext& context, const std::shared_ptr<MappedDevice>& device,
              const nbd::NbdAddress& address, bool readOnly, const QString& described, int statsMs)
    {
        nbd::NbdServerOptions options;
        options.address = address;
        options.readOnly = readOnly;
        nbd::NbdServer server(device, options);
        StopSignals stopSignals; // before start: a signal from now on stops the server cleanly
        if (!stopSignals.installed())
            return context.fail(
                Status(ErrorCode::IOError, QStringLiteral("serve: cannot set up signal handling")));
        // Listening errors start with the address ("unix:PATH: …"): they are about --nbd.
        if (Status status = server.start(); !status)
            return context.fail(status.message().startsWith(address.toString() + QStringLiteral(": "))
                                    ? status.prefixed(QStringLiteral("--nbd "))
                                    : status);
        const bool writable = !(server.transmissionFlags() & nbd::TxReadOnly);
        printNow(context.console(),
                 QStringLiteral("Serving %1 (%2 bytes, %3) over NBD on %4; clients connect to %5\n")
                     .arg(described)
                     .arg(server.exportSize())
                     .arg(writable ? QStringLiteral("read-write") : QStringLiteral("read-only"))
                     .arg(server.address().toString(), server.address().uri()));
        for (;;) {
            if (stopSignals.wait(statsMs))
                break;
            printStats(context, server, device->displayName());
        }
        const Status stopped = server.stop();
        if (statsMs > 0)
            printStats(context, server, device->displayName());
        if (!stopped)
            return context.fail(stopped.prefixed(QStringLiteral("serve: final flush: ")));
        return 0;
    }

    static void printStats(CliContext& context, const nbd::NbdServer& server, const QString& deviceName)
    {
        QString text = statsLine(server.stats()) + u'\n';
        // The crypt queues, as 'stats' prints them, when the device is a crypt mapping.
        if (auto crypt = statsReport(context.registry(), deviceName, false))
            text += *crypt;
        printNow(context.console(), text);
    }
};

} // namespace

std::unique_ptr<Command> makeServeCommand()
{
    return std::make_unique<ServeCommand>();
}

} // namespace cryptstack::cli
