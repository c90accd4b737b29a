// cryptstack bench: a fio-style workload on one device, with speed, latency and mean crypt stage
// depths. The device is a volume's decrypted device (IMAGE with open options, mapped for this
// command only), or a stack's device (NAME with --concise/--concise-file).
#include "CommandTable.h"
#include "DeviceIo.h"
#include "VolumeData.h"
#include "crypt/CryptTarget.h"
#include "workload/WorkloadRunner.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <array>
#include <chrono>
#include <future>

namespace cryptstack::cli {

namespace {

// The volume's mapping is named after its image file, so that the workload's messages ("…
// is read-only", "--size reaches past the end of …") name what the user gave.
QString mappingNameFor(const QString& image)
{
    QString name = QFileInfo(image).fileName().left(127);
    for (QChar& c : name)
        if (c.isSpace() || !c.isPrint())
            c = u'_';
    return name.isEmpty() || name == u"." || name == u".." ? QStringLiteral("cryptstack-bench") : name;
}

// How often the crypt metrics are sampled while the workload runs.
constexpr std::chrono::milliseconds SampleInterval{10};

// The workload options: passed through to WorkloadSpec::parse as --NAME VALUE words.
const QStringList& workloadOptionNames()
{
    static const QStringList names = {
        QStringLiteral("rw"),      QStringLiteral("bs"),   QStringLiteral("iodepth"),
        QStringLiteral("numjobs"), QStringLiteral("size"), QStringLiteral("io_size"),
        QStringLiteral("runtime"),
    };
    return names;
}

// The crypt stages in kernel order, with their workqueue names.
constexpr std::array<const char*, 4> StageNames = {"kcryptd_io", "kcryptd", "dmcrypt_write", "cryptd"};

// Sums of each stage's depth over all crypt segments, added up sample by sample.
struct StageDepths
{
    std::array<double, StageNames.size()> sums{};
    uint64_t samples = 0;
    int cryptSegments = 0;

    // Adds one sample; with count false it only finds the crypt segments.
    void sample(const MappedDevice& device, bool count = true)
    {
        const std::shared_ptr<Table> table = device.activeTable(); // keeps the segments alive
        int segments = 0;
        for (const Segment& segment : table->segments()) {
            const auto* crypt = dynamic_cast<const CryptTarget*>(segment.target.get());
            if (!crypt)
                continue;
            ++segments;
            if (!count)
                continue;
            const CryptMetrics metrics = crypt->metrics();
            sums[0] += static_cast<double>(metrics.ioQueue.depth);
            sums[1] += static_cast<double>(metrics.cryptQueue.depth);
            sums[2] += static_cast<double>(metrics.writeTree.depth);
            sums[3] += static_cast<double>(metrics.asyncQueue.depth);
        }
        cryptSegments = segments;
        if (count)
            ++samples;
    }
    double mean(size_t stage) const { return samples ? sums[stage] / static_cast<double>(samples) : 0.0; }
};

QString micros(uint64_t nanoseconds)
{
    return QString::number(static_cast<double>(nanoseconds) / 1000.0, 'f', 1);
}

QString textReport(const WorkloadResult& result, const StageDepths& depths)
{
    QString text = QStringLiteral("%1: %2\n").arg(result.device, result.spec.summary());
    text += QStringLiteral("ops=%1 (read %2, write %3) bytes=%4 elapsed=%5s\n")
                .arg(result.ops())
                .arg(result.opsRead)
                .arg(result.opsWritten)
                .arg(result.bytes())
                .arg(result.seconds(), 0, 'f', 3);
    text += QStringLiteral("MB/s=%1 IOPS=%2\n")
                .arg(result.mbPerSecond(), 0, 'f', 2)
                .arg(result.iops(), 0, 'f', 0);
    text +=
        QStringLiteral("latency-us p50=%1 p99=%2 p99.9=%3\n")
            .arg(micros(result.latency.p50Ns), micros(result.latency.p99Ns), micros(result.latency.p999Ns));
    if (result.spec.verify)
        text += QStringLiteral("verified reads=%1\n").arg(result.verifiedReads);
    text += QStringLiteral("mean depth (%1 crypt segments, %2 samples):")
                .arg(depths.cryptSegments)
                .arg(depths.samples);
    for (size_t i = 0; i < StageNames.size(); ++i)
        text += QStringLiteral(" %1=%2").arg(QLatin1String(StageNames[i])).arg(depths.mean(i), 0, 'f', 2);
    return text + u'\n';
}

QJsonObject jsonReport(const WorkloadResult& result, const StageDepths& depths)
{
    QJsonObject json = result.toJson();
    QJsonObject stages;
    for (size_t i = 0; i < StageNames.size(); ++i)
        stages.insert(QLatin1String(StageNames[i]), depths.mean(i));
    json.insert(QStringLiteral("mean_depth"), stages);
    json.insert(QStringLiteral("crypt_segments"), depths.cryptSegments);
    json.insert(QStringLiteral("samples"), static_cast<qint64>(depths.samples));
    return json;
}

class BenchCommand final : public Command
{
public:
    QString name() const override { return QStringLiteral("bench"); }
    QString synopsis() const override { return QStringLiteral("IMAGE|NAME"); }
    QString summary() const override
    {
        return QStringLiteral("run a workload on a volume or a device; report speed, latency and crypt "
                              "queue depths");
    }
    QList<OptionSpec> options() const override
    {
        // A volume's open options; plain mode's data offset and mapping length are --plain-offset
        // and --plain-size here (as --plain-offset is in read and write), since --size is the
        // workload's region, as in fio.
        QList<OptionSpec> volume =
            VolumeOptionSpecs::open(QStringLiteral("plain-offset"), QStringLiteral("plain-size"));
        volume.removeIf([](const OptionSpec& spec) { return spec.longName == u"test-passphrase"; });
        volume +=
            {QStringLiteral("batch-mode"), u'q', {}, QStringLiteral("do not ask before a write workload")};
        return volume + QList<OptionSpec>{
                            {QStringLiteral("rw"),
                             {},
                             QStringLiteral("MODE"),
                             QStringLiteral("read, write, randread, randwrite, rw or randrw (default read)")},
                            {QStringLiteral("bs"),
                             {},
                             QStringLiteral("BYTES"),
                             QStringLiteral("bytes per request (default 4k)")},
                            {QStringLiteral("iodepth"),
                             {},
                             QStringLiteral("N"),
                             QStringLiteral("requests in flight per job (default 1)")},
                            {QStringLiteral("numjobs"),
                             {},
                             QStringLiteral("N"),
                             QStringLiteral("threads (default 1)")},
                            {QStringLiteral("size"),
                             {},
                             QStringLiteral("BYTES"),
                             QStringLiteral("region to touch (default: the whole device)")},
                            {QStringLiteral("io_size"),
                             {},
                             QStringLiteral("BYTES"),
                             QStringLiteral("stop after this many bytes (default: one pass)")},
                            {QStringLiteral("runtime"),
                             {},
                             QStringLiteral("TIME"),
                             QStringLiteral("stop after this long (500ms, 5s, 2m)")},
                            {QStringLiteral("verify"),
                             {},
                             {},
                             QStringLiteral("write checksummed blocks; check them on read")},
                            {QStringLiteral("json"), {}, {}, QStringLiteral("print one JSON object")},
                        };
    }
    int run(CliContext& context, const ArgParser& arguments) override
    {
        if (arguments.positionals().size() != 1)
            return context.fail(Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("bench: expected one IMAGE (or a device NAME with --concise/--concise-file) "
                               "(usage: cryptstack bench IMAGE|NAME [--rw MODE] [--bs BYTES] …)")));
        const QString what = arguments.positionals().first();

