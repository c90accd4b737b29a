#include "PerfSuite.h"

#include "ChildProcess.h"
#include "CipherLimit.h"
#include "crypt/CryptTarget.h"
#include "dm/DeviceRegistry.h"
#include "dm/MappedDevice.h"
#include "dm/Table.h"
#include "formats/luks1/Luks1Header.h"
#include "formats/luks1/Luks1RawHeader.h"
#include "workload/WorkloadRunner.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSysInfo>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <fcntl.h>
#include <map>
#include <optional>
#include <thread>
#include <unistd.h>

namespace cryptstack::perf {

namespace {

constexpr double MB = 1e6;

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

QString cpuModel()
{
    QFile file(QStringLiteral("/proc/cpuinfo"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("unknown CPU");
    for (const QByteArray& line : file.readAll().split('\n'))
        if (line.startsWith("model name"))
            return QString::fromLatin1(line.mid(line.indexOf(':') + 1).trimmed());
    return QStringLiteral("unknown CPU");
}

// A fresh random 512-bit key in hex for each table: the numbers must not depend on the key.
QString randomKeyHex()
{
    uint8_t key[64];
    RAND_bytes(key, sizeof key);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(key), sizeof key).toHex());
}

QString cryptLine(uint64_t sectors, const QString& image, unsigned sectorSize, const QStringList& flags)
{
    QStringList options = flags;
    if (sectorSize != 512)
        options << QStringLiteral("sector_size:%1").arg(sectorSize);
    QString line =
        QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 %3 0").arg(sectors).arg(randomKeyHex(), image);
    if (!options.isEmpty())
        line += QStringLiteral(" %1 %2").arg(options.size()).arg(options.join(u' '));
    return line;
}

struct DeviceCase
{
    QString configuration;
    unsigned sectorSize = 0; // 0: linear
    QStringList flags;
    bool async = false;
};

// Where a traced crypt device's reads spent their time: medians over every read piece whose
// stages are all still in the trace ring.
struct StageTimes
{
    double cryptOwnUs = -1;
    double lowerUs = -1;
};

StageTimes readStageTimes(const std::vector<TraceEvent>& events)
{
    std::map<uint64_t, std::map<TraceStage, uint64_t>> byPiece;
    for (const TraceEvent& event : events)
        if (!event.write)
            byPiece[event.bio][event.stage] = event.ns;
    std::vector<double> own, lower;
    for (const auto& [piece, stages] : byPiece) {
        const auto at = [&](TraceStage stage) {
            return stages.find(stage);
        };
        const auto mapped = at(TraceStage::Mapped), submitted = at(TraceStage::LowerSubmitted),
                   completedBelow = at(TraceStage::LowerCompleted), completed = at(TraceStage::Completed);
        if (mapped == stages.end() || submitted == stages.end() || completedBelow == stages.end() ||
            completed == stages.end())
            continue;
        const double below = static_cast<double>(completedBelow->second - submitted->second) / 1000.0;
        lower.push_back(below);
        own.push_back(static_cast<double>(completed->second - mapped->second) / 1000.0 - below);
    }
    if (own.empty())
        return {};
    return {median(own), median(lower)};
}

// One workload on a fresh mapping of the image; the registry and its threads end with the run.
// With stages set, the crypt target traces the run and its read stage times are returned there.
Result<WorkloadResult> runOnce(const QString& tableLine, bool async, const WorkloadSpec& spec,
                               StageTimes* stages = nullptr)
{
    DeviceRegistry registry;
    auto device = registry.create(QStringLiteral("bench"), {tableLine});
    if (!device)
        return device.status();
    for (const auto& [option, on] : {std::pair{"async", async}, std::pair{"trace", stages != nullptr}}) {
        if (!on)
            continue;
        if (Status status = registry.setEngineOption(QStringLiteral("bench"), QLatin1String(option),
                                                     QStringLiteral("on"));
            !status)
            return status;
    }
    WorkloadRunner runner;
    auto result = runner.run(**device, spec);
    if (stages) {
        for (const Segment& segment : (*device)->activeTable()->segments())
            if (const auto* crypt = dynamic_cast<const CryptTarget*>(segment.target.get()))
                *stages = readStageTimes(crypt->traceEvents());
    }
    registry.removeAll();
    if (result && !result->status)
        return result->status;
    return result;
}

QString deviceLine(const DeviceCase& deviceCase, uint64_t sectors, const QString& image)
{
    if (deviceCase.sectorSize == 0)
        return QStringLiteral("0 %1 linear %2 0").arg(sectors).arg(image);
    return cryptLine(sectors, image, deviceCase.sectorSize, deviceCase.flags);
}

// Where a LUKS1 container's data starts, in bytes, read from its header.
std::optional<uint64_t> luks1PayloadBytes(const QString& container)
{
    QFile file(container);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray bytes = file.read(Luks1RawHeader::DiskBytes);
    if (bytes.size() != static_cast<qsizetype>(Luks1RawHeader::DiskBytes))
        return std::nullopt;
    const auto header =
        Luks1Header::fromRaw(Luks1RawHeader::decode({reinterpret_cast<const uint8_t*>(bytes.constData()),
                                                     static_cast<size_t>(bytes.size())}),
                             container);
    if (!header)
        return std::nullopt;
    return uint64_t(header->payloadOffset) * 512;
}

} // namespace

PerfSuite::PerfSuite(PerfOptions options, Progress progress)
    : m_options(std::move(options)), m_progress(std::move(progress))
{}

PerfResults PerfSuite::run()
{
    m_results = {};
    m_results.threads = std::max(1u, std::thread::hardware_concurrency());
    m_results.machine = {
        cpuModel(),
        QStringLiteral("%1 cores").arg(m_results.threads),
        QStringLiteral("%1 %2").arg(QSysInfo::kernelType(), QSysInfo::kernelVersion()),
        QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION)),
        QStringLiteral("Qt %1").arg(QString::fromLatin1(qVersion())),
        QDateTime::currentDateTimeUtc().toString(Qt::ISODate),
    };
    QDir().mkpath(m_options.workDir);
    m_image = QDir(m_options.workDir).filePath(QStringLiteral("bench.img"));
    m_progress(
        QStringLiteral("preparing a %1 MiB image in %2").arg(m_options.imageMiB).arg(m_options.workDir));
    if (!prepareImage(m_image, m_options.imageMiB, true)) {
        m_results.problems << QStringLiteral("cannot write %1").arg(m_image);
        return m_results;
    }
    measureLimits();
    measureSequential();
    measureLatency();
    if (!m_options.quick) {
        measurePeers();
        measureMemory();
        measureUnlock();
    }
    QFile::remove(m_image);
    return m_results;
}

