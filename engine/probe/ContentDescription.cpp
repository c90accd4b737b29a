#include "ContentDescription.h"

#include <QJsonArray>

#include <iterator>

namespace cryptstack {

QString humanSize(uint64_t bytes)
{
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    // Whole numbers print without a fraction ("64 MiB"), others with one digit ("1.5 GiB").
    const bool whole = value == static_cast<double>(static_cast<uint64_t>(value));
    return QStringLiteral("%1 %2").arg(whole ? QString::number(static_cast<uint64_t>(value))
                                             : QString::number(value, 'f', 1),
                                       QLatin1String(units[unit]));
}

QString SignatureInfo::summary() const
{
    QStringList words{type};
    // A filesystem's superblock revision says little; a LUKS or RAID version tells which format.
    if (!version.isEmpty() && (usage == u"crypto" || usage == u"raid"))
        words << QStringLiteral("version %1").arg(version);
    if (!label.isEmpty())
        words << u'"' + label + u'"';
    if (!uuid.isEmpty())
        words << uuid;
    if (sizeBytes)
        words << humanSize(*sizeBytes);
    return words.join(u' ');
}

QJsonObject SignatureInfo::toJson() const
{
    QJsonObject json{{QStringLiteral("type"), type}, {QStringLiteral("usage"), usage}};
    if (!version.isEmpty())
        json.insert(QStringLiteral("version"), version);
    if (!label.isEmpty())
        json.insert(QStringLiteral("label"), label);
    if (!uuid.isEmpty())
        json.insert(QStringLiteral("uuid"), uuid);
    if (sizeBytes)
        json.insert(QStringLiteral("size_bytes"), static_cast<qint64>(*sizeBytes));
    QJsonObject raw;
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        raw.insert(it.key(), it.value());
    json.insert(QStringLiteral("blkid"), raw);
    return json;
}

QString PartitionInfo::summary() const
{
    QString text = QStringLiteral("%1: start %2, %3 sectors (%4), type %5")
                       .arg(number)
                       .arg(startSector)
                       .arg(sizeSectors)
                       .arg(humanSize(sizeSectors * 512), type);
    if (!name.isEmpty())
        text += QStringLiteral(", name \"%1\"").arg(name);
    if (!uuid.isEmpty())
        text += QStringLiteral(", uuid %1").arg(uuid);
    if (contents)
        text += QStringLiteral(": ") + contents->summary();
    else if (!ambivalentTypes.isEmpty())
        text += QStringLiteral(": ambivalent (%1)").arg(ambivalentTypes.join(QStringLiteral(", ")));
    else
        text += QStringLiteral(": no recognised signature");
    return text;
}

QJsonObject PartitionInfo::toJson() const
{
    QJsonObject json{{QStringLiteral("number"), number},
                     {QStringLiteral("start"), static_cast<qint64>(startSector)},
                     {QStringLiteral("size"), static_cast<qint64>(sizeSectors)},
                     {QStringLiteral("type"), type}};
    if (!name.isEmpty())
        json.insert(QStringLiteral("name"), name);
    if (!uuid.isEmpty())
        json.insert(QStringLiteral("uuid"), uuid);
    if (contents)
        json.insert(QStringLiteral("content"), contents->toJson());
    if (!ambivalentTypes.isEmpty())
        json.insert(QStringLiteral("ambivalent"), QJsonArray::fromStringList(ambivalentTypes));
    return json;
}

QString ContentDescription::summary() const
{
    QStringList parts;
    if (signature)
        parts << signature->summary();
    if (table)
        parts << QStringLiteral("%1 partition table %2, %3 partition(s)")
                     .arg(table->type, table->id)
                     .arg(table->partitions.size());
    if (!ambivalentTypes.isEmpty())
        parts << QStringLiteral("ambivalent: several signatures (%1); blkid -p would not choose")
                     .arg(ambivalentTypes.join(QStringLiteral(", ")));
    if (!parts.isEmpty())
        return parts.join(QStringLiteral("; "));
    switch (start) {
    case StartPattern::Zeros:
        return QStringLiteral("no recognised signature (the start is all zeros)");
    case StartPattern::RandomLooking:
        return QStringLiteral(
            "no recognised signature (the start looks random: wrong key, or never written)");
    case StartPattern::Data:
        break;
    }
    return QStringLiteral("no recognised signature (the start holds unrecognised data)");
}

QStringList ContentDescription::partitionLines() const
{
    QStringList lines;
    if (table) {
        for (const PartitionInfo& partition : table->partitions)
            lines << partition.summary();
    }
    return lines;
}

QJsonObject ContentDescription::toJson() const
{
    QJsonObject json{{QStringLiteral("summary"), summary()},
                     {QStringLiteral("recognised"), recognised()},
                     {QStringLiteral("device_bytes"), static_cast<qint64>(deviceBytes)}};
    if (signature)
        json.insert(QStringLiteral("signature"), signature->toJson());
    if (table) {
        QJsonArray partitions;
        for (const PartitionInfo& partition : table->partitions)
            partitions.append(partition.toJson());
        json.insert(QStringLiteral("partition_table"),
                    QJsonObject{{QStringLiteral("type"), table->type},
                                {QStringLiteral("id"), table->id},
                                {QStringLiteral("partitions"), partitions}});
    }
    if (!ambivalentTypes.isEmpty())
        json.insert(QStringLiteral("ambivalent"), QJsonArray::fromStringList(ambivalentTypes));
    if (!recognised()) {
        const char* pattern = start == StartPattern::Zeros           ? "zeros"
                              : start == StartPattern::RandomLooking ? "random"
                                                                     : "data";
        json.insert(QStringLiteral("start"), QLatin1String(pattern));
    }
    return json;
}

} // namespace cryptstack
