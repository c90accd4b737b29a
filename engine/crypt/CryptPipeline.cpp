#include "CryptPipeline.h"

#include <QThread>

#include <chrono>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cryptstack {

namespace {

// Set while an async driver callback runs: in the default configuration it must not submit I/O.
thread_local bool t_inAsyncCallback = false;

uint64_t nowNs()
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

} // namespace

// The caller's bio, split into pieces of at most MaxPieceBytes.
struct CryptPipeline::Group
{
    explicit Group(Bio* bio) : clone(bio), pieces(bio) {}
    Bio* clone;
    BioCompletionGroup pieces;
};

// One piece in flight (the kernel's dm_crypt_io).
struct CryptPipeline::Io
{
    CryptPipeline* pipeline = nullptr;
    Group* group = nullptr;
    bool write = false;
    uint32_t flags = 0;
    uint64_t sector512 = 0; // target-relative
    std::byte* data = nullptr;
    size_t bytes = 0;
    std::unique_ptr<std::byte[]> bounce; // encrypted copy of a write
    uint64_t traceId = 0;                // non-zero while tracing
    Bio lower;                           // the clone submitted to the lower device
};

// The rest of a bio beyond the piece one map call takes.
struct CryptPipeline::Remainder : Bio
{
    Group* group = nullptr;
};

// What the thread's bio list re-enters for a remainder: the pipeline's own map.
class CryptPipeline::Entry final : public BlockDevice
{
public:
    explicit Entry(CryptPipeline* pipeline) : m_pipeline(pipeline) {}
    QString displayName() const override { return m_pipeline->m_config.deviceName; }
    uint64_t sectors() const override { return UINT64_MAX >> SectorShift; }

protected:
    void startRequest(Bio* bio) override { m_pipeline->map(bio); }

private:
    CryptPipeline* m_pipeline;
};

// A conversion handed to the async driver; `started` is the kernel's restart completion for a
// request that met a full queue and was backlogged.
struct CryptPipeline::AsyncRequest
{
    Io* io = nullptr;
    bool backlogged = false;
    bool started = false;
};

CryptPipeline::CryptPipeline(Config config, std::unique_ptr<CipherSet> ciphers)
    : m_config(std::move(config)),
      m_pool(std::max<uint64_t>(config.poolPages, PagePool::pagesFor(MaxPieceBytes))),
      m_cipherTemplate(std::move(ciphers)), m_entry(std::make_unique<Entry>(this))
{
    const unsigned workers = m_config.workers ? m_config.workers : std::max(1, QThread::idealThreadCount());
    const unsigned queues = m_config.flags.sameCpuCrypt ? workers : 1;
    for (unsigned i = 0; i < queues; ++i)
        m_cryptQueues.push_back(std::make_unique<WorkQueue<Io*>>());
    const QString& name = m_config.deviceName;
    for (unsigned i = 0; i < workers; ++i) {
        m_threads.push_back(std::make_unique<NamedThread>(
            QStringLiteral("kcryptd/%1").arg(name),
            [this, i] {
                raisePriorityIfAsked();
                cryptWorker(i);
            },
            [this, i, queues] { m_cryptQueues[i % queues]->close(); }));
    }
    m_threads.push_back(std::make_unique<NamedThread>(
        QStringLiteral("kcryptd_io/%1").arg(name),
        [this] {
            raisePriorityIfAsked();
            ioLoop();
        },
        [this] { m_ioQueue.close(); }));
    m_threads.push_back(std::make_unique<NamedThread>(
        QStringLiteral("dmcrypt_write/%1").arg(name),
        [this] {
            raisePriorityIfAsked();
            writerLoop();
        },
        [this] {
            std::lock_guard lock(m_treeMutex);
            m_stopping = true;
            m_treeReady.notify_all();
        }));
    m_threads.push_back(std::make_unique<NamedThread>(
        QStringLiteral("cryptd/%1").arg(name), [this] { driverLoop(); },
        [this] {
            std::lock_guard lock(m_driverMutex);
            m_driverStopping = true;
            m_driverReady.notify_all();
        }));
}

CryptPipeline::~CryptPipeline()
{
    // The device drained before its table went: no piece is left in any stage.
    Q_ASSERT(m_inFlight.load() == 0);
    // Stop the stages in the reverse order of their creation: driver, writer, io queue, workers.
    while (!m_threads.empty())
        m_threads.pop_back();
}

