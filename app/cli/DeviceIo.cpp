#include "DeviceIo.h"

#include "core/Parse.h"

#include <QFile>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <vector>

namespace cryptstack::cli {

namespace {

// The file side and the device side overlap: while the caller's thread moves one chunk through
// the file, the device works on up to ChunkSlots - 1 others, each on its own thread, so the crypt
// target always has pieces queued for both cores. (With two 4 MiB slots it drained between
// chunks: copying 1 GiB into a LUKS1 container took 1.4 times as long; sizes from 512 KiB to
// 4 MiB with 4 to 16 slots measured the same within noise.)
constexpr uint64_t ChunkBytes = 1u << 20;
constexpr uint64_t ChunkSlots = 8;

class ChunkRing
{
public:
    // Room for up to ChunkSlots chunks of `bytes`, fewer when the whole copy needs fewer; not
    // zeroed (every chunk is filled before it is used).
    ChunkRing(uint64_t bytes, uint64_t chunks)
        : chunkBytes(bytes), m_slots(std::clamp<uint64_t>(chunks, 1, ChunkSlots)),
          m_storage(std::make_unique_for_overwrite<std::byte[]>(m_slots * bytes))
    {}
    std::byte* slot(uint64_t chunkIndex) { return m_storage.get() + chunkIndex % m_slots * chunkBytes; }
    uint64_t slotCount() const { return m_slots; }

    const uint64_t chunkBytes;

private:
    const uint64_t m_slots;
    std::unique_ptr<std::byte[]> m_storage;
};

// A non-owning view of stdin or stdout, so callers can own "the stream" uniformly.
class BorrowedStream final : public QIODevice
{
public:
    explicit BorrowedStream(QIODevice* inner, OpenMode mode) : m_inner(inner) { open(mode | Unbuffered); }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char* data, qint64 size) override { return m_inner->read(data, size); }
    qint64 writeData(const char* data, qint64 size) override
    {
        const qint64 written = m_inner->write(data, size);
        if (auto* file = qobject_cast<QFile*>(m_inner))
            file->flush();
        return written;
    }

private:
    QIODevice* m_inner;
};

QString quoted(const QString& name)
{
    return u'"' + name + u'"';
}

Status tooLong(const BlockDevice& device, uint64_t offset, uint64_t room)
{
    return Status(ErrorCode::InvalidArgument,
                  QStringLiteral("input is longer than the %1 bytes from offset %2 to "
                                 "the end of %3; nothing was written")
                      .arg(QString::number(room), QString::number(offset), quoted(device.displayName())));
}

// Reads the next chunk of the input while the device writes the previous ones. Chunks after the
// first start on a logical block boundary of the device: writeBytes read-modify-writes a partial
// block, and two chunks in flight that shared one would each write back the other's old bytes.
Status streamToDevice(BlockDevice& device, uint64_t offset, QIODevice& in, uint64_t total)
{
    const uint64_t firstChunk = std::min(total, ChunkBytes - offset % device.logicalBlockSize());
    ChunkRing chunks(std::max<uint64_t>(1, std::min(total, ChunkBytes)),
                     1 + (total - firstChunk + ChunkBytes - 1) / ChunkBytes);
    std::deque<std::future<Status>> writing; // after the ring: its destructor waits for the writes
    const auto oldestWritten = [&writing] {
        Status status = writing.front().get();
        writing.pop_front();
        return status;
    };
    for (uint64_t done = 0, index = 0; done < total; ++index) {
        // A failed write stops the copy before the next chunk starts, not only when the ring is full.
        while (!writing.empty() &&
               (writing.size() == chunks.slotCount() || // the oldest write still uses the slot to fill
                writing.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready))
            if (Status status = oldestWritten(); !status)
                return status;
        std::byte* data = chunks.slot(index);
        const uint64_t chunk = index == 0 ? firstChunk : std::min<uint64_t>(total - done, ChunkBytes);
        if (in.read(reinterpret_cast<char*>(data), static_cast<qint64>(chunk)) != static_cast<qint64>(chunk))
            return Status(
                ErrorCode::IOError,
                QStringLiteral("cannot read input: %1")
                    .arg(in.errorString().isEmpty() ? QStringLiteral("it ended early") : in.errorString()));
        writing.push_back(std::async(std::launch::async, [&device, data, at = offset + done, chunk] {
            return device.writeBytes(at, data, chunk);
        }));
        done += chunk;
    }
    Status result = Status::ok();
    while (!writing.empty())
        if (Status status = oldestWritten(); !status && result)
            result = status; // the first failure in device order
    return result;
}

// A pipe's length is unknown until it ends: its data is gathered in memory (at most one byte
// more than fits) so that a too-long input is refused before anything is written. (Spooling it to
// a temporary file instead would put plaintext on disk.)
Status writeGathered(BlockDevice& device, uint64_t offset, QIODevice& in, uint64_t room)
{
    QByteArray data;
    while (static_cast<uint64_t>(data.size()) <= room) {
        const QByteArray chunk =
            in.read(static_cast<qint64>(std::min<uint64_t>(ChunkBytes, room + 1 - data.size())));
        if (chunk.isEmpty())
            break;
        data += chunk;
    }
    if (static_cast<uint64_t>(data.size()) > room)
        return tooLong(device, offset, room);
    if (Status status = device.writeBytes(offset, data.constData(), static_cast<uint64_t>(data.size()));
        !status)
        return status;
    return device.flush();
}

} // namespace

