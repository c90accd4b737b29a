// The entropy map's scan: an image file (or a byte range of it) cut into equal blocks, each
// classified by SectorEntropy. Holes of a sparse file are recognised with SEEK_DATA and counted as
// zeroed without being read; blocks larger than 4 MiB are sampled (16 spread 64 KiB reads) so a
// large image maps in seconds. Runs on the caller's thread: the GUI calls it from a worker.
#pragma once

#include "SectorEntropy.h"
#include "core/Result.h"

#include <QString>

#include <atomic>
#include <functional>
#include <vector>

namespace cryptstack {

struct EntropyCell
{
    SectorClass kind = SectorClass::Zeroed;
    double bitsPerByte = 0;
    bool hole = false;    // wholly inside a hole of a sparse file (not read)
    bool sampled = false; // classified from samples, not every byte
};

struct EntropyScanRequest
{
    QString path;
    uint64_t start = 0;
    uint64_t length = 0; // 0: to the end of the file
    unsigned targetCells = 2048;
    uint64_t minimumBlockBytes = 512;
};

struct EntropyScanResult
{
    uint64_t start = 0;
    uint64_t length = 0;
    uint64_t blockBytes = 0;
    std::vector<EntropyCell> cells;      // cell i covers start + i·blockBytes (the last may be short)
    std::array<uint64_t, 4> counts = {}; // per SectorClass
    bool cancelled = false;              // cells holds what was scanned before the cancel
};

namespace ImageEntropyScan {

// blockBytes for a length: at least minimumBlockBytes, a multiple of 512, at most targetCells cells.
uint64_t blockBytesFor(uint64_t length, unsigned targetCells, uint64_t minimumBlockBytes);
// progress(doneCells, totalCells) is called from this thread now and then.
Result<EntropyScanResult> run(const EntropyScanRequest& request,
                              const std::function<void(uint64_t, uint64_t)>& progress = {},
                              const std::atomic_bool* cancel = nullptr);

} // namespace ImageEntropyScan

} // namespace cryptstack
