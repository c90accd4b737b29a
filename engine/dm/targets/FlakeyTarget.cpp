#include "FlakeyTarget.h"

#include "core/Parse.h"
#include "dm/TableLine.h"
#include "dm/TargetArgs.h"

#include <cstring>
#include <memory>

namespace cryptstack {

namespace {

constexpr uint32_t ProbabilityBase = 1000000000;
// Bio::targetState of a read mapped while the device was down.
constexpr uint64_t ReadWhileDown = 1;

} // namespace

// A corrupted write goes down from a private copy, never from the caller's buffer.
struct FlakeyTarget::WriteBounce
{
    std::byte* original;
    std::unique_ptr<std::byte[]> copy;
};

Status FlakeyTarget::parseFeatures(TargetArgs& args, Features* f)
{
    static const TargetArgs::Range countRange{0, 11, "Invalid number of feature args"};
    static const TargetArgs::Range byteRange{1, UINT32_MAX, "Invalid corrupt bio byte"};
    static const TargetArgs::Range valueRange{0, 255, "Invalid corrupt value to write into bio byte (0-255)"};
    static const TargetArgs::Range flagsRange{0, UINT32_MAX, "Invalid corrupt bio flags mask"};
    static const TargetArgs::Range randomRange{0, ProbabilityBase, "Invalid random corrupt argument"};
    auto fail = [](const QString& text) {
        return Status(ErrorCode::InvalidArgument, text);
    };

    if (args.remaining() == 0)
        return Status::ok();
    QString error;
    auto count = args.readGroup(countRange, &error);
    if (!count)
        return fail(error);
    uint32_t left = *count;
    while (left > 0) {
        const std::optional<QString> name = args.shift();
        --left;
        if (!name)
            return fail(QStringLiteral("Insufficient feature arguments"));
        const QString word = name->toLower();
        if (word == u"error_reads") {
            if (f->errorReads)
                return fail(QStringLiteral("Feature error_reads duplicated"));
            f->errorReads = true;
        } else if (word == u"drop_writes") {
            if (f->dropWrites)
                return fail(QStringLiteral("Feature drop_writes duplicated"));
            if (f->errorWrites)
                return fail(QStringLiteral("Feature drop_writes conflicts with feature error_writes"));
            f->dropWrites = true;
        } else if (word == u"error_writes") {
            if (f->errorWrites)
                return fail(QStringLiteral("Feature error_writes duplicated"));
            if (f->dropWrites)
                return fail(QStringLiteral("Feature error_writes conflicts with feature drop_writes"));
            f->errorWrites = true;
        } else if (word == u"corrupt_bio_byte") {
            if (f->corruptByte)
                return fail(QStringLiteral("Feature corrupt_bio_byte duplicated"));
            // All four parameters must lie inside the feature group, or the count below wraps.
            if (left < 4)
                return fail(QStringLiteral("Feature corrupt_bio_byte requires 4 parameters"));
            auto byte = args.read(byteRange, &error);
            if (!byte)
                return fail(error);
            f->corruptByte = *byte;
            --left;
            const std::optional<QString> direction = args.shift();
            if (direction && direction->compare(u"w", Qt::CaseInsensitive) == 0)
                f->corruptDirection = Direction::Write;
            else if (direction && direction->compare(u"r", Qt::CaseInsensitive) == 0)
                f->corruptDirection = Direction::Read;
            else
                return fail(QStringLiteral("Invalid corrupt bio direction (r or w)"));
            --left;
            auto value = args.read(valueRange, &error);
            if (!value)
                return fail(error);
            f->corruptValue = *value;
            --left;
            auto flags = args.read(flagsRange, &error);
            if (!flags)
                return fail(error);
            f->corruptFlags = *flags;
            --left;
        } else if (word == u"random_read_corrupt" || word == u"random_write_corrupt") {
            uint32_t& probability =
                word == u"random_read_corrupt" ? f->randomReadCorrupt : f->randomWriteCorrupt;
            if (probability)
                return fail(QStringLiteral("Feature %1 duplicated").arg(word));
            if (left == 0)
                return fail(QStringLiteral("Feature %1 requires a parameter").arg(word));
            auto value = args.read(randomRange, &error);
            if (!value)
                return fail(error);
            probability = *value;
            --left;
        } else {
            return fail(QStringLiteral("Unrecognised flakey feature requested"));
        }
    }
    const bool corruptsWrites =
        (f->corruptByte && f->corruptDirection == Direction::Write) || f->randomWriteCorrupt;
    if (f->dropWrites && corruptsWrites)
        return fail(
            QStringLiteral("drop_writes is incompatible with random_write_corrupt or corrupt_bio_byte with "
                           "the WRITE flag set"));
    if (f->errorWrites && corruptsWrites)
        return fail(
            QStringLiteral("error_writes is incompatible with random_write_corrupt or corrupt_bio_byte with "
                           "the WRITE flag set"));
    const bool corruptsReads =
        (f->corruptByte && f->corruptDirection == Direction::Read) || f->randomReadCorrupt;
    if (f->errorReads && corruptsReads)
        return fail(QStringLiteral(
            "error_reads is incompatible with random_read_corrupt or corrupt_bio_byte with the READ "
            "flag set"));
    return Status::ok();
}

Result<std::unique_ptr<Target>> FlakeyTarget::create(const TargetContext& context, const QStringList& words)
{
    auto fail = [](const char* text) {
        return Status(ErrorCode::InvalidArgument, QLatin1String(text));
    };
    if (words.size() < 4)
        return fail("Invalid argument count");
    std::unique_ptr<FlakeyTarget> target(new FlakeyTarget);
    TargetArgs args(words);
    const QString deviceWord = *args.shift();
    const auto start = parseU64(*args.shift());
    if (!start)
        return fail("Invalid device sector");
    QString error;
    const auto up = args.read({0, UINT32_MAX, "Invalid up interval"}, &error);
    if (!up)
        return Status(ErrorCode::InvalidArgument, error);
    const auto down = args.read({0, UINT32_MAX, "Invalid down interval"}, &error);
    if (!down)
        return Status(ErrorCode::InvalidArgument, error);
    if (*up + *down == 0)
        return fail("Total (up + down) interval is zero");
    if (static_cast<uint32_t>(*up + *down) < *up)
        return fail("Interval overflow");
    Features& f = target->m_features;
    if (Status status = parseFeatures(args, &f); !status)
        return status;
    if (!f.corruptByte && !f.errorReads && !f.dropWrites && !f.errorWrites && !f.randomReadCorrupt &&
        !f.randomWriteCorrupt) {
        f.errorReads = true;
        f.errorWrites = true;
    }
    auto device = context.lookupDevice(deviceWord);
    if (!device)
        return device.status();
    target->m_device = device.value();
    target->m_start = *start;
    target->m_length = context.length;
    target->m_upSeconds = *up;
    target->m_downSeconds = *down;
    target->m_now = context.now;
    target->m_startTime = context.now();
    return std::unique_ptr<Target>(std::move(target));
}

bool FlakeyTarget::isDown() const
{
    const auto elapsed = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(m_now() - m_startTime).count());
    return elapsed % (uint64_t{m_upSeconds} + m_downSeconds) >= m_upSeconds;
}