bool PerfSuite::prepareImage(const QString& path, uint64_t mib, bool fill)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    if (!fill)
        return file.resize(static_cast<qint64>(mib << 20));
    // Random-looking data, written once; it stays in the page cache for the whole run.
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    RAND_bytes(reinterpret_cast<unsigned char*>(chunk.data()), static_cast<int>(chunk.size()));
    for (uint64_t i = 0; i < mib; ++i) {
        chunk[0] = static_cast<char>(i);
        if (file.write(chunk) != chunk.size())
            return false;
    }
    return file.flush();
}

void PerfSuite::measureLimits()
{
    const auto duration = std::chrono::milliseconds(static_cast<int64_t>(m_options.secondsPerRun * 1000));
    for (unsigned sectorSize : {512u, 4096u}) {
        LimitRow row{sectorSize, {}, {}};
        for (CipherLibrary library : {CipherLibrary::OpenSsl, CipherLibrary::Libgcrypt}) {
            ReadWrite& speed = library == CipherLibrary::OpenSsl ? row.openSsl : row.libgcrypt;
            for (bool encrypt : {false, true}) {
                std::vector<double> runs;
                for (int i = 0; i < m_options.repeats; ++i) {
                    const CipherLimitResult result =
                        measureAesXtsLimit(library, sectorSize, encrypt, m_results.threads, duration);
                    if (!result.ok) {
                        m_results.problems
                            << QStringLiteral("%1 refused AES-256-XTS").arg(libraryName(library));
                        return;
                    }
                    runs.push_back(result.bytesPerSecond / MB);
                }
                (encrypt ? speed.writeMBps : speed.readMBps) = median(runs);
            }
            m_progress(QStringLiteral("limit, %1, %2-byte sectors: decrypt %3 MB/s, encrypt %4 MB/s")
                           .arg(libraryName(library))
                           .arg(sectorSize)
                           .arg(speed.readMBps, 0, 'f', 0)
                           .arg(speed.writeMBps, 0, 'f', 0));
        }
        m_results.limits.push_back(row);
    }
}

