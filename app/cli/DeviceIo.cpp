#include "DeviceIo.h"

#include "core/Parse.h"

#include <QFile>

#include <vector>

namespace cryptstack::cli {

namespace {

constexpr uint64_t ChunkBytes = 1u << 20;

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
    std::vector<std::byte> buffer(std::min(total, ChunkBytes));
    for (uint64_t done = 0; done < total;) {
        const uint64_t chunk = std::min<uint64_t>(total - done, buffer.size());
        if (Status status = device.readBytes(offset + done, buffer.data(), chunk); !status)
            return status;
        if (out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<qint64>(chunk)) !=
            static_cast<qint64>(chunk))
            return Status(ErrorCode::IOError,
                          QStringLiteral("cannot write output: %1").arg(out.errorString()));
        done += chunk;
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
    // Gather the input first (at most one byte more than fits) so that input too long for the
    // device is refused before anything is written.
    const uint64_t room = size - offset;
    QByteArray data;
    while (static_cast<uint64_t>(data.size()) <= room) {
        const QByteArray chunk =
            in.read(static_cast<qint64>(std::min<uint64_t>(ChunkBytes, room + 1 - data.size())));
        if (chunk.isEmpty())
            break;
        data += chunk;
    }
    if (static_cast<uint64_t>(data.size()) > room)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("input is longer than the %1 bytes from offset %2 to "
                                     "the end of %3; nothing was written")
                          .arg(QString::number(room), QString::number(offset), quoted(device.displayName())));
    if (Status status = device.writeBytes(offset, data.constData(), static_cast<uint64_t>(data.size()));
        !status)
        return status;
    return device.flush();
}

} // namespace cryptstack::cli