void CryptPipeline::raisePriorityIfAsked() const
{
    // high_priority: the kernel makes both workqueues WQ_HIGHPRI (nice -20 workers) and renices
    // the write thread to -20. Without CAP_SYS_NICE this fails and the thread keeps its nice value.
    if (m_config.flags.highPriority)
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), -20);
}

std::unique_ptr<CipherSet> CryptPipeline::acquireCiphers()
{
    std::lock_guard lock(m_ciphersMutex);
    if (m_idleCiphers.empty())
        return m_cipherTemplate->clone();
    auto set = std::move(m_idleCiphers.back());
    m_idleCiphers.pop_back();
    return set;
}

void CryptPipeline::releaseCiphers(std::unique_ptr<CipherSet> set)
{
    std::lock_guard lock(m_ciphersMutex);
    m_idleCiphers.push_back(std::move(set));
}

void CryptPipeline::replaceCiphers(std::unique_ptr<CipherSet> ciphers)
{
    std::lock_guard lock(m_ciphersMutex);
    m_cipherTemplate = std::move(ciphers);
    m_idleCiphers.clear();
}

void CryptPipeline::map(Bio* bio)
{
    const Config& c = m_config;
    if (bio->op == BioOp::Flush || bio->op == BioOp::Discard) {
        // No crypto: pass through to the lower device (discards only with allow_discards).
        if (bio->op == BioOp::Discard && !c.flags.allowDiscards) {
            bio->complete(BioStatus::NotSupported, bio->sector);
            return;
        }
        bio->sector += c.start;
        c.lower.device->submit(bio);
        return;
    }
    const uint64_t step = c.sectorSize >> SectorShift;
    if (bio->sector % step || bio->size % c.sectorSize) {
        bio->complete(BioStatus::IoError, bio->sector); // the kernel kills a misaligned bio
        return;
    }
    if (isTeaching()) {
        mapWholeBio(bio);
        return;
    }
    // Like dm_accept_partial_bio: take at most one piece now; the rest goes back as a new bio
    // that is mapped only after this map call returns (it waits on the thread's bio list).
    auto* group = new Group(bio);
    auto* io = new Io;
    io->pipeline = this;
    io->group = group;
    io->write = bio->op == BioOp::Write;
    io->flags = bio->flags;
    io->sector512 = bio->sector;
    io->data = bio->data;
    io->bytes = std::min<uint64_t>(MaxPieceBytes, bio->size);
    group->pieces.addPiece();
    m_inFlight.fetch_add(1, std::memory_order_relaxed);
    traceStage(io, TraceStage::Mapped);
    if (bio->size > io->bytes) {
        auto* rest = new Remainder;
        rest->group = group;
        rest->op = bio->op;
        rest->flags = bio->flags;
        rest->sector = bio->sector + (io->bytes >> SectorShift);
        rest->data = bio->data + io->bytes;
        rest->size = bio->size - io->bytes;
        rest->endIo = &CryptPipeline::remainderDone;
        group->pieces.addPiece();
        m_entry->submit(rest);
    }
    if (!io->write)
        startRead(io);
    else if (c.flags.noWriteWorkqueue)
        convert(io, true); // encryption (and any wait for pages) in map, as the kernel does
    else
        queueCrypt(io);
    pieceDone(group, BioStatus::Ok, 0); // the splitter's own reference
}

// Teaching mode, the old design: the whole bio in this one map call, each piece encrypted inline
// with pages taken from the pool, waiting for them when it is empty — while the encrypted pieces
// already submitted wait on this thread's bio list until map returns.
void CryptPipeline::mapWholeBio(Bio* bio)
{
    auto* group = new Group(bio);
    for (uint64_t done = 0; done < bio->size; done += MaxPieceBytes) {
        auto* io = new Io;
        io->pipeline = this;
        io->group = group;
        io->write = bio->op == BioOp::Write;
        io->flags = bio->flags;
        io->sector512 = bio->sector + (done >> SectorShift);
        io->data = bio->data + done;
        io->bytes = std::min<uint64_t>(MaxPieceBytes, bio->size - done);
        group->pieces.addPiece();
        m_inFlight.fetch_add(1, std::memory_order_relaxed);
        traceStage(io, TraceStage::Mapped);
        if (io->write)
            convert(io, true);
        else
            startRead(io);
    }
    pieceDone(group, BioStatus::Ok, 0); // the splitter's own reference
}

