#include "ContentProbe.h"

#include <blkid/blkid.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

namespace cryptstack {

namespace {

constexpr uint64_t CopyChunk = 1 << 20;

// The sparse in-memory copy of a device that libblkid reads. Holds the memfd and remembers which
// ranges were copied, so overlapping windows are read from the device once.
class ProbeImage
{
public:
    ~ProbeImage()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    Status create(BlockDevice& device)
    {
        m_device = &device;
        m_fd = ::memfd_create("cryptstack-probe", MFD_CLOEXEC);
        if (m_fd < 0)
            return Status(ErrorCode::NoMemory, QStringLiteral("probe: memfd_create failed: %1")
                                                   .arg(QString::fromLocal8Bit(strerror(errno))));
        if (::ftruncate(m_fd, static_cast<off_t>(device.sizeBytes())) != 0)
            return Status(ErrorCode::NoMemory, QStringLiteral("probe: cannot size the probe file: %1")
                                                   .arg(QString::fromLocal8Bit(strerror(errno))));
        return Status::ok();
    }

    // Copies [offset, offset + bytes) clamped to the device, skipping what is already there.
    Status copy(uint64_t offset, uint64_t bytes)
    {
        const uint64_t size = m_device->sizeBytes();
        const uint64_t end = std::min(size, offset + bytes);
        std::vector<std::byte> buffer;
        for (uint64_t at = offset; at < end;) {
            const uint64_t n = std::min(CopyChunk, end - at);
            if (isCopied(at, n)) {
                at += n;
                continue;
            }
            buffer.resize(n);
            if (Status status = m_device->readBytes(at, buffer.data(), n); !status)
                return status.prefixed(QStringLiteral("probe: "));
            for (uint64_t done = 0; done < n;) {
                const ssize_t written =
                    ::pwrite(m_fd, buffer.data() + done, n - done, static_cast<off_t>(at + done));
                if (written < 0 && errno == EINTR)
                    continue;
                if (written <= 0)
                    return Status(ErrorCode::NoMemory, QStringLiteral("probe: cannot fill the probe file: %1")
                                                           .arg(QString::fromLocal8Bit(strerror(errno))));
                done += static_cast<uint64_t>(written);
            }
            m_copied.push_back({at, at + n});
            at += n;
        }
        return Status::ok();
    }

    // The first bytes of the device, already copied.
    std::vector<uint8_t> head(uint64_t bytes) const
    {
        std::vector<uint8_t> data(std::min(bytes, m_device->sizeBytes()));
        const ssize_t got = ::pread(m_fd, data.data(), data.size(), 0);
        data.resize(got > 0 ? static_cast<size_t>(got) : 0);
        return data;
    }

    int fd() const { return m_fd; }

private:
    bool isCopied(uint64_t at, uint64_t n) const
    {
        return std::any_of(m_copied.begin(), m_copied.end(),
                           [&](const auto& range) { return range.first <= at && at + n <= range.second; });
    }

