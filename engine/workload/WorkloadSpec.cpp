// Parsing and checking of workload parameters.
#include "WorkloadSpec.h"

#include "block/BlockDevice.h"
#include "core/Parse.h"

#include <limits>

namespace cryptstack {

namespace {

Status invalid(const QString& message)
{
    return Status(ErrorCode::InvalidArgument, message);
}

Status expected(const QString& option, const QString& what, const QString& value)
{
    return invalid(QStringLiteral("%1: expected %2, not \"%3\"").arg(option, what, value));
}

std::optional<uint64_t> wholeNumber(const QString& value, uint64_t min, uint64_t max)
{
    const auto number = parseU64(value);
    if (!number || *number < min || *number > max)
        return std::nullopt;
    return number;
}

// 500ms, 5s, 2m, 1h, 250us; a bare number is seconds, as in fio.
std::optional<std::chrono::nanoseconds> parseDuration(const QString& word)
{
    struct Unit
    {
        const char16_t* suffix;
        uint64_t nanoseconds;
    };
    static const Unit units[] = {{u"us", 1000ull},
                                 {u"ms", 1000000ull},
                                 {u"s", 1000000000ull},
                                 {u"m", 60000000000ull},
                                 {u"h", 3600000000000ull}};
    QString number = word;
    uint64_t scale = 1000000000ull;
    for (const Unit& unit : units) {
        const QString suffix = QString::fromUtf16(unit.suffix);
        if (word.endsWith(suffix)) {
            number = word.chopped(suffix.size());
            scale = unit.nanoseconds;
            break;
        }
    }
    // A week is far beyond any benchmark and keeps the nanosecond count far from overflow.
    constexpr uint64_t limit = 7ull * 24 * 3600000000000ull;
    const auto value = parseU64(number);
    if (!value || *value == 0 || *value > limit / scale)
        return std::nullopt;
    return std::chrono::nanoseconds(static_cast<int64_t>(*value * scale));
}

// Options are spelled with dashes or fio's underscores; errors quote them as the user wrote them.
QString canonical(const QString& key)
{
    QString name = key;
    name.replace(u'_', u'-');
    if (name == u"--readwrite")
        return QStringLiteral("--rw");
    if (name == u"--blocksize")
        return QStringLiteral("--bs");
    if (name == u"--io-limit")
        return QStringLiteral("--io-size");
    return name;
}

} // namespace

Result<WorkloadSpec> WorkloadSpec::parse(const QStringList& words)
{
    static const QStringList valued = {
        QStringLiteral("--rw"),        QStringLiteral("--bs"),        QStringLiteral("--iodepth"),
        QStringLiteral("--numjobs"),   QStringLiteral("--rate-iops"), QStringLiteral("--size"),
        QStringLiteral("--io-size"),   QStringLiteral("--runtime"),   QStringLiteral("--offset"),
        QStringLiteral("--rwmixread"),
    };
    WorkloadSpec spec;
    std::optional<QString> mixOption; // as spelled, for the cross-check below
    for (qsizetype i = 0; i < words.size(); ++i) {
        const QString& word = words.at(i);
        if (!word.startsWith(QStringLiteral("--")))
            return invalid(QStringLiteral("unexpected argument \"%1\"").arg(word));
        const qsizetype equals = word.indexOf(u'=');
        const QString key = equals < 0 ? word : word.left(equals);
        const std::optional<QString> inlineValue =
            equals < 0 ? std::nullopt : std::optional<QString>(word.mid(equals + 1));
        const QString name = canonical(key);
        if (name == u"--verify") {
            if (inlineValue)
                return expected(key, QStringLiteral("no value"), *inlineValue);
            spec.verify = true;
            continue;
        }
        if (!valued.contains(name))
            return invalid(QStringLiteral("unknown option \"%1\"").arg(key));
        if (!inlineValue && i + 1 >= words.size())
            return invalid(QStringLiteral("%1: missing value").arg(key));
        const QString value = inlineValue ? *inlineValue : words.at(++i);

        if (name == u"--rw") {
            struct Mode
            {
                const char16_t* name;
                WorkloadPattern pattern;
                WorkloadOp op;
            };
            static const Mode modes[] = {
                {u"read", WorkloadPattern::Sequential, WorkloadOp::Read},
                {u"write", WorkloadPattern::Sequential, WorkloadOp::Write},
                {u"rw", WorkloadPattern::Sequential, WorkloadOp::Mixed},
                {u"randread", WorkloadPattern::Random, WorkloadOp::Read},
                {u"randwrite", WorkloadPattern::Random, WorkloadOp::Write},
                {u"randrw", WorkloadPattern::Random, WorkloadOp::Mixed},
            };
            const Mode* found = nullptr;
            for (const Mode& mode : modes) {
                if (value == QString::fromUtf16(mode.name))
                    found = &mode;
            }
            if (!found)
                return expected(key, QStringLiteral("read, write, randread, randwrite, rw or randrw"), value);
            spec.pattern = found->pattern;
            spec.op = found->op;
        } else if (name == u"--bs") {
            const auto bytes = parseByteCount(value);
            if (!bytes)
                return expected(key, QStringLiteral("a byte count (4096, 4k, 1M)"), value);
            if (*bytes == 0 || *bytes % SectorSize || *bytes > MaxBlockSize)
                return expected(key, QStringLiteral("a multiple of 512 bytes up to 16M"), value);
            spec.blockSize = static_cast<uint32_t>(*bytes);
        } else if (name == u"--iodepth" || name == u"--numjobs") {
            const bool depth = name == u"--iodepth";
            const uint32_t max = depth ? MaxQueueDepth : MaxThreads;
            const auto number = wholeNumber(value, 1, max);
            if (!number)
                return expected(key, QStringLiteral("a whole number from 1 to %1").arg(max), value);
            (depth ? spec.queueDepth : spec.threads) = static_cast<uint32_t>(*number);
        } else if (name == u"--rate-iops") {
            const auto number = wholeNumber(value, 1, std::numeric_limits<uint32_t>::max());
            if (!number)
                return expected(key, QStringLiteral("a positive whole number"), value);
            spec.rateIops = *number;
        } else if (name == u"--rwmixread") {
            const auto number = wholeNumber(value, 0, 100);
            if (!number)
                return expected(key, QStringLiteral("a percentage from 0 to 100"), value);
            spec.readPercent = static_cast<uint32_t>(*number);
            mixOption = key;
        } else if (name == u"--size" || name == u"--io-size") {
            const auto bytes = parseByteCount(value);
            if (!bytes || *bytes == 0)
                return expected(key, QStringLiteral("a positive byte count (64M, 1G)"), value);
            (name == u"--size" ? spec.size : spec.totalBytes) = *bytes;
        } else if (name == u"--offset") {
            const auto bytes = parseByteCount(value);
            if (!bytes)
                return expected(key, QStringLiteral("a byte count (0, 4096, 1M)"), value);
            spec.offset = *bytes;
        } else if (name == u"--runtime") {
            const auto duration = parseDuration(value);
            if (!duration)
                return expected(key, QStringLiteral("a duration (500ms, 5s, 2m, 1h)"), value);
            spec.runtime = *duration;
        }
    }
    if (mixOption && spec.op != WorkloadOp::Mixed)
        return invalid(QStringLiteral("%1: applies only to --rw rw or randrw").arg(*mixOption));
    if (Status status = spec.validate(); !status)
        return status;
    return spec;
}

Status WorkloadSpec::validate() const
{
    if (blockSize == 0 || blockSize % SectorSize || blockSize > MaxBlockSize)
        return expected(QStringLiteral("--bs"), QStringLiteral("a multiple of 512 bytes up to 16M"),
                        QString::number(blockSize));
    if (queueDepth < 1 || queueDepth > MaxQueueDepth)
        return expected(QStringLiteral("--iodepth"),
                        QStringLiteral("a whole number from 1 to %1").arg(MaxQueueDepth),
                        QString::number(queueDepth));
    if (threads < 1 || threads > MaxThreads)
        return expected(QStringLiteral("--numjobs"),
                        QStringLiteral("a whole number from 1 to %1").arg(MaxThreads),
                        QString::number(threads));
    if (uint64_t{queueDepth} * blockSize * threads > MaxBufferBytes)
        return invalid(
            QStringLiteral("--iodepth %1 * --bs %2 * --numjobs %3 needs more than %4 bytes of buffers")
                .arg(queueDepth)
                .arg(blockSize)
                .arg(threads)
                .arg(MaxBufferBytes));
    if (readPercent > 100)
        return expected(QStringLiteral("--rwmixread"), QStringLiteral("a percentage from 0 to 100"),
                        QString::number(readPercent));
    if (totalBytes && (*totalBytes == 0 || *totalBytes % blockSize))
        return expected(QStringLiteral("--io-size"),
                        QStringLiteral("a positive multiple of --bs %1").arg(blockSize),
                        QString::number(*totalBytes));
    if (size && *size == 0)
        return expected(QStringLiteral("--size"), QStringLiteral("a positive byte count (64M, 1G)"),
                        QString::number(*size));
    if (runtime && runtime->count() <= 0)
        return expected(QStringLiteral("--runtime"), QStringLiteral("a duration (500ms, 5s, 2m, 1h)"),
                        QStringLiteral("%1ns").arg(runtime->count()));
    return Status::ok();
}

Result<WorkloadSpec> WorkloadSpec::resolvedFor(const BlockDevice& device) const
{
    if (Status status = validate(); !status)
        return status;
    const QString name = device.displayName();
    const uint64_t deviceBytes = device.sizeBytes();
    const uint32_t logical = device.logicalBlockSize();
    if (blockSize % logical)
        return invalid(
            QStringLiteral("--bs: %1 is not a multiple of the logical block size of \"%2\" (%3 bytes)")
                .arg(blockSize)
                .arg(name)
                .arg(logical));
    if (offset % logical)
        return invalid(
            QStringLiteral("--offset: %1 is not a multiple of the logical block size of \"%2\" (%3 bytes)")
                .arg(offset)
                .arg(name)
                .arg(logical));
    if (offset >= deviceBytes)
        return invalid(QStringLiteral("--offset: %1 is at or past the end of \"%2\" (%3 bytes)")
                           .arg(offset)
                           .arg(name)
                           .arg(deviceBytes));
    if (size && *size > deviceBytes - offset)
        return invalid(QStringLiteral("--size: %1 at offset %2 reaches past the end of \"%3\" (%4 bytes)")
                           .arg(*size)
                           .arg(offset)
                           .arg(name)
                           .arg(deviceBytes));
    if (writes() && device.isReadOnly())
        return invalid(
            QStringLiteral("--rw: %1 needs a writable device; \"%2\" is read-only").arg(rwName(), name));
    WorkloadSpec resolved = *this;
    resolved.size = size.value_or(deviceBytes - offset);
    // Each thread works on its own slice of whole blocks.
    const uint64_t blocks = *resolved.size / blockSize;
    if (blocks < threads)
        return invalid(
            QStringLiteral("--numjobs: %1 threads need at least %1 blocks of %2 bytes; the region of %3 "
                           "bytes holds %4")
                .arg(threads)
                .arg(blockSize)
                .arg(*resolved.size)
                .arg(blocks));
    if (verify && blocks > MaxVerifyBlocks)
        return invalid(
            QStringLiteral("--verify: the region holds %1 blocks, more than %2 can be tracked; use a "
                           "larger --bs or a smaller --size")
                .arg(blocks)
                .arg(MaxVerifyBlocks));
    if (!totalBytes && !runtime)
        resolved.totalBytes = blocks * blockSize;
    return resolved;
}

QString WorkloadSpec::rwName() const
{
    const bool random = pattern == WorkloadPattern::Random;
    switch (op) {
    case WorkloadOp::Read:
        return random ? QStringLiteral("randread") : QStringLiteral("read");
    case WorkloadOp::Write:
        return random ? QStringLiteral("randwrite") : QStringLiteral("write");
    case WorkloadOp::Mixed:
        break;
    }
    return random ? QStringLiteral("randrw") : QStringLiteral("rw");
}

QString WorkloadSpec::summary() const
{
    QString text = QStringLiteral("rw=%1").arg(rwName());
    if (op == WorkloadOp::Mixed)
        text += QStringLiteral(" rwmixread=%1").arg(readPercent);
    text += QStringLiteral(" bs=%1 iodepth=%2 numjobs=%3 offset=%4")
                .arg(blockSize)
                .arg(queueDepth)
                .arg(threads)
                .arg(offset);
    if (size)
        text += QStringLiteral(" size=%1").arg(*size);
    if (totalBytes)
        text += QStringLiteral(" io_size=%1").arg(*totalBytes);
    if (runtime)
        text += QStringLiteral(" runtime=%1ms")
                    .arg(std::chrono::duration_cast<std::chrono::milliseconds>(*runtime).count());
    if (rateIops)
        text += QStringLiteral(" rate_iops=%1").arg(rateIops);
    if (verify)
        text += QStringLiteral(" verify");
    return text;
}

} // namespace cryptstack
