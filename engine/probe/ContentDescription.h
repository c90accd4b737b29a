// What a device holds, as libblkid recognised it (ContentProbe fills these): a filesystem, swap, a
// LUKS header, RAID member or other signature; a partition table with the contents of each
// partition; or nothing recognised, with a hint about the bytes at the start. Plain values, so a
// result can cross threads (the GUI probes off its own thread).
#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace cryptstack {

// One superblock signature: blkid's TYPE, VERSION, LABEL, UUID, USAGE and FSSIZE.
struct SignatureInfo
{
    QString type;    // ext4, vfat, swap, crypto_LUKS …
    QString version; // "1.0", "FAT16", "2" (the LUKS version) …
    QString label;
    QString uuid;
    QString usage;                     // filesystem, crypto, raid or other
    std::optional<uint64_t> sizeBytes; // FSSIZE, only where libblkid reports it (util-linux >= 2.39)
    QMap<QString, QString> values;     // every NAME=value blkid returned, as `blkid -p -o export`

    // `ext4 "backup" 1b4e28ba-… 64 MiB`; LUKS and RAID name their version.
    QString summary() const;
    QJsonObject toJson() const;
};

struct PartitionInfo
{
    int number = 0;
    uint64_t startSector = 0; // 512-byte sectors from the start of the device
    uint64_t sizeSectors = 0;
    QString type; // GPT type GUID, or the dos type as hex ("0x83")
    QString name; // GPT partition name
    QString uuid; // GPT partition UUID
    std::optional<SignatureInfo> contents;
    QStringList ambivalentTypes; // more than one signature inside: blkid -p refuses to choose

    // `1: start 2048, 32768 sectors, type 0x83: ext4 "root" …`
    QString summary() const;
    QJsonObject toJson() const;
};

struct PartitionTableInfo
{
    QString type; // dos or gpt
    QString id;   // PTUUID: the disk identifier
    QList<PartitionInfo> partitions;
};

// What the bytes at the start look like when nothing is recognised: random-looking data is what an
// encrypted volume opened with the wrong key (or a wiped one) shows.
enum class StartPattern { Zeros, RandomLooking, Data };

struct ContentDescription
{
    uint64_t deviceBytes = 0;
    std::optional<SignatureInfo> signature;
    std::optional<PartitionTableInfo> table;
    QStringList ambivalentTypes; // blkid found several signatures and would not choose
    StartPattern start = StartPattern::Data;

    bool recognised() const { return signature || table || !ambivalentTypes.isEmpty(); }
    // One line for a person: the signature, the partition table, or why nothing was found.
    QString summary() const;
    // One line per partition, for an indented listing under the summary.
    QStringList partitionLines() const;
    QJsonObject toJson() const;
};

// "64 MiB", "1.5 GiB", "512 B": sizes as people read them.
QString humanSize(uint64_t bytes);

} // namespace cryptstack