        QStringList words;
        for (const QString& option : workloadOptionNames()) {
            for (const QString& value : arguments.values(option))
                words << QStringLiteral("--") + option << value;
        }
        if (arguments.isSet(QStringLiteral("verify")))
            words << QStringLiteral("--verify");
        auto spec = WorkloadSpec::parse(words);
        if (!spec)
            return context.fail(spec.status().prefixed(QStringLiteral("bench: ")));

        const bool stack =
            arguments.isSet(QStringLiteral("concise")) || arguments.isSet(QStringLiteral("concise-file"));
        if (stack) {
            auto device = context.registry().get(what);
            if (!device)
                return context.fail(device.status());
            if (Status status = checkNotSuspended(context.registry(), what); !status)
                return context.fail(status);
            return runWorkload(context, **device, *spec, arguments.isSet(QStringLiteral("json")));
        }
        CryptContext crypt(context, arguments);
        auto options =
            parseVolumeOptions(arguments, what, QStringLiteral("plain-offset"), QStringLiteral("plain-size"));
        if (!options)
            return context.fail(options.status());
        // A write workload replaces the volume's data with its own pattern: asked first, as
        // luksFormat does (not with -q or when stdin is not a terminal). A missing image is left
        // to the open below, which says so.
        if (spec->writes() && !options->flags.readOnly && QFileInfo::exists(what) &&
            !crypt.confirm(QStringLiteral("This will overwrite data on %1 irrevocably.").arg(what),
                           QStringLiteral("Operation aborted, nothing was written.")))
            return exitCodeFor(ErrorCode::PermissionDenied); // the prompt said why
        const QString mapping = mappingNameFor(what);
        auto device = openMapped(crypt, *options, mapping);
        if (!device)
            return context.fail(device.status());
        const int code = runWorkload(context, **device, *spec, arguments.isSet(QStringLiteral("json")));
        device->reset();
        if (Status closed = VolumeMapper(context.registry()).close(mapping); !closed && code == 0)
            return context.fail(closed);
        return code;
    }

private:
    static int runWorkload(CliContext& context, MappedDevice& mapped, const WorkloadSpec& spec, bool json)
    {
        // The runner blocks its thread; this one samples the crypt stages until it is done.
        WorkloadRunner runner;
        auto pending =
            std::async(std::launch::async, [&runner, &mapped, &spec] { return runner.run(mapped, spec); });
        StageDepths depths;
        while (pending.wait_for(SampleInterval) != std::future_status::ready)
            depths.sample(mapped);
        if (depths.samples == 0)
            depths.sample(mapped, false); // ended within one interval: no depths, but count the segments
        Result<WorkloadResult> result = pending.get();
        if (!result)
            return context.fail(result.status().prefixed(QStringLiteral("bench: ")));
        if (!result->status)
            return context.fail(result->status.prefixed(QStringLiteral("bench: ")));

        if (json)
            context.console().print(QString::fromUtf8(
                QJsonDocument(jsonReport(*result, depths)).toJson(QJsonDocument::Indented)));
        else
            context.console().print(textReport(*result, depths));
        return 0;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchCommand()
{
    return std::make_unique<BenchCommand>();
}

} // namespace cryptstack::cli
