#include "StatsReport.h"

#include "crypt/CryptTarget.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <map>

namespace cryptstack::cli {

namespace {

QJsonObject stageJson(const StageSnapshot& stage)
{
    return {{QStringLiteral("depth"), static_cast<qint64>(stage.depth)},
            {QStringLiteral("peak_depth"), static_cast<qint64>(stage.peakDepth)},
            {QStringLiteral("items"), static_cast<qint64>(stage.items)},
            {QStringLiteral("bytes"), static_cast<qint64>(stage.bytes)},
            {QStringLiteral("busy_ns"), static_cast<qint64>(stage.busyNs)}};
}

QJsonObject metricsJson(const CryptMetrics& m)
{
    return {{QStringLiteral("io_queue"), stageJson(m.ioQueue)},
            {QStringLiteral("crypt_queue"), stageJson(m.cryptQueue)},
            {QStringLiteral("write_tree"), stageJson(m.writeTree)},
            {QStringLiteral("async_queue"), stageJson(m.asyncQueue)},
            {QStringLiteral("pool_pages_in_use"), static_cast<qint64>(m.poolPagesInUse)},
            {QStringLiteral("pool_page_limit"), static_cast<qint64>(m.poolPageLimit)},
            {QStringLiteral("bios_in_flight"), static_cast<qint64>(m.biosInFlight)},
            {QStringLiteral("errors"), static_cast<qint64>(m.errors)},
            {QStringLiteral("async_backlogged"), static_cast<qint64>(m.asyncBacklogged)},
            {QStringLiteral("async"), m.asyncMode}};
}

QString metricsText(const CryptMetrics& m)
{
    QString text = QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
                       .arg(QStringLiteral("stage"), -18)
                       .arg(QStringLiteral("depth"), 6)
                       .arg(QStringLiteral("peak"), 6)
                       .arg(QStringLiteral("items"), 10)
                       .arg(QStringLiteral("MiB"), 10)
                       .arg(QStringLiteral("busy ms"), 10);
    auto row = [&text](const char* name, const StageSnapshot& s) {
        text += QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
                    .arg(QLatin1String(name), -18)
                    .arg(s.depth, 6)
                    .arg(s.peakDepth, 6)
                    .arg(s.items, 10)
                    .arg(static_cast<double>(s.bytes) / (1 << 20), 10, 'f', 1)
                    .arg(static_cast<double>(s.busyNs) / 1e6, 10, 'f', 1);
    };
    row("kcryptd_io", m.ioQueue);
    row("kcryptd", m.cryptQueue);
    row("dmcrypt_write", m.writeTree);
    row("cryptd (async)", m.asyncQueue);
    text += QStringLiteral("  pool pages %1/%2, bios in flight %3, errors %4, async %5 (backlogged %6)\n")
                .arg(m.poolPagesInUse)
                .arg(m.poolPageLimit)
                .arg(m.biosInFlight)
                .arg(m.errors)
                .arg(m.asyncMode ? QStringLiteral("on") : QStringLiteral("off"))
                .arg(m.asyncBacklogged);
    return text;
}

} // namespace

Result<QString> traceReport(const DeviceRegistry& registry, const QString& name, bool json)
{
    auto device = registry.get(name);
    if (!device)
        return device.status();
    const CryptTarget* crypt = nullptr;
    const std::shared_ptr<Table> table = (*device)->activeTable(); // keeps the segments alive
    for (const Segment& segment : table->segments()) {
        if ((crypt = dynamic_cast<const CryptTarget*>(segment.target.get())))
            break;
    }
    if (!crypt)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("device \"%1\" has no crypt target").arg(name));
    const std::vector<TraceEvent> events = crypt->traceEvents();
    if (json) {
        QJsonArray array;
        for (const TraceEvent& e : events) {
            array.append(QJsonObject{{QStringLiteral("bio"), static_cast<qint64>(e.bio)},
                                     {QStringLiteral("stage"), QLatin1String(traceStageName(e.stage))},
                                     {QStringLiteral("write"), e.write},
                                     {QStringLiteral("sector"), static_cast<qint64>(e.sector)},
                                     {QStringLiteral("bytes"), static_cast<qint64>(e.bytes)},
                                     {QStringLiteral("ns"), static_cast<qint64>(e.ns)}});
        }
        return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented));
    }
    if (events.empty())
        return QStringLiteral("no trace events (turn tracing on with: set %1 trace on)\n").arg(name);
    // One line per piece: its stages with microseconds since its first event.
    std::map<uint64_t, std::vector<const TraceEvent*>> byBio;
    for (const TraceEvent& e : events)
        byBio[e.bio].push_back(&e);
    QString text;
    for (const auto& [bio, list] : byBio) {
        const TraceEvent& first = *list.front();
        text += QStringLiteral("bio %1 %2 sector %3 (%4 bytes):")
                    .arg(bio)
                    .arg(first.write ? QStringLiteral("write") : QStringLiteral("read"))
                    .arg(first.sector)
                    .arg(first.bytes);
        for (const TraceEvent* e : list)
            text += QStringLiteral(" %1 +%2us;")
                        .arg(QLatin1String(traceStageName(e->stage)))
                        .arg((e->ns - first.ns) / 1000.0, 0, 'f', 1);
        text.chop(1);
        text += u'\n';
    }
    return text;
}

Result<QString> statsReport(const DeviceRegistry& registry, const QString& name, bool json)
{
    auto device = registry.get(name);
    if (!device)
        return device.status();
    QJsonArray segments;
    QString text;
    const std::shared_ptr<Table> table = (*device)->activeTable(); // keeps the segments alive
    for (const Segment& segment : table->segments()) {
        const auto* crypt = dynamic_cast<const CryptTarget*>(segment.target.get());
        if (!crypt)
            continue;
        const CryptMetrics metrics = crypt->metrics();
        QJsonObject object = metricsJson(metrics);
        object.insert(QStringLiteral("start"), static_cast<qint64>(segment.begin));
        object.insert(QStringLiteral("length"), static_cast<qint64>(segment.length));
        segments.append(object);
        text += QStringLiteral("%1: segment %2+%3 crypt\n").arg(name).arg(segment.begin).arg(segment.length) +
                metricsText(metrics);
    }
    if (segments.isEmpty())
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("device \"%1\" has no crypt target").arg(name));
    if (json)
        return QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("device"), name},
                                                           {QStringLiteral("segments"), segments}})
                                     .toJson(QJsonDocument::Indented));
    return text;
}

} // namespace cryptstack::cli