void CryptPipeline::pieceDone(Group* group, BioStatus status, uint64_t errorSector)
{
    if (group->pieces.pieceDone(status, errorSector)) {
        Bio* clone = group->clone;
        const BioStatus final = group->pieces.status();
        const uint64_t failed = group->pieces.errorSector();
        delete group;
        clone->complete(final, failed);
    }
}

void CryptPipeline::remainderDone(Bio* bio)
{
    auto* rest = static_cast<Remainder*>(bio);
    Group* group = rest->group;
    const BioStatus status = rest->status;
    const uint64_t errorSector = rest->errorSector;
    delete rest;
    pieceDone(group, status, errorSector);
}

void CryptPipeline::startRead(Io* io)
{
    // A read clone that can be had without waiting is submitted from map; otherwise the io queue
    // waits for one, so map never blocks.
    if (takeReadClone()) {
        submitRead(io);
        return;
    }
    m_ioStage.enter();
    traceStage(io, TraceStage::IoQueued);
    m_ioQueue.push(io);
}

bool CryptPipeline::takeReadClone()
{
    // Never counts past the limit, not even for a moment, so no wake-up can be lost.
    int64_t current = m_readClones.load(std::memory_order_acquire);
    while (current < ReadCloneLimit) {
        if (m_readClones.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel))
            return true;
    }
    return false;
}

void CryptPipeline::ioLoop()
{
    std::vector<Io*> batch;
    while (m_ioQueue.popAll(batch)) {
        for (Io* io : batch) {
            const uint64_t start = nowNs();
            {
                std::unique_lock lock(m_readCloneMutex);
                m_readCloneFreed.wait(lock, [this] { return takeReadClone(); });
            }
            m_ioStage.addBusy(nowNs() - start);
            m_ioStage.leave(io->bytes);
            submitRead(io);
        }
    }
}

void CryptPipeline::submitRead(Io* io)
{
    Bio& lower = io->lower;
    lower.op = BioOp::Read;
    lower.flags = io->flags;
    lower.sector = m_config.start + io->sector512;
    lower.data = io->data; // decrypted in place in the caller's buffer
    lower.size = io->bytes;
    lower.endIo = &CryptPipeline::readDone;
    lower.priv = io;
    traceStage(io, TraceStage::LowerSubmitted);
    m_config.lower.device->submit(&lower);
}

void CryptPipeline::readDone(Bio* lower)
{
    Io* io = static_cast<Io*>(lower->priv);
    CryptPipeline* self = io->pipeline;
    self->traceStage(io, TraceStage::LowerCompleted);
    // The count never exceeds the limit, so a waiter can only be asleep after seeing it full.
    if (self->m_readClones.fetch_sub(1, std::memory_order_acq_rel) == ReadCloneLimit) {
        std::lock_guard lock(self->m_readCloneMutex);
        self->m_readCloneFreed.notify_one();
    }
    if (lower->status != BioStatus::Ok) {
        self->finish(io, lower->status, lower->errorSector - self->m_config.start);
        return;
    }
    if (self->m_config.flags.noReadWorkqueue)
        self->convert(io, false); // decrypt right here, in the completion context
    else
        self->queueCrypt(io);
}

void CryptPipeline::queueCrypt(Io* io)
{
    m_cryptStage.enter();
    traceStage(io, TraceStage::CryptQueued);
    size_t queue = 0;
    if (m_cryptQueues.size() > 1) {
        const int cpu = ::sched_getcpu();
        queue = static_cast<size_t>(cpu < 0 ? 0 : cpu) % m_cryptQueues.size();
    }
    m_cryptQueues[queue]->push(io);
}

void CryptPipeline::cryptWorker(unsigned index)
{
    WorkQueue<Io*>& queue = *m_cryptQueues[index % m_cryptQueues.size()];
    if (m_config.flags.sameCpuCrypt) {
        // Bound to "its" CPU like the kernel's per-CPU workqueue (best effort).
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(index % static_cast<unsigned>(std::max(1, QThread::idealThreadCount())), &set);
        ::pthread_setaffinity_np(::pthread_self(), sizeof(set), &set);
    }
    // One piece at a time: the workers share the queue (unless same_cpu_crypt), and a worker
    // that took the whole backlog would leave the others idle while it converts alone.
    while (const std::optional<Io*> io = queue.pop()) {
        const uint64_t start = nowNs();
        const size_t bytes = (*io)->bytes;
        convert(*io, true);
        m_cryptStage.addBusy(nowNs() - start);
        m_cryptStage.leave(bytes);
    }
}