void PerfSuite::measureSequential()
{
    const uint64_t sectors = m_options.imageMiB << 11;
    const QString runtime = QStringLiteral("%1ms").arg(static_cast<int64_t>(m_options.secondsPerRun * 1000));
    const QStringList common = {
        QStringLiteral("--bs"),      QStringLiteral("1m"), QStringLiteral("--iodepth"), QStringLiteral("4"),
        QStringLiteral("--numjobs"), QStringLiteral("1"),  QStringLiteral("--runtime"), runtime};
    m_results.workload =
        QStringLiteral("sequential, 1 MiB requests, queue depth 4, one thread, %1 s per run, "
                       "median of %2 runs")
            .arg(m_options.secondsPerRun)
            .arg(m_options.repeats);
    const QStringList bypass = {QStringLiteral("no_read_workqueue"), QStringLiteral("no_write_workqueue")};
    std::vector<DeviceCase> cases = {{QStringLiteral("linear"), 0, {}, false}};
    for (unsigned sectorSize : {512u, 4096u}) {
        cases.push_back({QStringLiteral("crypt default"), sectorSize, {}, false});
        cases.push_back({QStringLiteral("crypt no_read/no_write_workqueue"), sectorSize, bypass, false});
        cases.push_back({QStringLiteral("crypt async cipher"), sectorSize, {}, true});
    }
    for (const DeviceCase& deviceCase : cases) {
        SequentialRow row{deviceCase.configuration, deviceCase.sectorSize, {}};
        for (const char* rw : {"read", "write"}) {
            auto spec = WorkloadSpec::parse(QStringList{QStringLiteral("--rw"), QLatin1String(rw)} + common);
            if (!spec) {
                m_results.problems << spec.status().message();
                return;
            }
            std::vector<double> runs;
            for (int i = 0; i < m_options.repeats; ++i) {
                auto result = runOnce(deviceLine(deviceCase, sectors, m_image), deviceCase.async, *spec);
                if (!result) {
                    m_results.problems
                        << QStringLiteral("%1 %2: %3")
                               .arg(deviceCase.configuration, QLatin1String(rw), result.status().message());
                    break;
                }
                runs.push_back(result->mbPerSecond());
            }
            (qstrcmp(rw, "read") == 0 ? row.speed.readMBps : row.speed.writeMBps) = median(runs);
        }
        m_progress(QStringLiteral("%1%2: read %3 MB/s, write %4 MB/s")
                       .arg(row.configuration, row.sectorSize
                                                   ? QStringLiteral(" (%1-byte sectors)").arg(row.sectorSize)
                                                   : QString())
                       .arg(row.speed.readMBps, 0, 'f', 0)
                       .arg(row.speed.writeMBps, 0, 'f', 0));
        m_results.sequential.push_back(row);
    }
}

