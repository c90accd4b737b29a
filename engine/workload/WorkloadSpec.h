// The parameters of a synthetic I/O workload (what fio calls a job), parsed from fio-like words so
// the shell's `workload` and `cryptstack bench` accept the same options.
#pragma once

#include "core/Result.h"

#include <QStringList>

#include <chrono>
#include <cstdint>
#include <optional>

namespace cryptstack {

class BlockDevice;

enum class WorkloadPattern { Sequential, Random };
enum class WorkloadOp { Read, Write, Mixed };

struct WorkloadSpec
{
    static constexpr uint32_t MaxBlockSize = 16u << 20;
    static constexpr uint32_t MaxQueueDepth = 4096;
    static constexpr uint32_t MaxThreads = 256;
    static constexpr uint64_t MaxBufferBytes = 1ull << 30;  // iodepth * bs * numjobs
    static constexpr uint64_t MaxVerifyBlocks = 1ull << 28; // the per-block generation table

    WorkloadPattern pattern = WorkloadPattern::Sequential;
    WorkloadOp op = WorkloadOp::Read;
    uint32_t readPercent = 50; // share of reads in a Mixed workload
    uint32_t blockSize = 4096; // bytes per request
    uint32_t queueDepth = 1;   // requests in flight per thread
    uint32_t threads = 1;
    uint64_t rateIops = 0; // total over all threads; 0: unlimited
    // Bounds: the run stops at whichever comes first. With neither, one pass over the region.
    std::optional<uint64_t> totalBytes; // reads plus writes, a multiple of blockSize
    std::optional<std::chrono::nanoseconds> runtime;
    // The region the workload touches; size defaults to the rest of the device.
    uint64_t offset = 0;
    std::optional<uint64_t> size;
    // Written blocks carry a checksummed header; reads check it and a mismatch stops the run.
    bool verify = false;

    // Words such as --rw randrw --bs 4k --iodepth 8 (or --bs=4k). Errors name the bad argument.
    static Result<WorkloadSpec> parse(const QStringList& words);

    // Checks what needs no device (also for specs built in code).
    Status validate() const;
    // Checks the spec against the device and fills in the defaults: size, and the one-pass bound.
    Result<WorkloadSpec> resolvedFor(const BlockDevice& device) const;

    bool reads() const { return op != WorkloadOp::Write; }
    bool writes() const { return op != WorkloadOp::Read; }
    // fio's name of the pattern and operation: read, write, randread, randwrite, rw, randrw.
    QString rwName() const;
    // One line of key=value pairs for reports.
    QString summary() const;
};

} // namespace cryptstack
