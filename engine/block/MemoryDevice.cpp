#include "MemoryDevice.h"

#include <algorithm>
#include <cstring>

namespace cryptstack {

MemoryDevice::MemoryDevice(uint64_t sectors, QString name, bool completeOnThread)
    : m_name(std::move(name)), m_sectors(sectors), m_bytes(sectors << SectorShift)
{
    if (completeOnThread) {
        m_thread = std::make_unique<NamedThread>(
            QStringLiteral("mem/%1").arg(m_name),
            [this] {
                CompletionContextScope interruptContext;
                std::vector<Bio*> batch;
                while (m_queue.popAll(batch)) {
                    for (Bio* bio : batch)
                        serve(bio);
                }
            },
            [this] { m_queue.close(); });
    }
}

MemoryDevice::~MemoryDevice()
{
    m_queue.close();
    m_thread.reset();
}

void MemoryDevice::startRequest(Bio* bio)
{
    if (m_thread)
        m_queue.push(bio);
    else
        serve(bio);
}

void MemoryDevice::serve(Bio* bio)
{
    if (bio->op != BioOp::Flush && (bio->sector > m_sectors || bio->sectors() > m_sectors - bio->sector)) {
        bio->complete(BioStatus::OutOfRange, bio->sector);
        return;
    }
    const uint64_t offset = bio->sector << SectorShift;
    {
        std::lock_guard lock(m_mutex);
        switch (bio->op) {
        case BioOp::Read:
            std::memcpy(bio->data, m_bytes.data() + offset, bio->size);
            break;
        case BioOp::Write:
            std::memcpy(m_bytes.data() + offset, bio->data, bio->size);
            break;
        case BioOp::Discard:
            std::fill_n(m_bytes.begin() + static_cast<ptrdiff_t>(offset), bio->size, std::byte{0});
            break;
        case BioOp::Flush:
            break;
        }
    }
    bio->complete(BioStatus::Ok);
}

std::vector<std::byte> MemoryDevice::snapshot(uint64_t offset, uint64_t bytes) const
{
    std::lock_guard lock(m_mutex);
    return {m_bytes.begin() + static_cast<ptrdiff_t>(offset),
            m_bytes.begin() + static_cast<ptrdiff_t>(offset + bytes)};
}

void MemoryDevice::fill(uint64_t offset, const void* data, uint64_t bytes)
{
    std::lock_guard lock(m_mutex);
    std::memcpy(m_bytes.data() + offset, data, bytes);
}

} // namespace cryptstack
