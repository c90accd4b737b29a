#include "PerfReport.h"

#include "CipherLimit.h"

#include <QFile>
#include <QSaveFile>

namespace cryptstack::perf {

namespace {

const QString BeginMarker = QStringLiteral("<!-- scripts/bench: measured results begin -->");
const QString EndMarker = QStringLiteral("<!-- scripts/bench: measured results end -->");

QString number(double value, int decimals = 0)
{
    return QString::number(value, 'f', decimals);
}

QString percent(double part, double whole)
{
    return whole > 0 ? QStringLiteral("%1 %").arg(number(100.0 * part / whole)) : QStringLiteral("–");
}

QString times(double part, double whole)
{
    return whole > 0 ? QStringLiteral("%1×").arg(number(part / whole, 1)) : QStringLiteral("–");
}

const SequentialRow* findRow(const PerfResults& results, const QString& configuration, unsigned sectorSize)
{
    for (const SequentialRow& row : results.sequential)
        if (row.configuration == configuration && row.sectorSize == sectorSize)
            return &row;
    return nullptr;
}

const PeerRow* findPeer(const PerfResults& results, const QString& prefix)
{
    for (const PeerRow& row : results.peers)
        if (row.tool.startsWith(prefix))
            return &row;
    return nullptr;
}

struct Target
{
    QString what;
    QString measured;
    bool met = false;
    bool measuredAtAll = false;
};

std::vector<Target> targets(const PerfResults& results)
{
    std::vector<Target> list;
    const SequentialRow* linear = findRow(results, QStringLiteral("linear"), 0);
    const auto idealFraction = [&](const QString& configuration, double bound) {
        const SequentialRow* row = findRow(results, configuration, 4096);
        for (bool read : {true, false}) {
            Target target;
            target.what = QStringLiteral("sequential %1, %2, 4096-byte sectors: ≥ %3 % of ideal")
                              .arg(read ? QStringLiteral("read") : QStringLiteral("write"), configuration)
                              .arg(number(bound * 100));
            if (linear && row) {
                const double ideal =
                    idealThroughput(read ? linear->speed.readMBps : linear->speed.writeMBps,
                                    read ? results.limit(4096).readMBps : results.limit(4096).writeMBps);
                const double got = read ? row->speed.readMBps : row->speed.writeMBps;
                target.measured =
                    QStringLiteral("%1 of %2 MB/s = %3").arg(number(got), number(ideal), percent(got, ideal));
                target.met = got >= bound * ideal;
                target.measuredAtAll = true;
            }
            list.push_back(target);
        }
    };
    idealFraction(QStringLiteral("crypt default"), 0.8);
    idealFraction(QStringLiteral("crypt no_read/no_write_workqueue"), 0.9);

    const PeerRow* qemu = findPeer(results, QStringLiteral("qemu-img"));
    const PeerRow* ours = findPeer(results, QStringLiteral("cryptstack"));
    for (bool encrypt : {true, false}) {
        Target target;
        target.what = QStringLiteral("LUKS1 %1 (same job as qemu-img convert): ≥ 8× qemu-img")
                          .arg(encrypt ? QStringLiteral("encrypt") : QStringLiteral("decrypt"));
        if (qemu && ours) {
            const double theirs = encrypt ? qemu->encryptMBps : qemu->decryptMBps;
            const double mine = encrypt ? ours->encryptMBps : ours->decryptMBps;
            target.measured =
                QStringLiteral("%1 vs %2 MB/s = %3").arg(number(mine), number(theirs), times(mine, theirs));
            target.met = mine >= 8 * theirs;
            target.measuredAtAll = true;
        }
        list.push_back(target);
    }

    const LatencyRow* linearLatency = results.latency.empty() ? nullptr : &results.latency.front();
    const auto added = [&](const QString& configuration, double boundUs) {
        Target target;
        target.what = QStringLiteral("4 KiB random read QD1, %1: < %2 µs added over linear (p50)")
                          .arg(configuration)
                          .arg(number(boundUs));
        for (const LatencyRow& row : results.latency)
            if (linearLatency && row.configuration.startsWith(configuration)) {
                const double extra = row.p50Us - linearLatency->p50Us;
                target.measured =
                    QStringLiteral("%1 µs (p50 %2 vs %3 µs)")
                        .arg(number(extra, 1), number(row.p50Us, 1), number(linearLatency->p50Us, 1));
                if (row.cryptOwnUs >= 0)
                    target.measured += QStringLiteral("; in the crypt target itself %1 µs (its trace)")
                                           .arg(number(row.cryptOwnUs, 2));
                target.met = extra < boundUs;
                target.measuredAtAll = true;
            }
        list.push_back(target);
    };
    added(QStringLiteral("crypt no_read_workqueue"), 3);
    added(QStringLiteral("crypt default"), 20);

    Target memory;
    memory.what = QStringLiteral("peak RSS while copying a 4 GiB volume: < 96 MiB");
    long peak = 0;
    for (const MemoryRow& row : results.memory)
        peak = std::max(peak, row.peakRssKiB);
    if (!results.memory.empty()) {
        memory.measured = QStringLiteral("%1 MiB").arg(number(peak / 1024.0, 1));
        memory.met = peak < 96 * 1024;
        memory.measuredAtAll = true;
    }
    list.push_back(memory);

    for (const UnlockRow& row : results.unlock) {
        Target unlock;
        unlock.what = QStringLiteral("unlock (%1): ≤ 1.1× cryptsetup").arg(row.keyslot);
        unlock.measured = QStringLiteral("%1 vs %2 s = %3")
                              .arg(number(row.cryptstackSeconds, 3), number(row.cryptsetupSeconds, 3),
                                   times(row.cryptstackSeconds, row.cryptsetupSeconds));
        unlock.met = row.cryptstackSeconds <= 1.1 * row.cryptsetupSeconds;
        unlock.measuredAtAll = true;
        list.push_back(unlock);
    }
    return list;
}

} // namespace

double idealThroughput(double linearMBps, double limitMBps)
{
    if (linearMBps <= 0 || limitMBps <= 0)
        return 0;
    return 1.0 / (1.0 / linearMBps + 1.0 / limitMBps);
}

QString renderReport(const PerfResults& results)
{
    QString text;
    text += QStringLiteral("Machine: %1.\n\n").arg(results.machine.join(QStringLiteral(", ")));

    text += QStringLiteral("### The limit: AES-256-XTS in-process, %1 threads, IV reset per sector\n\n"
                           "Each library the engine can use, on its own; the limit is the faster of the two "
                           "in each direction (the engine runs AES through libgcrypt).\n\n"
                           "| sectors | library | decrypt MB/s | encrypt MB/s |\n|---|---|---|---|\n")
                .arg(results.threads);
    for (const LimitRow& row : results.limits)
        for (CipherLibrary library : {CipherLibrary::OpenSsl, CipherLibrary::Libgcrypt}) {
            const ReadWrite& speed = library == CipherLibrary::OpenSsl ? row.openSsl : row.libgcrypt;
            text += QStringLiteral("| %1 B | %2 | %3 | %4 |\n")
                        .arg(row.sectorSize)
                        .arg(libraryName(library), number(speed.readMBps), number(speed.writeMBps));
        }
    text += u'\n';

    const SequentialRow* linear = findRow(results, QStringLiteral("linear"), 0);
    text += QStringLiteral(
                "### Sequential I/O through the engine (%1)\n\n"
                "Ideal = 1 / (1/linear + 1/limit) at the row's sector size.\n\n"
                "| device | sectors | read MB/s | of limit | of ideal | write MB/s | of limit | of ideal |\n"
                "|---|---|---|---|---|---|---|---|\n")
                .arg(results.workload);
    for (const SequentialRow& row : results.sequential) {
        const ReadWrite limit = results.limit(row.sectorSize);
        const double idealRead = linear ? idealThroughput(linear->speed.readMBps, limit.readMBps) : 0;
        const double idealWrite = linear ? idealThroughput(linear->speed.writeMBps, limit.writeMBps) : 0;
        if (row.sectorSize == 0) {
            text += QStringLiteral("| %1 | – | %2 | – | – | %3 | – | – |\n")
                        .arg(row.configuration, number(row.speed.readMBps), number(row.speed.writeMBps));
            continue;
        }
        text +=
            QStringLiteral("| %1 | %2 B | %3 | %4 | %5 | %6 | %7 | %8 |\n")
                .arg(row.configuration)
                .arg(row.sectorSize)
                .arg(number(row.speed.readMBps), percent(row.speed.readMBps, limit.readMBps),
                     percent(row.speed.readMBps, idealRead), number(row.speed.writeMBps),
                     percent(row.speed.writeMBps, limit.writeMBps), percent(row.speed.writeMBps, idealWrite));
    }
    text += u'\n';

    text += QStringLiteral(
        "### 4 KiB random reads, queue depth 1\n\nThe last two columns come from one more, traced run of "
        "each crypt device (medians per read): the time spent in the crypt target itself (map, "
        "decryption, completion) and in the device below it (the hop to the image's I/O thread and "
        "the read).\n\n| device | p50 µs | mean µs | p99 µs | in crypt µs | below crypt µs |\n"
        "|---|---|---|---|---|---|\n");
    for (const LatencyRow& row : results.latency)
        text += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                    .arg(row.configuration, number(row.p50Us, 1), number(row.meanUs, 1), number(row.p99Us, 1),
                         row.cryptOwnUs >= 0 ? number(row.cryptOwnUs, 2) : QStringLiteral("–"),
                         row.lowerUs >= 0 ? number(row.lowerUs, 1) : QStringLiteral("–"));
    text += u'\n';

    if (!results.peers.empty()) {
        const PeerRow* qemu = findPeer(results, QStringLiteral("qemu-img"));
        text += QStringLiteral(
            "### The peer: the same LUKS1 container (aes-xts-plain64, 512-bit key, 512-byte "
            "sectors), the whole image in and out, as processes\n\n"
            "| tool | encrypt MB/s | × qemu-img | decrypt MB/s | × qemu-img |\n|---|---|---|---|---|\n");
        for (const PeerRow& row : results.peers)
            text += QStringLiteral("| %1 | %2 | %3 | %4 | %5 |\n")
                        .arg(row.tool, number(row.encryptMBps),
                             qemu ? times(row.encryptMBps, qemu->encryptMBps) : QStringLiteral("–"),
                             number(row.decryptMBps),
                             qemu ? times(row.decryptMBps, qemu->decryptMBps) : QStringLiteral("–"));
        text += u'\n';
    }
    if (!results.memory.empty()) {
        text +=
            QStringLiteral("### Memory: the cryptstack binary copying a volume (LUKS2, 4096-byte sectors)\n\n"
                           "| job | MB/s | peak RSS MiB |\n|---|---|---|\n");
        for (const MemoryRow& row : results.memory)
            text += QStringLiteral("| %1 | %2 | %3 |\n")
                        .arg(row.job, number(row.mbps), number(row.peakRssKiB / 1024.0, 1));
        text += u'\n';
    }
    if (!results.unlock.empty()) {
        text += QStringLiteral("### Unlock: `open --test-passphrase` on one LUKS2 keyslot made by cryptsetup "
                               "(median wall time of the whole process)\n\n"
                               "| keyslot | cryptsetup s | cryptstack s | ratio |\n|---|---|---|---|\n");
        for (const UnlockRow& row : results.unlock)
            text += QStringLiteral("| %1 | %2 | %3 | %4 |\n")
                        .arg(row.keyslot, number(row.cryptsetupSeconds, 3), number(row.cryptstackSeconds, 3),
                             times(row.cryptstackSeconds, row.cryptsetupSeconds));
        text += u'\n';
    }

    text += QStringLiteral("### Targets\n\n| target | measured | |\n|---|---|---|\n");
    for (const Target& target : targets(results))
        text += QStringLiteral("| %1 | %2 | %3 |\n")
                    .arg(target.what, target.measuredAtAll ? target.measured : QStringLiteral("not measured"),
                         !target.measuredAtAll ? QStringLiteral("–")
                         : target.met          ? QStringLiteral("met")
                                               : QStringLiteral("**not met**"));
    if (!results.problems.isEmpty()) {
        text += QStringLiteral("\nSteps that did not run:\n\n");
        for (const QString& problem : results.problems)
            text += QStringLiteral("- %1\n").arg(problem);
    }
    return text;
}

bool writeReportInto(const QString& path, const QString& report)
{
    QString document;
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly))
        document = QString::fromUtf8(existing.readAll());
    const qsizetype begin = document.indexOf(BeginMarker);
    const qsizetype end = document.indexOf(EndMarker);
    const QString block = BeginMarker + u'\n' + report + EndMarker;
    if (begin >= 0 && end > begin)
        document.replace(begin, end + EndMarker.size() - begin, block);
    else
        document +=
            (document.isEmpty() ? QStringLiteral("# Performance\n\n") : QStringLiteral("\n")) + block + u'\n';
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(document.toUtf8());
    return file.commit();
}

} // namespace cryptstack::perf
