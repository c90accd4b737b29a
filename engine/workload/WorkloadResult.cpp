// Workload results: derived rates and the report formats.
#include "WorkloadResult.h"

namespace cryptstack {

namespace {

double perSecond(double amount, double seconds)
{
    return seconds > 0 ? amount / seconds : 0.0;
}

// Microseconds with one decimal: latencies of RAM devices are well under a millisecond.
QString micros(uint64_t nanoseconds)
{
    return QString::number(static_cast<double>(nanoseconds) / 1000.0, 'f', 1);
}

QString directionLine(const char* label, uint64_t ops, uint64_t bytes, double seconds,
                      const LatencySummary& lat)
{
    return QStringLiteral("%1 ops=%2 bytes=%3 MB/s=%4 IOPS=%5 lat-us p50=%6 p99=%7 p99.9=%8 max=%9\n")
        .arg(QLatin1String(label))
        .arg(ops)
        .arg(bytes)
        .arg(perSecond(static_cast<double>(bytes) / 1e6, seconds), 0, 'f', 2)
        .arg(perSecond(static_cast<double>(ops), seconds), 0, 'f', 0)
        .arg(micros(lat.p50Ns), micros(lat.p99Ns), micros(lat.p999Ns), micros(lat.maxNs));
}

QJsonObject latencyJson(const LatencySummary& lat)
{
    return {{QStringLiteral("p50_ns"), static_cast<qint64>(lat.p50Ns)},
            {QStringLiteral("p99_ns"), static_cast<qint64>(lat.p99Ns)},
            {QStringLiteral("p99_9_ns"), static_cast<qint64>(lat.p999Ns)},
            {QStringLiteral("mean_ns"), static_cast<qint64>(lat.meanNs)},
            {QStringLiteral("max_ns"), static_cast<qint64>(lat.maxNs)}};
}

QJsonObject directionJson(uint64_t ops, uint64_t bytes, double seconds, const LatencySummary& lat)
{
    return {{QStringLiteral("ops"), static_cast<qint64>(ops)},
            {QStringLiteral("bytes"), static_cast<qint64>(bytes)},
            {QStringLiteral("mb_per_s"), perSecond(static_cast<double>(bytes) / 1e6, seconds)},
            {QStringLiteral("iops"), perSecond(static_cast<double>(ops), seconds)},
            {QStringLiteral("latency"), latencyJson(lat)}};
}

} // namespace

LatencySummary LatencySummary::of(const LatencyHistogram& histogram)
{
    LatencySummary summary;
    summary.count = histogram.count();
    summary.p50Ns = histogram.percentileNs(0.50);
    summary.p99Ns = histogram.percentileNs(0.99);
    summary.p999Ns = histogram.percentileNs(0.999);
    summary.meanNs = histogram.meanNs();
    summary.maxNs = histogram.maxNs();
    return summary;
}

double WorkloadResult::mbPerSecond() const
{
    return perSecond(static_cast<double>(bytes()) / 1e6, seconds());
}

double WorkloadResult::iops() const
{
    return perSecond(static_cast<double>(ops()), seconds());
}

QString WorkloadResult::toText() const
{
    QString text = QStringLiteral("%1: %2\n").arg(device, spec.summary());
    if (spec.reads())
        text += directionLine("read: ", opsRead, bytesRead, seconds(), readLatency);
    if (spec.writes())
        text += directionLine("write:", opsWritten, bytesWritten, seconds(), writeLatency);
    text += QStringLiteral("total: ops=%1 bytes=%2 elapsed=%3s MB/s=%4 IOPS=%5 errors=%6 mismatches=%7")
                .arg(ops())
                .arg(bytes())
                .arg(seconds(), 0, 'f', 3)
                .arg(mbPerSecond(), 0, 'f', 2)
                .arg(iops(), 0, 'f', 0)
                .arg(errors)
                .arg(mismatches);
    if (spec.verify)
        text += QStringLiteral(" verified=%1").arg(verifiedReads);
    if (cancelled)
        text += QStringLiteral(" (cancelled)");
    return text + u'\n';
}

QJsonObject WorkloadResult::toJson() const
{
    QJsonObject json{
        {QStringLiteral("device"), device},
        {QStringLiteral("rw"), spec.rwName()},
        {QStringLiteral("bs"), static_cast<qint64>(spec.blockSize)},
        {QStringLiteral("iodepth"), static_cast<qint64>(spec.queueDepth)},
        {QStringLiteral("numjobs"), static_cast<qint64>(spec.threads)},
        {QStringLiteral("offset"), static_cast<qint64>(spec.offset)},
        {QStringLiteral("size"), static_cast<qint64>(spec.size.value_or(0))},
        {QStringLiteral("verify"), spec.verify},
        {QStringLiteral("read"), directionJson(opsRead, bytesRead, seconds(), readLatency)},
        {QStringLiteral("write"), directionJson(opsWritten, bytesWritten, seconds(), writeLatency)},
        {QStringLiteral("latency"), latencyJson(latency)},
        {QStringLiteral("ops"), static_cast<qint64>(ops())},
        {QStringLiteral("bytes"), static_cast<qint64>(bytes())},
        {QStringLiteral("elapsed_ns"), static_cast<qint64>(elapsed.count())},
        {QStringLiteral("mb_per_s"), mbPerSecond()},
        {QStringLiteral("iops"), iops()},
        {QStringLiteral("errors"), static_cast<qint64>(errors)},
        {QStringLiteral("mismatches"), static_cast<qint64>(mismatches)},
        {QStringLiteral("verified_reads"), static_cast<qint64>(verifiedReads)},
        {QStringLiteral("cancelled"), cancelled},
        {QStringLiteral("error"), status ? QJsonValue() : QJsonValue(status.message())},
    };
    if (spec.op == WorkloadOp::Mixed)
        json.insert(QStringLiteral("rwmixread"), static_cast<qint64>(spec.readPercent));
    if (spec.rateIops)
        json.insert(QStringLiteral("rate_iops"), static_cast<qint64>(spec.rateIops));
    if (spec.totalBytes)
        json.insert(QStringLiteral("io_size"), static_cast<qint64>(*spec.totalBytes));
    if (spec.runtime)
        json.insert(QStringLiteral("runtime_ns"), static_cast<qint64>(spec.runtime->count()));
    return json;
}

} // namespace cryptstack
