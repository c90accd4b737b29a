// The crypt target's data path, stage for stage as in the kernel's dm-crypt:
//
//   reads:  map -> lower device (or kcryptd_io when no read clone can be had without waiting)
//           -> completion -> kcryptd worker decrypts in place -> caller
//   writes: map -> kcryptd worker (bounce pages from the pool, encrypt) -> sorted write tree
//           -> dmcrypt_write thread submits in sector order -> lower device -> caller
//
// map never blocks (so stacked devices cannot deadlock); the crypt workers are where waiting for
// pool pages is allowed. no_read_workqueue decrypts in the lower device's completion context,
// no_write_workqueue encrypts in map and submits at once, submit_from_crypt_cpus lets a worker
// submit its own synchronously encrypted write, same_cpu_crypt keeps work on the submitter's CPU.
// With the async cipher switched on, conversions go to a cryptd-like driver thread that answers
// "in progress" or "busy" (backlog) and completes by callback on its own thread; that callback
// never submits I/O itself (unless no_write_workqueue): finished writes travel through the write
// thread, as in the kernel. Work is handed between threads once per bio, never per sector.
#pragma once

#include "BioTrace.h"
#include "CipherSet.h"
#include "CryptMetrics.h"
#include "PagePool.h"
#include "core/NamedThread.h"
#include "core/WorkQueue.h"
#include "dm/Target.h"

#include <deque>
#include <map>
#include <set>

namespace cryptstack {

struct CryptFlags
{
    bool allowDiscards = false;
    bool sameCpuCrypt = false;
    bool highPriority = false;
    bool submitFromCryptCpus = false;
    bool noReadWorkqueue = false;
    bool noWriteWorkqueue = false;
};

class CryptPipeline
{
public:
    struct Config
    {
        QString deviceName;
        DeviceRef lower;
        uint64_t start = 0; // first sector on the lower device
        unsigned sectorSize = 512;
        CryptFlags flags;
        unsigned workers = 0; // 0: one per core
        uint64_t poolPages = 4096;
        unsigned asyncQueueLength = 32;
    };

    CryptPipeline(Config config, std::unique_ptr<CipherSet> ciphers);
    ~CryptPipeline();
    CryptPipeline(const CryptPipeline&) = delete;
    CryptPipeline& operator=(const CryptPipeline&) = delete;

    void map(Bio* bio);

    // Runtime engine settings (not table options, so tables stay kernel-compatible).
    void setAsync(bool on) { m_async.store(on, std::memory_order_release); }
    bool isAsync() const { return m_async.load(std::memory_order_acquire); }
    void setPoolPages(uint64_t pages) { m_pool.setLimit(pages); }
    // Teaching mode: the old design, where map encrypts inline and waits for pool pages itself.
    void setTeaching(bool on) { m_teaching.store(on, std::memory_order_release); }
    bool isTeaching() const { return m_teaching.load(std::memory_order_acquire); }
    // For the watchdog: who waits for pool pages, and failing those waits to break a deadlock.
    QStringList poolWaiters() const;
    // In teaching mode: the writes holding pool pages, e.g. "write sector 0+256 (32 pages)".
    QStringList pageHolders() const;
    void failPoolWaiters();
    // After "key set" (the device is suspended and drained).
    void replaceCiphers(std::unique_ptr<CipherSet> ciphers);

    CryptMetrics metrics() const;
    BioTrace& trace() { return m_trace; }

    // Largest piece a bio is split into (the kernel's default max_read_size / max_write_size).
    static constexpr uint64_t MaxPieceBytes = 131072;

private:
    struct Io;
    struct Group;
    struct AsyncRequest;
    struct Remainder;
    class Entry;

    void raisePriorityIfAsked() const;
    std::unique_ptr<CipherSet> acquireCiphers();
    void releaseCiphers(std::unique_ptr<CipherSet> set);

    void mapWholeBio(Bio* bio);
    bool takeReadClone();
    void startRead(Io* io);
    void submitRead(Io* io);
    static void readDone(Bio* lower);
    static void remainderDone(Bio* bio);
    // Drops one reference of a split bio; the last completes the caller's bio.
    static void pieceDone(Group* group, BioStatus status, uint64_t errorSector);
    void queueCrypt(Io* io);
    void cryptWorker(unsigned index);
    void convert(Io* io, bool mayWait);
    bool convertNow(Io* io);
    void writeConverted(Io* io, bool async);
    void submitWrite(Io* io);
    static void writeDone(Bio* lower);
    void writerLoop();
    void ioLoop();
    void driverLoop();
    void asyncDone(Io* io, bool ok);
    void finish(Io* io, BioStatus status, uint64_t errorSector);
    void traceStage(const Io* io, TraceStage stage);

    Config m_config;
    std::atomic<bool> m_async{false};
    std::atomic<bool> m_teaching{false};
    PagePool m_pool;

    std::mutex m_ciphersMutex;
    std::unique_ptr<CipherSet> m_cipherTemplate;
    std::unique_ptr<BlockDevice> m_entry;
    std::vector<std::unique_ptr<CipherSet>> m_idleCiphers;

    // Read clones in flight; beyond the limit a read waits on the io queue instead of in map.
    std::atomic<int64_t> m_readClones{0};
    static constexpr int64_t ReadCloneLimit = 256;
    std::mutex m_readCloneMutex;
    std::condition_variable m_readCloneFreed;

    std::vector<std::unique_ptr<WorkQueue<Io*>>> m_cryptQueues; // one shared, or one per CPU
    WorkQueue<Io*> m_ioQueue;

    std::mutex m_treeMutex;
    std::condition_variable m_treeReady;
    std::multimap<uint64_t, Io*> m_writeTree; // keyed by lower sector; equal keys keep arrival order
    bool m_stopping = false;

    // The async driver: a bounded queue plus a backlog of requests that met it full.
    std::mutex m_driverMutex;
    std::condition_variable m_driverReady;
    std::deque<std::shared_ptr<AsyncRequest>> m_driverQueue;
    std::deque<std::shared_ptr<AsyncRequest>> m_driverBacklog;
    bool m_driverStopping = false;

    BioTrace m_trace;
    mutable std::mutex m_holdersMutex;
    std::set<const Io*> m_pageHolders;
    StageCounter m_ioStage, m_cryptStage, m_writeStage, m_asyncStage;
    std::atomic<int64_t> m_inFlight{0};
    std::atomic<uint64_t> m_errors{0};
    std::atomic<uint64_t> m_backlogged{0};

    std::vector<std::unique_ptr<NamedThread>> m_threads;
};

} // namespace cryptstack