bool FlakeyTarget::flagsMatch(const Bio* bio) const
{
    return (bio->flags & m_features.corruptFlags) == m_features.corruptFlags;
}

bool FlakeyTarget::chance(uint32_t probability)
{
    std::lock_guard lock(m_randomMutex);
    return m_random() % ProbabilityBase < probability;
}

void FlakeyTarget::corruptRandomByte(std::byte* data, uint64_t size)
{
    std::lock_guard lock(m_randomMutex);
    const uint64_t where = m_random() % size;
    data[where] = static_cast<std::byte>(m_random() & 0xff);
}

void FlakeyTarget::map(Bio* bio)
{
    bio->targetState = 0;
    if (isDown()) {
        if (bio->op == BioOp::Read) {
            if (m_features.errorReads) {
                bio->complete(BioStatus::IoError, bio->sector);
                return;
            }
            bio->targetState = ReadWhileDown; // endIo decides about corrupting it
        } else if (m_features.dropWrites) {
            bio->complete(BioStatus::Ok);
            return;
        } else if (m_features.errorWrites) {
            bio->complete(BioStatus::IoError, bio->sector);
            return;
        } else if (bio->op == BioOp::Write) {
            const bool fixed = m_features.corruptByte && m_features.corruptDirection == Direction::Write &&
                               flagsMatch(bio) && m_features.corruptByte <= bio->size;
            const bool random =
                m_features.randomWriteCorrupt && bio->size && chance(m_features.randomWriteCorrupt);
            if (fixed || random) {
                auto* bounce = new WriteBounce{bio->data, std::make_unique<std::byte[]>(bio->size)};
                std::memcpy(bounce->copy.get(), bio->data, bio->size);
                if (fixed)
                    bounce->copy[m_features.corruptByte - 1] =
                        static_cast<std::byte>(m_features.corruptValue);
                if (random)
                    corruptRandomByte(bounce->copy.get(), bio->size);
                bio->data = bounce->copy.get();
                bio->targetState = reinterpret_cast<uintptr_t>(bounce);
            }
        }
    }
    bio->sector += m_start;
    m_device.device->submit(bio);
}