void PerfSuite::measureLatency()
{
    const uint64_t sectors = m_options.imageMiB << 11;
    auto spec = WorkloadSpec::parse(
        {QStringLiteral("--rw"), QStringLiteral("randread"), QStringLiteral("--bs"), QStringLiteral("4k"),
         QStringLiteral("--iodepth"), QStringLiteral("1"), QStringLiteral("--runtime"),
         QStringLiteral("%1ms").arg(static_cast<int64_t>(m_options.secondsPerRun * 1000))});
    if (!spec) {
        m_results.problems << spec.status().message();
        return;
    }
    const std::vector<DeviceCase> cases = {
        {QStringLiteral("linear"), 0, {}, false},
        {QStringLiteral("crypt default, 4096-byte sectors"), 4096, {}, false},
        {QStringLiteral("crypt no_read_workqueue, 4096-byte sectors"),
         4096,
         {QStringLiteral("no_read_workqueue")},
         false},
    };
    // The configurations take turns within each repeat, so a drift in the machine's state (the
    // scheduler's placement of the I/O threads dominates at this scale) touches all of them alike.
    struct Samples
    {
        std::vector<double> p50, mean, p99, cryptOwn, lower;
    };
    std::vector<Samples> samples(cases.size());
    // One more run of each crypt device is traced (tracing costs a lock per stage, so its latency
    // is not counted).
    for (int i = 0; i <= m_options.repeats; ++i) {
        for (size_t c = 0; c < cases.size(); ++c) {
            const DeviceCase& deviceCase = cases[c];
            const bool traced = i == m_options.repeats;
            if (traced && deviceCase.sectorSize == 0)
                continue;
            StageTimes stages;
            auto result =
                runOnce(deviceLine(deviceCase, sectors, m_image), false, *spec, traced ? &stages : nullptr);
            if (!result) {
                m_results.problems << QStringLiteral("%1: %2").arg(deviceCase.configuration,
                                                                   result.status().message());
                return;
            }
            if (traced) {
                samples[c].cryptOwn.push_back(stages.cryptOwnUs);
                samples[c].lower.push_back(stages.lowerUs);
                continue; // its latency is not the untraced device's
            }
            samples[c].p50.push_back(result->readLatency.p50Ns / 1000.0);
            samples[c].mean.push_back(result->readLatency.meanNs / 1000.0);
            samples[c].p99.push_back(result->readLatency.p99Ns / 1000.0);
        }
    }
    for (size_t c = 0; c < cases.size(); ++c) {
        const Samples& s = samples[c];
        LatencyRow row{cases[c].configuration, median(s.p50), median(s.mean), median(s.p99)};
        if (!s.cryptOwn.empty()) {
            row.cryptOwnUs = median(s.cryptOwn);
            row.lowerUs = median(s.lower);
        }
        m_progress(QStringLiteral("4 KiB QD1 random read, %1: p50 %2 us, mean %3 us%4")
                       .arg(row.configuration)
                       .arg(row.p50Us, 0, 'f', 1)
                       .arg(row.meanUs, 0, 'f', 1)
                       .arg(row.cryptOwnUs >= 0 ? QStringLiteral("; in crypt itself %1 us, below it %2 us")
                                                      .arg(row.cryptOwnUs, 0, 'f', 2)
                                                      .arg(row.lowerUs, 0, 'f', 1)
                                                : QString()));
        m_results.latency.push_back(row);
    }
}

