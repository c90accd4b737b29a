// A block I/O request, shaped like the kernel's struct bio: an operation on a range of 512-byte
// sectors, a buffer the submitter owns, and a completion function with a private pointer
// (bi_end_io / bi_private). A target never writes into a caller's write buffer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace cryptstack {

enum class BioOp : uint8_t { Read, Write, Flush, Discard };

// Request flags a target may test (dm-flakey's corrupt_bio_flags mask matches against these).
namespace BioFlag {
constexpr uint32_t Sync = 1u << 0;
constexpr uint32_t Fua = 1u << 1;      // force unit access: this write must be durable on completion
constexpr uint32_t PreFlush = 1u << 2; // flush the device cache before this write
} // namespace BioFlag

enum class BioStatus : uint8_t {
    Ok,
    IoError,      // BLK_STS_IOERR: the device failed the request
    NotSupported, // BLK_STS_NOTSUPP: e.g. discard on a target that does not support it
    OutOfRange,   // the request reaches past the end of the device
    ReadOnly,     // a write to a read-only device
};

const char* bioStatusText(BioStatus status);
const char* bioOpName(BioOp op);

constexpr unsigned SectorShift = 9;
constexpr uint32_t SectorSize = 512;

struct Bio
{
    using EndIo = void (*)(Bio*);

    BioOp op = BioOp::Read;
    uint32_t flags = 0;
    uint64_t sector = 0;       // first 512-byte sector on the device it is submitted to
    std::byte* data = nullptr; // size bytes; null for Flush and Discard
    uint64_t size = 0;         // bytes, a multiple of 512 (0 for a plain Flush)
    BioStatus status = BioStatus::Ok;
    uint64_t errorSector = 0; // with an error status: the first failing sector, device-relative
    EndIo endIo = nullptr;
    void* priv = nullptr;     // the submitter's, for endIo
    uint64_t targetState = 0; // per-bio data of the target that maps a clone (per_bio_data)

    uint64_t sectors() const { return size >> SectorShift; }
    bool isWrite() const { return op == BioOp::Write; }
    bool hasData() const { return op == BioOp::Read || op == BioOp::Write; }

    // Completes the request: records the status and calls endIo. The bio may be freed by endIo.
    void complete(BioStatus result, uint64_t failedSector = 0)
    {
        status = result;
        if (result != BioStatus::Ok)
            errorSector = failedSector;
        endIo(this);
    }
};

// Gathers the completions of the pieces a request was split into (the kernel's
// bio_inc_remaining / bio_chain pattern): of the failed pieces, the one with the lowest failing
// sector gives the status and errorSector (pieces fail in any order on several threads, and the
// caller is told the first failing sector), and the parent completes when the last piece does. Start with one
// reference held by the splitter, add one per piece, and drop the splitter's own after submitting them all,
// so the parent cannot complete mid-split.
class BioCompletionGroup
{
public:
    explicit BioCompletionGroup(Bio* parent) : m_parent(parent) {}

    void addPiece() { m_remaining.fetch_add(1, std::memory_order_relaxed); }
    // Returns true when this was the last outstanding reference; the caller then finishes.
    bool pieceDone(BioStatus status, uint64_t failedSector);
    Bio* parent() const { return m_parent; }
    BioStatus status() const { return m_status; }
    uint64_t errorSector() const { return m_errorSector; }

private:
    Bio* m_parent;
    std::atomic<int> m_remaining{1};
    std::mutex m_errorMutex; // taken only by failed pieces
    BioStatus m_status = BioStatus::Ok;
    uint64_t m_errorSector = 0;
};

} // namespace cryptstack
