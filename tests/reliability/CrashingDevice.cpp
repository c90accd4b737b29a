#include "CrashingDevice.h"

#include <algorithm>
#include <cstring>

namespace cryptstack::test {

CrashingDevice::CrashingDevice(std::shared_ptr<const Image> base, std::optional<uint64_t> budgetSectors,
                               uint32_t logicalBlockSize)
    : m_base(std::move(base)), m_budget(budgetSectors), m_blockSize(logicalBlockSize)
{
    Q_ASSERT(m_base->size() % SectorSize == 0);
}

bool CrashingDevice::crashed() const
{
    std::lock_guard lock(m_mutex);
    return m_crashed;
}

uint64_t CrashingDevice::persistedSectors() const
{
    std::lock_guard lock(m_mutex);
    return m_persisted;
}

std::shared_ptr<CrashingDevice> CrashingDevice::survivor() const
{
    auto copy = std::make_shared<CrashingDevice>(m_base, std::nullopt, m_blockSize);
    std::lock_guard lock(m_mutex);
    copy->m_overlay = m_overlay;
    return copy;
}

CrashingDevice::Image CrashingDevice::bytes() const
{
    Image image = *m_base;
    std::lock_guard lock(m_mutex);
    for (const auto& [sector, data] : m_overlay)
        std::memcpy(image.data() + (sector << SectorShift), data.data(), SectorSize);
    return image;
}

void CrashingDevice::setRecording(bool on)
{
    std::lock_guard lock(m_mutex);
    m_recording = on;
}

std::vector<CrashingDevice::WrittenSector> CrashingDevice::writeLog() const
{
    std::lock_guard lock(m_mutex);
    return m_log;
}

void CrashingDevice::put(const WrittenSector& written)
{
    std::lock_guard lock(m_mutex);
    m_overlay[written.sector] = written.data;
}

void CrashingDevice::startRequest(Bio* bio)
{
    if (bio->op != BioOp::Flush && (bio->sector > sectors() || bio->sectors() > sectors() - bio->sector)) {
        bio->complete(BioStatus::OutOfRange, bio->sector);
        return;
    }
    BioStatus status = BioStatus::Ok;
    uint64_t failed = 0;
    {
        std::lock_guard lock(m_mutex);
        switch (bio->op) {
        case BioOp::Read:
            for (uint64_t i = 0; i < bio->sectors(); ++i) {
                const uint64_t sector = bio->sector + i;
                const auto found = m_overlay.find(sector);
                const std::byte* from = found != m_overlay.end() ? found->second.data()
                                                                 : m_base->data() + (sector << SectorShift);
                std::memcpy(bio->data + (i << SectorShift), from, SectorSize);
            }
            break;
        case BioOp::Write:
        case BioOp::Discard: {
            // Submission order is persistence order; a discard counts as writing zeroes.
            uint64_t accepted = bio->sectors();
            if (m_crashed)
                accepted = 0;
            else if (m_budget)
                accepted = std::min(accepted, *m_budget - m_persisted);
            for (uint64_t i = 0; i < accepted; ++i) {
                Sector& target = m_overlay[bio->sector + i];
                if (bio->op == BioOp::Write)
                    std::memcpy(target.data(), bio->data + (i << SectorShift), SectorSize);
                else
                    target.fill(std::byte{0});
                if (m_recording)
                    m_log.push_back({bio->sector + i, target});
            }
            m_persisted += accepted;
            if (accepted < bio->sectors()) {
                m_crashed = true;
                status = BioStatus::IoError;
                failed = bio->sector + accepted;
            }
            break;
        }
        case BioOp::Flush:
            if (m_crashed)
                status = BioStatus::IoError;
            break;
        }
    }
    bio->complete(status, failed);
}

} // namespace cryptstack::test