    BlockDevice* m_device = nullptr;
    int m_fd = -1;
    std::vector<std::pair<uint64_t, uint64_t>> m_copied;
};

struct ProbeDeleter
{
    void operator()(blkid_probe probe) const { blkid_free_probe(probe); }
};
using ProbeHandle = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

constexpr int SuperblockFlags = BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE |
                                BLKID_SUBLKS_SECTYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_VERSION
#ifdef BLKID_SUBLKS_FSINFO // util-linux 2.39: FSSIZE, FSLASTBLOCK …
                                | BLKID_SUBLKS_FSINFO
#endif
    ;

enum class Chains { SuperblocksOnly, SuperblocksAndPartitions, PartitionsOnly };

Result<ProbeHandle> newProbe(const ProbeImage& image, uint64_t offset, uint64_t size, uint32_t sectorSize,
                             Chains chains)
{
    ProbeHandle probe(blkid_new_probe());
    if (!probe)
        return Status(ErrorCode::NoMemory, QStringLiteral("probe: libblkid could not allocate a probe"));
    if (blkid_probe_set_device(probe.get(), image.fd(), static_cast<blkid_loff_t>(offset),
                               static_cast<blkid_loff_t>(size)) != 0)
        return Status(ErrorCode::IOError, QStringLiteral("probe: libblkid refused the probe file"));
    blkid_probe_set_sectorsize(probe.get(), sectorSize);
    const bool superblocks = chains != Chains::PartitionsOnly;
    const bool partitions = chains != Chains::SuperblocksOnly;
    blkid_probe_enable_superblocks(probe.get(), superblocks);
    if (superblocks)
        blkid_probe_set_superblocks_flags(probe.get(), SuperblockFlags);
    blkid_probe_enable_partitions(probe.get(), partitions);
    if (partitions)
        blkid_probe_set_partitions_flags(probe.get(), BLKID_PARTS_ENTRY_DETAILS);
    return probe;
}

QMap<QString, QString> probeValues(blkid_probe probe)
{
    QMap<QString, QString> values;
    const int count = blkid_probe_numof_values(probe);
    for (int i = 0; i < count; ++i) {
        const char* name = nullptr;
        const char* data = nullptr;
        size_t length = 0;
        if (blkid_probe_get_value(probe, i, &name, &data, &length) == 0 && name && data)
            values.insert(QString::fromUtf8(name), QString::fromUtf8(data)); // length counts the NUL
    }
    return values;
}

std::optional<SignatureInfo> signatureFrom(const QMap<QString, QString>& values)
{
    if (!values.contains(QStringLiteral("TYPE")))
        return std::nullopt;
    SignatureInfo signature;
    signature.type = values.value(QStringLiteral("TYPE"));
    signature.version = values.value(QStringLiteral("VERSION"));
    signature.label = values.value(QStringLiteral("LABEL"));
    signature.uuid = values.value(QStringLiteral("UUID"));
    signature.usage = values.value(QStringLiteral("USAGE"));
    bool ok = false;
    const uint64_t size = values.value(QStringLiteral("FSSIZE")).toULongLong(&ok);
    if (ok)
        signature.sizeBytes = size;
    signature.values = values;
    return signature;
}

// After an ambivalent safeprobe: every candidate, found one at a time as wipefs does.
QStringList ambivalentCandidates(const ProbeImage& image, uint64_t offset, uint64_t size, uint32_t sectorSize)
{
    QStringList types;
    auto probe = newProbe(image, offset, size, sectorSize, Chains::SuperblocksOnly);
    if (!probe)
        return types;
    while (blkid_do_probe(probe->get()) == 0) {
        const char* type = nullptr;
        if (blkid_probe_lookup_value(probe->get(), "TYPE", &type, nullptr) == 0 && type &&
            !types.contains(QString::fromUtf8(type)))
            types << QString::fromUtf8(type);
    }
    return types;
}

struct RegionResult
{
    std::optional<SignatureInfo> signature;
    QMap<QString, QString> values;
    QStringList ambivalent;
};

Result<RegionResult> probeRegion(const ProbeImage& image, uint64_t offset, uint64_t size, uint32_t sectorSize,
                                 Chains chains)
{
    auto probe = newProbe(image, offset, size, sectorSize, chains);
    if (!probe)
        return probe.status();
    RegionResult result;
    const int rc = blkid_do_safeprobe(probe->get());
    if (rc == -1)
        return Status(
            ErrorCode::IOError,
            QStringLiteral("probe: libblkid failed at byte offset %1 (%2 bytes)").arg(offset).arg(size));
    if (rc == -2) {
        result.ambivalent = ambivalentCandidates(image, offset, size, sectorSize);
        if (result.ambivalent.isEmpty())
            result.ambivalent << QStringLiteral("unknown");
        return result;
    }
    if (rc == 0) {
        result.values = probeValues(probe->get());
        result.signature = signatureFrom(result.values);
    }
    return result;
}

Result<PartitionTableInfo> readPartitionTable(const ProbeImage& image, uint64_t size, uint32_t sectorSize)
{
    auto probe = newProbe(image, 0, size, sectorSize, Chains::PartitionsOnly);
    if (!probe)
        return probe.status();
    blkid_partlist list = blkid_probe_get_partitions(probe->get());
    if (!list)
        return Status(ErrorCode::Corruption,
                      QStringLiteral("probe: libblkid saw a partition table but could not "
                                     "list its partitions"));
    PartitionTableInfo table;
    if (blkid_parttable root = blkid_partlist_get_table(list)) {
        table.type = QString::fromUtf8(blkid_parttable_get_type(root));
        table.id = QString::fromUtf8(blkid_parttable_get_id(root));
    }
    const int count = blkid_partlist_numof_partitions(list);
    for (int i = 0; i < count; ++i) {
        blkid_partition entry = blkid_partlist_get_partition(list, i);
        if (!entry)
            continue;
        PartitionInfo partition;
        partition.number = blkid_partition_get_partno(entry);
        partition.startSector = static_cast<uint64_t>(blkid_partition_get_start(entry));
        partition.sizeSectors = static_cast<uint64_t>(blkid_partition_get_size(entry));
        if (const char* type = blkid_partition_get_type_string(entry))
            partition.type = QString::fromUtf8(type);
        else
            partition.type = QStringLiteral("0x%1").arg(blkid_partition_get_type(entry), 0, 16);
        partition.name = QString::fromUtf8(blkid_partition_get_name(entry));
        partition.uuid = QString::fromUtf8(blkid_partition_get_uuid(entry));
        table.partitions << partition;
    }
    return table;
}

StartPattern classifyStart(const std::vector<uint8_t>& bytes)
{
    if (std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }))
        return StartPattern::Zeros;
    // Shannon entropy in bits per byte: ciphertext and random fill are close to 8; text, code and
    // metadata well below. Small samples cannot reach 8, so their bar is lower.
    std::array<uint64_t, 256> counts{};
    for (uint8_t b : bytes)
        ++counts[b];
    double entropy = 0;
    const double total = static_cast<double>(bytes.size());
    for (uint64_t count : counts) {
        if (count == 0)
            continue;
        const double p = static_cast<double>(count) / total;
        entropy -= p * std::log2(p);
    }
    const double bar = bytes.size() >= 65536 ? 7.9 : 7.0;
    return entropy > bar ? StartPattern::RandomLooking : StartPattern::Data;
}

} // namespace

