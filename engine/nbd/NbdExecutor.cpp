#include "NbdExecutor.h"

#include "NbdProtocol.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cryptstack::nbd {

namespace {

// WRITE_ZEROES writes zeros in pieces of this size, at most MaxZeroBios at a time per request:
// a 4 GiB zeroing needs no 4 GiB buffer and does not flood the device's queues.
constexpr uint64_t ZeroChunk = 1u << 20;
constexpr int MaxZeroBios = 4;

// One read-only buffer of zeros shared by every zeroing bio (a target never writes into a write
// bio's buffer).
std::byte* zeros()
{
    static const std::vector<std::byte> buffer(ZeroChunk);
    return const_cast<std::byte*>(buffer.data());
}

uint32_t errorFor(BioStatus status, BioOp op)
{
    switch (status) {
    case BioStatus::Ok:
        return ErrNone;
    case BioStatus::ReadOnly:
        return ErrPerm;
    case BioStatus::OutOfRange:
        return op == BioOp::Write ? ErrNoSpc : ErrInval;
    case BioStatus::NotSupported:
    case BioStatus::IoError:
        return ErrIo;
    }
    return ErrIo;
}

struct Span
{
    uint64_t start; // aligned down
    uint64_t end;   // aligned up
};

Span alignedSpan(uint64_t offset, uint64_t length, uint64_t block)
{
    return {offset / block * block, (offset + length + block - 1) / block * block};
}

} // namespace

NbdExecutor::NbdExecutor(std::shared_ptr<BlockDevice> device)
    : m_device(std::move(device)), m_blockSize(std::max<uint32_t>(m_device->logicalBlockSize(), SectorSize))
{
    m_thread = std::make_unique<NamedThread>(
        QStringLiteral("nbd-io"),
        [this] {
            std::vector<NbdRequest*> batch;
            while (m_queue.popAll(batch)) {
                for (NbdRequest* request : batch)
                    advance(request);
            }
        },
        [this] { m_queue.close(); });
}

NbdExecutor::~NbdExecutor()
{
    Q_ASSERT(m_inFlight.load() == 0);
    m_thread.reset();
}

uint64_t NbdExecutor::cost(const NbdRequest& request) const
{
    if (request.length == 0)
        return 0;
    const Span span = alignedSpan(request.offset, request.length, m_blockSize);
    const bool partial = span.start != request.offset || span.end != request.offset + request.length;
    switch (request.type) {
    case CmdRead:
        return span.end - span.start;
    case CmdWrite:
        return span.end - span.start + (partial ? 2 * uint64_t{m_blockSize} : 0);
    case CmdWriteZeroes:
        return partial ? 2 * uint64_t{m_blockSize} : 0;
    default:
        return 0;
    }
}

void NbdExecutor::prepare(NbdRequest& request) const
{
    request.budgetBytes = cost(request);
    if (request.length == 0)
        return;
    const Span span = alignedSpan(request.offset, request.length, m_blockSize);
    const bool partial = span.start != request.offset || span.end != request.offset + request.length;
    if (request.type == CmdRead || request.type == CmdWrite) {
        request.bufferSize = span.end - span.start;
        request.dataOffset = request.offset - span.start;
        request.buffer = std::make_unique_for_overwrite<std::byte[]>(request.bufferSize);
    }
    if (partial && (request.type == CmdWrite || request.type == CmdWriteZeroes))
        request.edges = std::make_unique_for_overwrite<std::byte[]>(2 * size_t{m_blockSize});
}

Bio& NbdExecutor::bio(NbdRequest* request, int index, BioOp op, uint64_t byteOffset, std::byte* data,
                      uint64_t bytes)
{
    Bio& bio = request->bios[static_cast<size_t>(index)];
    bio = Bio{};
    bio.op = op;
    bio.sector = byteOffset >> SectorShift;
    bio.data = data;
    bio.size = bytes;
    bio.endIo = &NbdExecutor::bioDone;
    bio.priv = request;
    return bio;
}