void PerfSuite::measurePeers()
{
    const QDir dir(m_options.workDir);
    const QString key = dir.filePath(QStringLiteral("peer.key"));
    const QString container = dir.filePath(QStringLiteral("peer-luks1.img"));
    const QString output = dir.filePath(QStringLiteral("peer-out.raw"));
    {
        // qemu's secret must be UTF-8 text; cryptsetup reads the same bytes from the key file.
        QFile file(key);
        if (!file.open(QIODevice::WriteOnly) || file.write("cryptstack-bench-passphrase") < 0) {
            m_results.problems << QStringLiteral("cannot write %1").arg(key);
            return;
        }
    }
    // LUKS1 with 512-bit aes-xts-plain64 (2 MiB of header) in front of the image's size. Made by
    // cryptsetup: "qemu-img create -f luks" fails now and then on these machines.
    if (!prepareImage(container, m_options.imageMiB + 2, false)) {
        m_results.problems << QStringLiteral("cannot create %1").arg(container);
        return;
    }
    const ChildRun format =
        runChild(QStringLiteral("cryptsetup"),
                 {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                  QStringLiteral("luks1"), QStringLiteral("-c"), QStringLiteral("aes-xts-plain64"),
                  QStringLiteral("-s"), QStringLiteral("512"), QStringLiteral("--pbkdf-force-iterations"),
                  QStringLiteral("1000"), QStringLiteral("--key-file"), key, container});
    if (format.exitCode != 0) {
        m_results.problems << QStringLiteral("cryptsetup luksFormat: %1").arg(format.errorText);
        return;
    }
    const auto payload = luks1PayloadBytes(container);
    if (!payload) {
        m_results.problems
            << QStringLiteral("cannot read the LUKS1 header cryptsetup wrote to %1").arg(container);
        return;
    }
    const uint64_t imageBytes = m_options.imageMiB << 20;
    const double megabytes = static_cast<double>(imageBytes) / MB;
    const QString secret = QStringLiteral("secret,id=sec0,format=raw,file=%1").arg(key);
    const QString luks = QStringLiteral("driver=luks,key-secret=sec0,file.filename=%1").arg(container);
    struct Job
    {
        QString tool;
        QString program;
        QStringList encrypt;
        QStringList decrypt;
    };
    const std::vector<Job> jobs = {
        {QStringLiteral("qemu-img convert"),
         QStringLiteral("qemu-img"),
         {QStringLiteral("convert"), QStringLiteral("-n"), QStringLiteral("-f"), QStringLiteral("raw"),
          m_image, QStringLiteral("--object"), secret, QStringLiteral("--target-image-opts"), luks},
         {QStringLiteral("convert"), QStringLiteral("--object"), secret, QStringLiteral("--image-opts"), luks,
          QStringLiteral("-O"), QStringLiteral("raw"), output}},
        {QStringLiteral("cryptstack write/read"),
         m_options.cryptstackBinary,
         {QStringLiteral("write"), container, QStringLiteral("-d"), key, QStringLiteral("-i"), m_image},
         {QStringLiteral("read"), container, QStringLiteral("-d"), key, QStringLiteral("-o"), output}},
        // The floor under both: the same bytes between the same files with no cipher at all.
        {QStringLiteral("dd, no cipher"),
         QStringLiteral("dd"),
         {QStringLiteral("if=") + m_image, QStringLiteral("of=") + container, QStringLiteral("bs=4M"),
          QStringLiteral("seek=%1").arg(*payload), QStringLiteral("oflag=seek_bytes"),
          QStringLiteral("conv=notrunc"), QStringLiteral("status=none")},
         {QStringLiteral("if=") + container, QStringLiteral("of=") + output, QStringLiteral("bs=4M"),
          QStringLiteral("skip=%1").arg(*payload), QStringLiteral("count=%1").arg(imageBytes),
          QStringLiteral("iflag=skip_bytes,count_bytes"), QStringLiteral("status=none")}},
    };
    for (const Job& job : jobs) {
        std::vector<double> encrypt, decrypt;
        for (int i = 0; i < m_options.repeats; ++i) {
            const ChildRun in = runChild(job.program, job.encrypt);
            const ChildRun out = runChild(job.program, job.decrypt);
            if (in.exitCode != 0 || out.exitCode != 0) {
                m_results.problems << QStringLiteral("%1: %2").arg(job.tool, in.errorText + out.errorText);
                return;
            }
            encrypt.push_back(megabytes / in.seconds);
            decrypt.push_back(megabytes / out.seconds);
        }
        PeerRow row{job.tool, median(encrypt), median(decrypt)};
        m_progress(QStringLiteral("%1: encrypt %2 MB/s, decrypt %3 MB/s")
                       .arg(row.tool)
                       .arg(row.encryptMBps, 0, 'f', 0)
                       .arg(row.decryptMBps, 0, 'f', 0));
        m_results.peers.push_back(row);
    }
    for (const QString& file : {key, container, output})
        QFile::remove(file);
}

void PerfSuite::measureMemory()
{
    const QDir dir(m_options.workDir);
    const QString key = dir.filePath(QStringLiteral("memory.key"));
    const QString volume = dir.filePath(QStringLiteral("memory-luks2.img"));
    const QString input = dir.filePath(QStringLiteral("memory-input.raw"));
    {
        QFile file(key);
        if (!file.open(QIODevice::WriteOnly) || file.write("cryptstack-bench-passphrase") < 0) {
            m_results.problems << QStringLiteral("cannot write %1").arg(key);
            return;
        }
    }
    // A LUKS2 volume (16 MiB of header) with exactly volumeMiB of data, and a sparse input of that size.
    if (!prepareImage(volume, m_options.volumeMiB + 16, false) ||
        !prepareImage(input, m_options.volumeMiB, false)) {
        m_results.problems << QStringLiteral("cannot create the %1 MiB volume").arg(m_options.volumeMiB);
        return;
    }
    const ChildRun format = runChild(
        QStringLiteral("cryptsetup"),
        {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
         QStringLiteral("luks2"), QStringLiteral("--sector-size"), QStringLiteral("4096"),
         QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"), QStringLiteral("--pbkdf-force-iterations"),
         QStringLiteral("1000"), QStringLiteral("--key-file"), key, volume});
    if (format.exitCode != 0) {
        m_results.problems << QStringLiteral("cryptsetup luksFormat: %1").arg(format.errorText);
        return;
    }
    const double megabytes = static_cast<double>(m_options.volumeMiB << 20) / MB;
    const std::vector<std::pair<QString, QStringList>> jobs = {
        {QStringLiteral("write %1 MiB into a LUKS2 volume").arg(m_options.volumeMiB),
         {QStringLiteral("write"), volume, QStringLiteral("-d"), key, QStringLiteral("-i"), input}},
        {QStringLiteral("read %1 MiB out of it").arg(m_options.volumeMiB),
         {QStringLiteral("read"), volume, QStringLiteral("-d"), key, QStringLiteral("-o"),
          QStringLiteral("/dev/null")}},
    };
    for (const auto& [job, arguments] : jobs) {
        const ChildRun run = runChild(m_options.cryptstackBinary, arguments);
        if (run.exitCode != 0) {
            m_results.problems << QStringLiteral("cryptstack %1: %2").arg(arguments.first(), run.errorText);
            break;
        }
        MemoryRow row{job, megabytes / run.seconds, run.maxRssKiB};
        m_progress(QStringLiteral("%1: %2 MB/s, peak RSS %3 MiB")
                       .arg(row.job)
                       .arg(row.mbps, 0, 'f', 0)
                       .arg(row.peakRssKiB / 1024.0, 0, 'f', 1));
        m_results.memory.push_back(row);
    }
    for (const QString& file : {key, volume, input})
        QFile::remove(file);
}

