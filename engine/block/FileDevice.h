// A block device over an image file. Requests are served by pread/pwrite on the device's own
// completion threads, which are the engine's "interrupt context": completion callbacks run there
// and must not block on pools or wait for I/O (CompletionContextScope is active on them).
#pragma once

#include "BlockDevice.h"
#include "core/NamedThread.h"
#include "core/WorkQueue.h"

#include <memory>
#include <vector>

namespace cryptstack {

class FileDevice final : public BlockDevice
{
public:
    enum class Access { ReadWrite, ReadOnly };

    // Opens an existing image file. The file is never created, truncated or written by opening.
    static Result<std::shared_ptr<FileDevice>> open(const QString& path, Access access = Access::ReadWrite,
                                                    int completionThreads = 2);
    ~FileDevice() override;

    QString displayName() const override { return m_path; }
    uint64_t sectors() const override { return m_sectors; }
    bool isReadOnly() const override { return m_access == Access::ReadOnly; }

    const QString& path() const { return m_path; }

protected:
    void startRequest(Bio* bio) override;

private:
    FileDevice(QString path, int fd, uint64_t sectors, Access access, int completionThreads);
    void serve(Bio* bio) const;

    const QString m_path;
    const int m_fd;
    const uint64_t m_sectors;
    const Access m_access;
    WorkQueue<Bio*> m_queue;
    std::vector<std::unique_ptr<NamedThread>> m_threads;
};

} // namespace cryptstack
