#include "DeviceIo.h"

#include "core/Parse.h"

#include <QFile>

#include <future>
#include <vector>

namespace cryptstack::cli {

namespace {

// Two chunks of this size are in use at once: one moving through the device, one through the file.
constexpr uint64_t ChunkBytes = 4u << 20;

struct ChunkPair
{
    explicit ChunkPair(uint64_t bytes) : chunkBytes(bytes), storage(2 * bytes) {}
    std::byte* slot(int index) { return storage.data() + index * chunkBytes; }

    const uint64_t chunkBytes;
    std::vector<std::byte> storage;
    int current = 0;
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

// Reads the next chunk of the input while the device writes the previous one.
Status streamToDevice(BlockDevice& device, uint64_t offset, QIODevice& in, uint64_t total)
{
    ChunkPair buffers(std::min(std::max<uint64_t>(total, 1), ChunkBytes));
    std::future<Status> writing; // declared after the buffers: its destructor waits for the write
    for (uint64_t done = 0; done < total;) {
        std::byte* data = buffers.slot(buffers.current);
        const uint64_t chunk = std::min<uint64_t>(total - done, buffers.chunkBytes);
        if (in.read(reinterpret_cast<char*>(data), static_cast<qint64>(chunk)) != static_cast<qint64>(chunk))
            return Status(
                ErrorCode::IOError,
                QStringLiteral("cannot read input: %1")
                    .arg(in.errorString().isEmpty() ? QStringLiteral("it ended early") : in.errorString()));
        if (writing.valid())
            if (Status status = writing.get(); !status)
                return status;
        writing = std::async(std::launch::async, [&device, data, at = offset + done, chunk] {
            return device.writeBytes(at, data, chunk);
        });
        done += chunk;
        buffers.current ^= 1;
    }
    return writing.valid() ? writing.get() : Status::ok();
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
    // The device reads the next chunk while the previous one goes to the output.
    ChunkPair buffers(std::min(total, ChunkBytes));
    const auto readChunk = [&device, &buffers, offset, total](uint64_t done, int slot) {
        const uint64_t chunk = std::min<uint64_t>(total - done, buffers.chunkBytes);
        return std::async(std::launch::async, [&device, &buffers, at = offset + done, chunk, slot] {
            return device.readBytes(at, buffers.slot(slot), chunk);
        });
    };
    std::future<Status> reading = readChunk(0, 0);
    for (uint64_t done = 0; done < total;) {
        const int slot = buffers.current;
        const uint64_t chunk = std::min<uint64_t>(total - done, buffers.chunkBytes);
        if (Status status = reading.get(); !status)
            return status;
        if (done + chunk < total)
            reading = readChunk(done + chunk, slot ^ 1);
        if (out.write(reinterpret_cast<const char*>(buffers.slot(slot)), static_cast<qint64>(chunk)) !=
            static_cast<qint64>(chunk))
            return Status(ErrorCode::IOError,
                          QStringLiteral("cannot write output: %1").arg(out.errorString()));
        done += chunk;
        buffers.current ^= 1;
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