Result<ContentDescription> ContentProbe::probe(BlockDevice& device)
{
    ContentDescription description;
    const uint64_t size = device.sizeBytes();
    description.deviceBytes = size;
    if (size == 0) {
        description.start = StartPattern::Zeros;
        return description;
    }
    ProbeImage image;
    if (Status status = image.create(device); !status)
        return status;
    if (Status status = image.copy(0, HeadWindow); !status)
        return status;
    if (Status status = image.copy(size > TailWindow ? size - TailWindow : 0, TailWindow); !status)
        return status;
    description.start = classifyStart(image.head(StartSample));

    const uint32_t sectorSize = device.logicalBlockSize();
    auto whole = probeRegion(image, 0, size, sectorSize, Chains::SuperblocksAndPartitions);
    if (!whole)
        return whole.status();
    description.signature = whole->signature;
    description.ambivalentTypes = whole->ambivalent;
    if (!whole->values.contains(QStringLiteral("PTTYPE")))
        return description;

    auto table = readPartitionTable(image, size, sectorSize);
    if (!table)
        return table.status();
    for (PartitionInfo& partition : table->partitions) {
        const uint64_t offset = partition.startSector * 512;
        const uint64_t bytes = partition.sizeSectors * 512;
        // A table may describe partitions past the end of a truncated device; probe what exists.
        if (offset >= size || bytes == 0)
            continue;
        const uint64_t available = std::min(bytes, size - offset);
        if (Status status = image.copy(offset, std::min(HeadWindow, available)); !status)
            return status;
        auto inside = probeRegion(image, offset, available, sectorSize, Chains::SuperblocksOnly);
        if (!inside)
            return inside.status();
        partition.contents = inside->signature;
        partition.ambivalentTypes = inside->ambivalent;
    }
    description.table = *table;
    return description;
}

} // namespace cryptstack