void PerfSuite::measureUnlock()
{
    const QDir dir(m_options.workDir);
    const QString key = dir.filePath(QStringLiteral("unlock.key"));
    {
        QFile file(key);
        if (!file.open(QIODevice::WriteOnly) || file.write("cryptstack-bench-passphrase") < 0) {
            m_results.problems << QStringLiteral("cannot write %1").arg(key);
            return;
        }
    }
    struct Keyslot
    {
        QString description;
        QStringList options;
    };
    // Fixed costs, so both tools do exactly the same work (no benchmark-chosen parameters).
    const std::vector<Keyslot> keyslots = {
        {QStringLiteral("argon2id, 4 iterations, 256 MiB, 2 threads"),
         {QStringLiteral("--pbkdf"), QStringLiteral("argon2id"), QStringLiteral("--pbkdf-force-iterations"),
          QStringLiteral("4"), QStringLiteral("--pbkdf-memory"), QStringLiteral("262144"),
          QStringLiteral("--pbkdf-parallel"), QStringLiteral("2")}},
        {QStringLiteral("pbkdf2-sha256, 2000000 iterations"),
         {QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"), QStringLiteral("--hash"),
          QStringLiteral("sha256"), QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("2000000")}},
    };
    const QString volume = dir.filePath(QStringLiteral("unlock-luks2.img"));
    for (const Keyslot& keyslot : keyslots) {
        if (!prepareImage(volume, 32, false)) {
            m_results.problems << QStringLiteral("cannot create %1").arg(volume);
            return;
        }
        const ChildRun format =
            runChild(QStringLiteral("cryptsetup"),
                     QStringList{QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                                 QStringLiteral("luks2")} +
                         keyslot.options + QStringList{QStringLiteral("--key-file"), key, volume});
        if (format.exitCode != 0) {
            m_results.problems << QStringLiteral("cryptsetup luksFormat: %1").arg(format.errorText);
            return;
        }
        const QStringList test = {QStringLiteral("open"), QStringLiteral("--test-passphrase"),
                                  QStringLiteral("--key-file"), key, volume};
        std::vector<double> theirs, ours;
        for (int i = 0; i < m_options.repeats; ++i) {
            const ChildRun cryptsetup = runChild(QStringLiteral("cryptsetup"), test);
            const ChildRun cryptstack = runChild(m_options.cryptstackBinary, test);
            if (cryptsetup.exitCode != 0 || cryptstack.exitCode != 0) {
                m_results.problems << QStringLiteral("open --test-passphrase: %1")
                                          .arg(cryptsetup.errorText + cryptstack.errorText);
                return;
            }
            theirs.push_back(cryptsetup.seconds);
            ours.push_back(cryptstack.seconds);
        }
        UnlockRow row{keyslot.description, median(theirs), median(ours)};
        m_progress(QStringLiteral("unlock, %1: cryptsetup %2 s, cryptstack %3 s")
                       .arg(row.keyslot)
                       .arg(row.cryptsetupSeconds, 0, 'f', 3)
                       .arg(row.cryptstackSeconds, 0, 'f', 3));
        m_results.unlock.push_back(row);
    }
    QFile::remove(volume);
    QFile::remove(key);
}

} // namespace cryptstack::perf
