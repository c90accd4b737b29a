// Streams a byte range of a device to a file or stdout, or a file or stdin onto a device, in
// chunks, with the device's I/O overlapping the file's. A write whose input would reach past the
// device's end is refused before a single byte is written: a file's size is checked first and
// the file streamed in constant memory; a pipe's data is gathered in memory first.
#pragma once

#include "ArgParser.h"
#include "core/Result.h"
#include "dm/DeviceRegistry.h"

#include <QIODevice>

#include <optional>

namespace cryptstack::cli {

// Refuses I/O that would wait forever on a suspended device in the stack (the CLI and shell are
// single-threaded: nothing would resume it).
Status checkNotSuspended(const DeviceRegistry& registry, const QString& name);

// How errors name the offset and length: the options of dm read/write, or the shell's arguments.
struct ByteRangeLabels
{
    QString offset = QStringLiteral("--offset");
    QString length = QStringLiteral("--length");
};

// Whether the range lies inside the device; readDevice checks it too, but callers check it before
// opening (and truncating) the output file, so that a refused read leaves that file alone.
Status checkReadRange(const BlockDevice& device, uint64_t offset, std::optional<uint64_t> length,
                      const ByteRangeLabels& labels = {});
Status readDevice(BlockDevice& device, uint64_t offset, std::optional<uint64_t> length, QIODevice& out,
                  const ByteRangeLabels& labels = {});
Status writeDevice(BlockDevice& device, uint64_t offset, QIODevice& in, const ByteRangeLabels& labels = {});

// A byte-count option (--offset 4096, --length 1M), absent if not given; the error names it.
Result<std::optional<uint64_t>> byteCountOption(const ArgParser& arguments, const QString& option,
                                                const QString& command);
// A byte-count positional argument of the shell.
Result<uint64_t> byteCountArgument(const QString& word, const QString& what);

// Opens "-" as the given standard stream, anything else as a file.
Result<std::unique_ptr<QIODevice>> openStream(const QString& path, QIODevice::OpenMode mode,
                                              QIODevice* standard);

} // namespace cryptstack::cli
