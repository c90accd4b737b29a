// One NBD transmission request on its way through the server: the header as received, the
// buffer it reads into or writes from, the bios of its current stage, and the NBD error its reply
// will carry. Created by a connection's reader, run by NbdExecutor, answered and freed by the
// connection's sender.
#pragma once

#include "block/Bio.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

namespace cryptstack::nbd {

struct NbdRequest;
class NbdExecutor;

// Who gets a request back once it is finished (the connection's reply path). Called on the
// executor's thread or on the thread that called NbdExecutor::execute, never in a bio's endIo.
class NbdRequestOwner
{
public:
    virtual void requestDone(NbdRequest* request) = 0;

protected:
    ~NbdRequestOwner() = default;
};

struct NbdRequest
{
    // From the wire.
    uint64_t cookie = 0;
    uint16_t type = 0;
    uint16_t flags = 0;
    uint64_t offset = 0;
    uint32_t length = 0;

    NbdRequestOwner* owner = nullptr;
    NbdExecutor* executor = nullptr; // set by NbdExecutor::execute
    uint32_t error = 0;              // an nbd::Error for the reply

    // READ and WRITE: the block-aligned span around [offset, offset + length); the client's bytes
    // start at dataOffset. Allocated by NbdExecutor::prepare.
    std::unique_ptr<std::byte[]> buffer;
    uint64_t bufferSize = 0;
    uint64_t dataOffset = 0;
    // What the request counts against its connection's in-flight byte bound.
    uint64_t budgetBytes = 0;

    // Execution state, touched only by the thread running the current stage.
    enum class Stage : uint8_t { None, Read, EdgeRead, Write, Zero, Discard, Flush };
    Stage stage = Stage::None;
    std::array<Bio, 4> bios{};
    int stageBios = 0;                  // bios submitted for this stage
    std::atomic<int> pending{0};        // of those, not yet completed
    std::unique_ptr<std::byte[]> edges; // two logical blocks: the head and the tail edge
    uint64_t headBlock = 0;             // byte positions of the edge blocks
    uint64_t tailBlock = 0;
    bool headPartial = false;
    bool tailPartial = false;
    bool edgesToWrite = false; // WRITE_ZEROES: the patched edge blocks still to be written
    uint64_t zeroNext = 0;     // WRITE_ZEROES: the aligned middle still to be written
    uint64_t zeroEnd = 0;
    bool holdsRange = false;
    uint64_t rangeStart = 0;
    uint64_t rangeEnd = 0;

    const std::byte* data() const { return buffer.get() + dataOffset; }
    std::byte* data() { return buffer.get() + dataOffset; }
};

} // namespace cryptstack::nbd
