// The one interface every device in a stack implements: image files, memory, mapped devices.
// Positional and thread-safe, no seek pointer. submit() is asynchronous; the blocking helpers are
// built on it for callers outside the data path (CLI, tests, format code).
#pragma once

#include "Bio.h"
#include "core/Result.h"

#include <QString>
#include <QStringList>

#include <cstdint>

namespace cryptstack {

class BlockDevice
{
public:
    virtual ~BlockDevice();

    // How this device is named in messages (an image path or a mapped device's name).
    virtual QString displayName() const = 0;
    virtual uint64_t sectors() const = 0;
    virtual uint32_t logicalBlockSize() const { return SectorSize; }
    virtual bool isReadOnly() const { return false; }

    // Starts the request; bio->endIo runs exactly once, on whatever thread completes it (possibly
    // this one, before submit returns). Like the kernel's submit_bio, a bio submitted while a
    // device handles another request on this thread (a mapped device's map call) is only queued
    // on the thread's list (current->bio_list) and started after that call returns.
    void submit(Bio* bio);

    uint64_t sizeBytes() const { return sectors() << SectorShift; }

    // Blocking helpers. Sector-aligned forms take whole sectors; the byte forms read-modify-write
    // partial sectors at the edges. Never call them from a completion ("interrupt") context.
    Status readSectors(uint64_t sector, void* buffer, uint64_t bytes);
    Status writeSectors(uint64_t sector, const void* buffer, uint64_t bytes, uint32_t flags = 0);
    Status readBytes(uint64_t offset, void* buffer, uint64_t bytes);
    Status writeBytes(uint64_t offset, const void* buffer, uint64_t bytes);
    Status flush();
    Status discard(uint64_t sector, uint64_t sectors);

    // Submits one bio and waits for it; the returned status names the failing sector on error.
    Status submitAndWait(Bio& bio);

    // What waits on each thread's bio list right now ("thread: device sector+count op, …"), for
    // the watchdog's report. Only recorded while tracing is on (it costs a lock per submit).
    static void setBioListTracing(bool on);
    static QStringList bioListReport();

protected:
    // The device's own handling of one request (the kernel's ->submit_bio). Must not block.
    virtual void startRequest(Bio* bio) = 0;
};

// Marks the current thread as a completion context (the engine's "interrupt context") while the
// object lives. Code that may block or wait for I/O asserts it is not running in one.
class CompletionContextScope
{
public:
    CompletionContextScope();
    ~CompletionContextScope();
    CompletionContextScope(const CompletionContextScope&) = delete;
    CompletionContextScope& operator=(const CompletionContextScope&) = delete;

    static bool active();

private:
    bool m_previous;
};

} // namespace cryptstack