Result<std::optional<uint64_t>> byteCountOption(const ArgParser& arguments, const QString& option,
                                                const QString& command)
{
    if (!arguments.isSet(option))
        return std::optional<uint64_t>();
    auto value = byteCountArgument(arguments.value(option), u"--" + option);
    if (!value)
        return value.status().prefixed(command + QStringLiteral(": "));
    return std::optional<uint64_t>(*value);
}

Result<uint64_t> byteCountArgument(const QString& word, const QString& what)
{
    const auto value = parseByteCount(word);
    if (!value)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1: invalid byte count \"%2\"").arg(what, word));
    return *value;
}

Status checkNotSuspended(const DeviceRegistry& registry, const QString& name)
{
    const QString suspended = registry.suspendedInStack(name);
    if (suspended.isEmpty())
        return Status::ok();
    return Status(ErrorCode::Busy,
                  QStringLiteral("device %1 is suspended: I/O to %2 would wait until it is resumed")
                      .arg(quoted(suspended), quoted(name)));
}

Result<std::unique_ptr<QIODevice>> openStream(const QString& path, QIODevice::OpenMode mode,
                                              QIODevice* standard)
{
    if (path == u"-")
        return std::unique_ptr<QIODevice>(new BorrowedStream(standard, mode));
    auto file = std::make_unique<QFile>(path);
    if (!file->open(mode))
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("cannot open \"%1\": %2").arg(path, file->errorString()));
    return std::unique_ptr<QIODevice>(std::move(file));
}

Status checkReadRange(const BlockDevice& device, uint64_t offset, std::optional<uint64_t> length,
                      const ByteRangeLabels& labels)
{
    const uint64_t size = device.sizeBytes();
    if (offset > size)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 %2 is past the end of %3 (%4 bytes)")
                          .arg(labels.offset, QString::number(offset), quoted(device.displayName()),
                               QString::number(size)));
    const uint64_t total = length.value_or(size - offset);
    if (total > size - offset)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 %2 at offset %3 reaches past the end of %4 (%5 bytes)")
                          .arg(labels.length, QString::number(total), QString::number(offset),
                               quoted(device.displayName()), QString::number(size)));
    return Status::ok();
}

Status readDevice(BlockDevice& device, uint64_t offset, std::optional<uint64_t> length, QIODevice& out,
                  const ByteRangeLabels& labels)
{
    if (Status status = checkReadRange(device, offset, length, labels); !status)
        return status;
    const uint64_t total = length.value_or(device.sizeBytes() - offset);
    if (total == 0)
        return Status::ok();
    // The device reads the next chunks while the oldest goes to the output.
    const uint64_t chunkBytes = std::min(total, ChunkBytes);
    const uint64_t count = (total + chunkBytes - 1) / chunkBytes;
    ChunkRing chunks(chunkBytes, count);
    std::deque<std::future<Status>> reading; // after the ring: its destructor waits for the reads
    uint64_t started = 0;
    const auto startRead = [&] {
        const uint64_t at = started * chunks.chunkBytes;
        const uint64_t chunk = std::min<uint64_t>(total - at, chunks.chunkBytes);
        reading.push_back(
            std::async(std::launch::async, [&device, data = chunks.slot(started), at = offset + at, chunk] {
                return device.readBytes(at, data, chunk);
            }));
        ++started;
    };
    for (uint64_t index = 0; index < count; ++index) {
        while (started < count && started < index + chunks.slotCount()) // the slot being written stays out
            startRead();
        Status status = reading.front().get();
        reading.pop_front();
        if (!status)
            return status;
        const uint64_t chunk = std::min<uint64_t>(total - index * chunks.chunkBytes, chunks.chunkBytes);
        if (out.write(reinterpret_cast<const char*>(chunks.slot(index)), static_cast<qint64>(chunk)) !=
            static_cast<qint64>(chunk))
            return Status(ErrorCode::IOError,
                          QStringLiteral("cannot write output: %1").arg(out.errorString()));
    }
    return Status::ok();
}

Status writeDevice(BlockDevice& device, uint64_t offset, QIODevice& in, const ByteRangeLabels& labels)
{
    const uint64_t size = device.sizeBytes();
    if (offset > size)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 %2 is past the end of %3 (%4 bytes)")
                          .arg(labels.offset, QString::number(offset), quoted(device.displayName()),
                               QString::number(size)));
    if (device.isReadOnly())
        return Status(ErrorCode::PermissionDenied,
                      QStringLiteral("device %1 is read-only").arg(quoted(device.displayName())));
    const uint64_t room = size - offset;
    if (in.isSequential())
        return writeGathered(device, offset, in, room);
    // A file: its size is known, so a too-long input is refused before anything is written and the
    // data streams through in constant memory.
    const uint64_t available = static_cast<uint64_t>(std::max<qint64>(0, in.size() - in.pos()));
    if (available > room)
        return tooLong(device, offset, room);
    if (Status status = streamToDevice(device, offset, in, available); !status)
        return status;
    return device.flush();
}

} // namespace cryptstack::cli