void NbdExecutor::execute(NbdRequest* request)
{
    m_inFlight.fetch_add(1, std::memory_order_relaxed);
    request->executor = this;
    request->error = ErrNone;
    const uint64_t end = request->offset + request->length;
    switch (request->type) {
    case CmdRead:
        if (request->length == 0 || !request->buffer)
            break;
        bio(request, 0, BioOp::Read, request->offset - request->dataOffset, request->buffer.get(),
            request->bufferSize);
        submitStage(request, NbdRequest::Stage::Read, 1);
        return;
    case CmdWrite:
    case CmdWriteZeroes: {
        if (request->length == 0 || (request->type == CmdWrite && !request->buffer))
            break;
        const Span span = alignedSpan(request->offset, request->length, m_blockSize);
        request->rangeStart = span.start;
        request->rangeEnd = span.end;
        request->holdsRange = true; // set before acquire: once queued, another thread may start it
        if (m_ranges.acquire(request, span.start, span.end))
            begin(request);
        return;
    }
    case CmdTrim: {
        // Whole blocks only, rounded inwards: a trim is a hint, and a partial block stays as it is.
        const uint64_t start = (request->offset + m_blockSize - 1) / m_blockSize * m_blockSize;
        const uint64_t stop = end / m_blockSize * m_blockSize;
        if (start >= stop)
            break;
        request->rangeStart = start;
        request->rangeEnd = stop;
        request->holdsRange = true;
        if (m_ranges.acquire(request, start, stop))
            begin(request);
        return;
    }
    case CmdFlush:
        bio(request, 0, BioOp::Flush, 0, nullptr, 0);
        submitStage(request, NbdRequest::Stage::Flush, 1);
        return;
    default:
        request->error = ErrInval;
        break;
    }
    finish(request);
}

void NbdExecutor::begin(NbdRequest* request)
{
    switch (request->type) {
    case CmdWrite:
        startWrite(request);
        return;
    case CmdWriteZeroes:
        startZero(request);
        return;
    case CmdTrim:
        bio(request, 0, BioOp::Discard, request->rangeStart, nullptr,
            request->rangeEnd - request->rangeStart);
        submitStage(request, NbdRequest::Stage::Discard, 1);
        return;
    default:
        Q_ASSERT(false);
        request->error = ErrInval;
        releaseRange(request);
        finish(request);
    }
}

void NbdExecutor::submitStage(NbdRequest* request, NbdRequest::Stage stage, int bios)
{
    request->stage = stage;
    request->stageBios = bios;
    request->pending.store(bios, std::memory_order_release);
    // Once the last bio is submitted the request may already be advancing on another thread:
    // nothing below touches it after that.
    std::array<Bio*, 4> toSubmit{};
    for (int i = 0; i < bios; ++i)
        toSubmit[static_cast<size_t>(i)] = &request->bios[static_cast<size_t>(i)];
    for (int i = 0; i < bios; ++i)
        m_device->submit(toSubmit[static_cast<size_t>(i)]);
}

void NbdExecutor::bioDone(Bio* bio)
{
    // Completion context: count down, and hand the request over with the stage's last bio.
    auto* request = static_cast<NbdRequest*>(bio->priv);
    if (request->pending.fetch_sub(1, std::memory_order_acq_rel) == 1)
        request->executor->post(request);
}

void NbdExecutor::post(NbdRequest* request)
{
    m_queue.push(request);
}

void NbdExecutor::findEdges(NbdRequest* request) const
{
    const uint64_t end = request->offset + request->length;
    request->headBlock = request->rangeStart;
    request->tailBlock = request->rangeEnd - m_blockSize;
    request->headPartial = request->offset != request->rangeStart;
    request->tailPartial = end != request->rangeEnd;
}

void NbdExecutor::readEdges(NbdRequest* request)
{
    int count = 0;
    if (request->headPartial)
        bio(request, count++, BioOp::Read, request->headBlock, request->edges.get(), m_blockSize);
    if (request->tailPartial && (!request->headPartial || request->tailBlock != request->headBlock))
        bio(request, count++, BioOp::Read, request->tailBlock, request->edges.get() + m_blockSize,
            m_blockSize);
    submitStage(request, NbdRequest::Stage::EdgeRead, count);
}

void NbdExecutor::startWrite(NbdRequest* request)
{
    findEdges(request);
    if (!request->headPartial && !request->tailPartial) {
        bio(request, 0, BioOp::Write, request->rangeStart, request->buffer.get(), request->bufferSize);
        submitStage(request, NbdRequest::Stage::Write, 1);
        return;
    }
    readEdges(request);
}

void NbdExecutor::startZero(NbdRequest* request)
{
    findEdges(request);
    request->zeroNext = request->headPartial ? request->headBlock + m_blockSize : request->rangeStart;
    request->zeroEnd = request->tailPartial ? request->tailBlock : request->rangeEnd;
    if (request->zeroNext > request->zeroEnd)
        request->zeroNext = request->zeroEnd; // one partial block: no whole block in the middle
    if (!request->headPartial && !request->tailPartial) {
        continueZero(request);
        return;
    }
    readEdges(request);
}