void CryptPipeline::convert(Io* io, bool mayWait)
{
    if (io->write) {
        io->bounce = m_pool.take(io->bytes, true);
        if (!io->bounce) { // the watchdog failed the wait to break a deadlock
            finish(io, BioStatus::IoError, io->sector512);
            return;
        }
        if (isTeaching()) {
            std::lock_guard lock(m_holdersMutex);
            m_pageHolders.insert(io); // so a stall report can say which bios hold the pages
        }
    }
    if (!isAsync() || isTeaching()) {
        const bool ok = convertNow(io);
        if (!ok)
            finish(io, BioStatus::IoError, io->sector512);
        else if (io->write)
            writeConverted(io, false);
        else
            finish(io, BioStatus::Ok, 0);
        return;
    }
    traceStage(io, TraceStage::AsyncQueued);
    std::unique_lock lock(m_driverMutex);
    m_asyncStage.enter();
    if (m_driverQueue.size() < m_config.asyncQueueLength) {
        m_driverQueue.push_back(
            std::make_shared<AsyncRequest>(AsyncRequest{io, false, true})); // -EINPROGRESS
        m_driverReady.notify_one();
        return;
    }
    // -EBUSY: the request is backlogged; a caller that may wait does so until it starts.
    m_backlogged.fetch_add(1, std::memory_order_relaxed);
    auto backlogged = std::make_shared<AsyncRequest>(AsyncRequest{io, true, false});
    m_driverBacklog.push_back(backlogged);
    m_driverReady.notify_one();
    if (mayWait)
        m_driverReady.wait(lock, [&] { return backlogged->started || m_driverStopping; });
}

bool CryptPipeline::convertNow(Io* io)
{
    traceStage(io, TraceStage::CryptStarted);
    std::unique_ptr<CipherSet> ciphers = acquireCiphers();
    auto* data = reinterpret_cast<uint8_t*>(io->data);
    auto* out = io->write ? reinterpret_cast<uint8_t*>(io->bounce.get()) : data;
    const bool ok = ciphers->convert(io->write, io->sector512, data, out, io->bytes);
    releaseCiphers(std::move(ciphers));
    traceStage(io, TraceStage::CryptDone);
    return ok;
}

void CryptPipeline::driverLoop()
{
    std::unique_lock lock(m_driverMutex);
    for (;;) {
        m_driverReady.wait(lock, [this] { return !m_driverQueue.empty() || m_driverStopping; });
        if (m_driverQueue.empty())
            return;
        std::shared_ptr<AsyncRequest> request = std::move(m_driverQueue.front());
        m_driverQueue.pop_front();
        if (!m_driverBacklog.empty()) {
            // A backlogged request enters the queue: it has "started" (callback -EINPROGRESS).
            std::shared_ptr<AsyncRequest> next = std::move(m_driverBacklog.front());
            m_driverBacklog.pop_front();
            next->started = true;
            m_driverQueue.push_back(next);
            m_driverReady.notify_all();
        }
        lock.unlock();
        Io* io = request->io;
        const size_t bytes = io->bytes;
        request.reset();
        const uint64_t start = nowNs();
        const bool ok = convertNow(io);
        m_asyncStage.addBusy(nowNs() - start);
        m_asyncStage.leave(bytes);
        t_inAsyncCallback = true;
        asyncDone(io, ok);
        t_inAsyncCallback = false;
        lock.lock();
    }
}

void CryptPipeline::asyncDone(Io* io, bool ok)
{
    traceStage(io, TraceStage::AsyncDone);
    if (!ok)
        finish(io, BioStatus::IoError, io->sector512);
    else if (io->write)
        writeConverted(io, true);
    else
        finish(io, BioStatus::Ok, 0); // completing a read is allowed from the callback
}

void CryptPipeline::writeConverted(Io* io, bool async)
{
    const CryptFlags& f = m_config.flags;
    if (f.noWriteWorkqueue || (f.submitFromCryptCpus && !async) || isTeaching()) {
        submitWrite(io);
        return;
    }
    // Encryption finishes out of order on several workers: one thread submits in sector order.
    // Notified under the lock, for the same reason as WorkQueue::push.
    std::lock_guard lock(m_treeMutex);
    m_writeTree.emplace(m_config.start + io->sector512, io);
    m_writeStage.enter();
    traceStage(io, TraceStage::WriteQueued);
    m_treeReady.notify_one();
}

