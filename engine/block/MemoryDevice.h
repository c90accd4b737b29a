// A block device in memory, for tests and scratch stacks. Requests complete synchronously on the
// submitting thread unless completeOnThread is set, in which case a completion thread serves them
// (the same "interrupt context" as FileDevice).
#pragma once

#include "BlockDevice.h"
#include "core/NamedThread.h"
#include "core/WorkQueue.h"

#include <memory>
#include <mutex>
#include <vector>

namespace cryptstack {

class MemoryDevice final : public BlockDevice
{
public:
    explicit MemoryDevice(uint64_t sectors, QString name = QStringLiteral("memory"),
                          bool completeOnThread = false);
    ~MemoryDevice() override;

    QString displayName() const override { return m_name; }
    uint64_t sectors() const override { return m_sectors; }

    // Direct access for test set-up and checks, bypassing the request path.
    std::vector<std::byte> snapshot(uint64_t offset, uint64_t bytes) const;
    void fill(uint64_t offset, const void* data, uint64_t bytes);

protected:
    void startRequest(Bio* bio) override;

private:
    void serve(Bio* bio);

    const QString m_name;
    const uint64_t m_sectors;
    mutable std::mutex m_mutex;
    std::vector<std::byte> m_bytes;
    WorkQueue<Bio*> m_queue;
    std::unique_ptr<NamedThread> m_thread;
};

} // namespace cryptstack
