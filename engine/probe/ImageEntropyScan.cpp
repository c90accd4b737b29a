#include "ImageEntropyScan.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cryptstack {

namespace {

constexpr uint64_t SampleThreshold = 4 * 1024 * 1024;
constexpr uint64_t SampleBytes = 64 * 1024;
constexpr unsigned SampleCount = 16;

class FileHandle
{
public:
    explicit FileHandle(int fd) : m_fd(fd) {}
    ~FileHandle()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    int fd() const { return m_fd; }

private:
    int m_fd;
};

Status readFully(int fd, uint64_t offset, uint8_t* buffer, uint64_t bytes, const QString& path)
{
    while (bytes > 0) {
        const ssize_t got = ::pread(fd, buffer, bytes, off_t(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return Status(ErrorCode::IOError, QStringLiteral("cannot read %1 at offset %2: %3")
                                                  .arg(path)
                                                  .arg(offset)
                                                  .arg(QString::fromLocal8Bit(std::strerror(errno))));
        if (got == 0) // the file shrank: what is missing reads as zeroes
            return Status::ok();
        buffer += got;
        offset += uint64_t(got);
        bytes -= uint64_t(got);
    }
    return Status::ok();
}

// Whether [offset, end) lies in a hole: the next data starts at or after end (or there is none).
bool isHole(int fd, uint64_t offset, uint64_t end)
{
    const off_t data = ::lseek(fd, off_t(offset), SEEK_DATA);
    if (data < 0)
        return errno == ENXIO; // no data after offset; other errors: not sparse-aware, read it
    return uint64_t(data) >= end;
}

} // namespace

uint64_t ImageEntropyScan::blockBytesFor(uint64_t length, unsigned targetCells, uint64_t minimumBlockBytes)
{
    const uint64_t cells = std::max(1u, targetCells);
    uint64_t block = std::max<uint64_t>(512, minimumBlockBytes);
    block = (block + 511) / 512 * 512;
    const uint64_t perCell = (length + cells - 1) / cells;
    return std::max(block, (perCell + 511) / 512 * 512);
}

Result<EntropyScanResult> ImageEntropyScan::run(const EntropyScanRequest& request,
                                                const std::function<void(uint64_t, uint64_t)>& progress,
                                                const std::atomic_bool* cancel)
{
    const FileHandle file(::open(request.path.toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC));
    if (file.fd() < 0)
        return Status(ErrorCode::NoSuchDevice,
                      QStringLiteral("Device %1 does not exist or access denied.").arg(request.path));
    struct stat info = {};
    if (::fstat(file.fd(), &info) != 0)
        return Status(ErrorCode::IOError, QStringLiteral("cannot stat %1").arg(request.path));
    const uint64_t fileBytes = uint64_t(info.st_size);
    if (request.start > fileBytes)
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("start offset %1 is past the end of %2").arg(request.start).arg(request.path));
    EntropyScanResult result;
    result.start = request.start;
    result.length =
        request.length ? std::min(request.length, fileBytes - request.start) : fileBytes - request.start;
    result.blockBytes = blockBytesFor(result.length, request.targetCells, request.minimumBlockBytes);
    const uint64_t cellCount = (result.length + result.blockBytes - 1) / result.blockBytes;
    result.cells.reserve(cellCount);
    std::vector<uint8_t> buffer(std::min(result.blockBytes, SampleThreshold));
    for (uint64_t index = 0; index < cellCount; ++index) {
        if (cancel && cancel->load()) {
            result.cancelled = true;
            break;
        }
        const uint64_t offset = result.start + index * result.blockBytes;
        const uint64_t bytes = std::min(result.blockBytes, result.start + result.length - offset);
        EntropyCell cell;
        ByteHistogram histogram;
        if (isHole(file.fd(), offset, offset + bytes)) {
            cell.hole = true;
            histogram.addZeroes(bytes);
        } else if (bytes <= SampleThreshold) {
            std::fill_n(buffer.begin(), bytes, uint8_t(0));
            if (Status status = readFully(file.fd(), offset, buffer.data(), bytes, request.path); !status)
                return status;
            histogram.add({buffer.data(), size_t(bytes)});
        } else {
            cell.sampled = true;
            const uint64_t stride = (bytes - SampleBytes) / (SampleCount - 1);
            for (unsigned sample = 0; sample < SampleCount; ++sample) {
                const uint64_t at = offset + sample * stride / 512 * 512;
                std::fill_n(buffer.begin(), SampleBytes, uint8_t(0));
                if (Status status = readFully(file.fd(), at, buffer.data(), SampleBytes, request.path);
                    !status)
                    return status;
                histogram.add({buffer.data(), size_t(SampleBytes)});
            }
        }
        cell.kind = SectorEntropy::classify(histogram);
        cell.bitsPerByte = SectorEntropy::bitsPerByte(histogram);
        ++result.counts[size_t(cell.kind)];
        result.cells.push_back(cell);
        if (progress && (index % 64 == 63 || index + 1 == cellCount))
            progress(index + 1, cellCount);
    }
    return result;
}

} // namespace cryptstack