void CryptPipeline::writerLoop()
{
    std::multimap<uint64_t, Io*> batch;
    std::unique_lock lock(m_treeMutex);
    for (;;) {
        m_treeReady.wait(lock, [this] { return !m_writeTree.empty() || m_stopping; });
        if (m_writeTree.empty())
            return;
        batch.swap(m_writeTree);
        lock.unlock();
        const uint64_t start = nowNs();
        // Take the lowest node each time: a submitted write may complete (and free) at once.
        while (!batch.empty()) {
            Io* io = batch.begin()->second;
            batch.erase(batch.begin());
            m_writeStage.leave(io->bytes);
            submitWrite(io);
        }
        m_writeStage.addBusy(nowNs() - start);
        lock.lock();
    }
}

void CryptPipeline::submitWrite(Io* io)
{
    Q_ASSERT(!t_inAsyncCallback || m_config.flags.noWriteWorkqueue);
    Bio& lower = io->lower;
    lower.op = BioOp::Write;
    lower.flags = io->flags;
    lower.sector = m_config.start + io->sector512;
    lower.data = io->bounce.get();
    lower.size = io->bytes;
    lower.endIo = &CryptPipeline::writeDone;
    lower.priv = io;
    traceStage(io, TraceStage::LowerSubmitted);
    m_config.lower.device->submit(&lower);
}

void CryptPipeline::writeDone(Bio* lower)
{
    Io* io = static_cast<Io*>(lower->priv);
    CryptPipeline* self = io->pipeline;
    self->traceStage(io, TraceStage::LowerCompleted);
    const uint64_t errorSector =
        lower->status == BioStatus::Ok ? 0 : lower->errorSector - self->m_config.start;
    self->finish(io, lower->status, errorSector);
}

void CryptPipeline::finish(Io* io, BioStatus status, uint64_t errorSector)
{
    if (status != BioStatus::Ok)
        m_errors.fetch_add(1, std::memory_order_relaxed);
    if (io->bounce) {
        {
            std::lock_guard lock(m_holdersMutex);
            m_pageHolders.erase(io);
        }
        m_pool.give(std::move(io->bounce), io->bytes);
    }
    traceStage(io, TraceStage::Completed);
    Group* group = io->group;
    delete io;
    m_inFlight.fetch_sub(1, std::memory_order_relaxed);
    pieceDone(group, status, errorSector); // nothing of this pipeline is touched after this
}

CryptMetrics CryptPipeline::metrics() const
{
    CryptMetrics m;
    m.ioQueue = m_ioStage.snapshot();
    m.cryptQueue = m_cryptStage.snapshot();
    m.writeTree = m_writeStage.snapshot();
    m.asyncQueue = m_asyncStage.snapshot();
    m.poolPagesInUse = m_pool.inUse();
    m.poolPageLimit = m_pool.limit();
    m.biosInFlight = m_inFlight.load(std::memory_order_relaxed);
    m.errors = m_errors.load(std::memory_order_relaxed);
    m.asyncBacklogged = m_backlogged.load(std::memory_order_relaxed);
    m.asyncMode = isAsync();
    m.teachingMode = isTeaching();
    return m;
}

void CryptPipeline::traceStage(const Io* io, TraceStage stage)
{
    if (!m_trace.enabled())
        return;
    if (!io->traceId)
        const_cast<Io*>(io)->traceId = m_trace.nextId(); // first event of a piece while tracing
    m_trace.record({io->traceId, stage, io->write, io->sector512, io->bytes, nowNs()});
}

QStringList CryptPipeline::poolWaiters() const
{
    return m_pool.waiters();
}

QStringList CryptPipeline::pageHolders() const
{
    QStringList holders;
    std::lock_guard lock(m_holdersMutex);
    for (const Io* io : m_pageHolders) {
        holders += QStringLiteral("write sector %1+%2 (%3 pages)")
                       .arg(io->sector512)
                       .arg(io->bytes >> SectorShift)
                       .arg(PagePool::pagesFor(io->bytes));
    }
    return holders;
}

void CryptPipeline::failPoolWaiters()
{
    m_pool.failWaiters();
}

} // namespace cryptstack