void NbdExecutor::mergeEdges(NbdRequest* request)
{
    const uint64_t end = request->offset + request->length;
    const bool oneBlock =
        request->headPartial && request->tailPartial && request->headBlock == request->tailBlock;
    std::byte* head = request->edges.get();
    std::byte* tail = oneBlock ? head : request->edges.get() + m_blockSize; // as startWrite read them
    if (request->type == CmdWrite) {
        // The block's bytes outside the client's range go around its payload.
        if (request->headPartial)
            std::memcpy(request->buffer.get(), head, request->offset - request->headBlock);
        if (request->tailPartial) {
            const uint64_t inBlock = end - request->tailBlock;
            std::memcpy(request->buffer.get() + (end - request->rangeStart), tail + inBlock,
                        m_blockSize - inBlock);
        }
        return;
    }
    // WRITE_ZEROES: zero the covered part of each edge block; both go out with the first chunk.
    if (request->headPartial) {
        const uint64_t stop = std::min(end, request->headBlock + m_blockSize);
        std::memset(head + (request->offset - request->headBlock), 0, stop - request->offset);
    }
    if (request->tailPartial && !oneBlock) {
        const uint64_t start = std::max(request->offset, request->tailBlock);
        std::memset(tail + (start - request->tailBlock), 0, end - start);
    }
    request->edgesToWrite = true;
}

void NbdExecutor::continueZero(NbdRequest* request)
{
    int count = 0;
    if (request->edgesToWrite) {
        request->edgesToWrite = false;
        const bool oneBlock =
            request->headPartial && request->tailPartial && request->headBlock == request->tailBlock;
        if (request->headPartial)
            bio(request, count++, BioOp::Write, request->headBlock, request->edges.get(), m_blockSize);
        if (request->tailPartial && !oneBlock)
            bio(request, count++, BioOp::Write, request->tailBlock, request->edges.get() + m_blockSize,
                m_blockSize);
    }
    while (count < MaxZeroBios && request->zeroNext < request->zeroEnd) {
        const uint64_t bytes = std::min(ZeroChunk, request->zeroEnd - request->zeroNext);
        bio(request, count++, BioOp::Write, request->zeroNext, zeros(), bytes);
        request->zeroNext += bytes;
    }
    if (count == 0)
        afterData(request);
    else
        submitStage(request, NbdRequest::Stage::Zero, count);
}

void NbdExecutor::advance(NbdRequest* request)
{
    // Runs on nbd-io. The first failing bio of the stage decides the error.
    BioStatus status = BioStatus::Ok;
    BioOp op = BioOp::Read;
    for (int i = 0; i < request->stageBios; ++i) {
        const Bio& done = request->bios[static_cast<size_t>(i)];
        if (done.status != BioStatus::Ok) {
            status = done.status;
            op = done.op;
            break;
        }
    }
    switch (request->stage) {
    case NbdRequest::Stage::Read:
        request->error = errorFor(status, op);
        finish(request);
        return;
    case NbdRequest::Stage::EdgeRead:
        if (status != BioStatus::Ok) {
            request->error = errorFor(status, BioOp::Write);
            releaseRange(request);
            finish(request);
            return;
        }
        mergeEdges(request);
        if (request->type == CmdWrite) {
            bio(request, 0, BioOp::Write, request->rangeStart, request->buffer.get(), request->bufferSize);
            submitStage(request, NbdRequest::Stage::Write, 1);
        } else {
            continueZero(request);
        }
        return;
    case NbdRequest::Stage::Write:
        request->error = errorFor(status, op);
        afterData(request);
        return;
    case NbdRequest::Stage::Zero:
        if (status != BioStatus::Ok) {
            request->error = errorFor(status, op);
            afterData(request);
            return;
        }
        continueZero(request);
        return;
    case NbdRequest::Stage::Discard:
        // A trim is a hint: a device that does not discard (a crypt mapping without
        // allow_discards) has done all that was asked.
        request->error = status == BioStatus::NotSupported ? ErrNone : errorFor(status, op);
        afterData(request);
        return;
    case NbdRequest::Stage::Flush:
        request->error = status == BioStatus::Ok ? ErrNone : ErrIo;
        finish(request);
        return;
    case NbdRequest::Stage::None:
        break;
    }
    Q_ASSERT(false);
    request->error = ErrIo;
    finish(request);
}

void NbdExecutor::afterData(NbdRequest* request)
{
    releaseRange(request);
    if (request->error == ErrNone && (request->flags & CmdFlagFua)) {
        // FUA: durable before the reply. The device's flush covers this request's data.
        bio(request, 0, BioOp::Flush, 0, nullptr, 0);
        submitStage(request, NbdRequest::Stage::Flush, 1);
        return;
    }
    finish(request);
}

void NbdExecutor::releaseRange(NbdRequest* request)
{
    if (!request->holdsRange)
        return;
    request->holdsRange = false;
    for (NbdRequest* granted : m_ranges.release(request))
        begin(granted);
}

void NbdExecutor::finish(NbdRequest* request)
{
    m_inFlight.fetch_sub(1, std::memory_order_relaxed);
    request->owner->requestDone(request); // may free the request
}

} // namespace cryptstack::nbd