void FlakeyTarget::endIo(Bio* bio)
{
    if (bio->op == BioOp::Write && bio->targetState) {
        std::unique_ptr<WriteBounce> bounce(reinterpret_cast<WriteBounce*>(bio->targetState));
        bio->data = bounce->original;
        bio->targetState = 0;
        return;
    }
    if (bio->op != BioOp::Read || bio->targetState != ReadWhileDown || bio->status != BioStatus::Ok)
        return;
    if (m_features.corruptByte && m_features.corruptDirection == Direction::Read && flagsMatch(bio) &&
        m_features.corruptByte <= bio->size)
        bio->data[m_features.corruptByte - 1] = static_cast<std::byte>(m_features.corruptValue);
    if (m_features.randomReadCorrupt && bio->size && chance(m_features.randomReadCorrupt))
        corruptRandomByte(bio->data, bio->size);
}

QString FlakeyTarget::status(StatusType type, bool) const
{
    if (type == StatusType::Info)
        return {};
    const Features& f = m_features;
    const unsigned count = f.errorReads + f.dropWrites + f.errorWrites + (f.corruptByte ? 5 : 0) +
                           (f.randomReadCorrupt ? 2 : 0) + (f.randomWriteCorrupt ? 2 : 0);
    QString text = escapeTableWord(m_device.word) +
                   QStringLiteral(" %1 %2 %3 %4").arg(m_start).arg(m_upSeconds).arg(m_downSeconds).arg(count);
    if (f.errorReads)
        text += QStringLiteral(" error_reads");
    if (f.dropWrites)
        text += QStringLiteral(" drop_writes");
    else if (f.errorWrites)
        text += QStringLiteral(" error_writes");
    if (f.corruptByte) {
        text += QStringLiteral(" corrupt_bio_byte %1 %2 %3 %4")
                    .arg(f.corruptByte)
                    .arg(QChar(f.corruptDirection == Direction::Write ? u'w' : u'r'))
                    .arg(f.corruptValue)
                    .arg(f.corruptFlags);
    }
    if (f.randomReadCorrupt)
        text += QStringLiteral(" random_read_corrupt %1").arg(f.randomReadCorrupt);
    if (f.randomWriteCorrupt)
        text += QStringLiteral(" random_write_corrupt %1").arg(f.randomWriteCorrupt);
    return text;
}

QList<DeviceArea> FlakeyTarget::devices() const
{
    return {DeviceArea{m_device, m_start, m_length}};
}

} // namespace cryptstack
