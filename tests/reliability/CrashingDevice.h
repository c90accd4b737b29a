// A device that "loses power" after a budget of written sectors: writes are accepted in
// submission order, 512-byte sector by sector, until the budget is used; the write that crosses
// it keeps only its first whole sectors and fails, and every later write fails too. Reads keep
// working and flushes succeed until the crash. Without a budget it only counts what was written
// (the W of a crash loop).
//
// The bytes live in a copy-on-write overlay over a shared, never modified base image, so one
// crash case costs what the verb writes, not a copy of a 16 MiB LUKS2 image.
#pragma once

#include "block/BlockDevice.h"

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cryptstack::test {

class CrashingDevice final : public BlockDevice
{
public:
    using Image = std::vector<std::byte>;
    using Sector = std::array<std::byte, SectorSize>;
    struct WrittenSector
    {
        uint64_t sector = 0;
        Sector data = {};
    };

    // base.size() must be a multiple of 512. budgetSectors: how many sectors survive; none means
    // the device never crashes.
    CrashingDevice(std::shared_ptr<const Image> base, std::optional<uint64_t> budgetSectors,
                   uint32_t logicalBlockSize = SectorSize);

    QString displayName() const override { return QStringLiteral("crashing"); }
    uint64_t sectors() const override { return m_base->size() >> SectorShift; }
    uint32_t logicalBlockSize() const override { return m_blockSize; }

    bool crashed() const;
    // Whole sectors the device accepted (with no budget: everything the verb wrote).
    uint64_t persistedSectors() const;
    // A fresh device holding exactly the bytes that survived, with no budget: what the machine
    // finds after the reboot (reload, unlock, repair run over it).
    std::shared_ptr<CrashingDevice> survivor() const;
    // The whole image as it stands now.
    Image bytes() const;
    // Keeps every accepted sector in submission order (a verb whose W is too large to rerun for
    // every N: the image a crash at N leaves is the base plus the first N logged sectors).
    void setRecording(bool on);
    std::vector<WrittenSector> writeLog() const;
    // Stores one logged sector directly, outside the budget (replaying a log).
    void put(const WrittenSector& written);

protected:
    void startRequest(Bio* bio) override;

private:
    std::shared_ptr<const Image> m_base;
    const std::optional<uint64_t> m_budget;
    const uint32_t m_blockSize;
    mutable std::mutex m_mutex;
    std::unordered_map<uint64_t, Sector> m_overlay;
    uint64_t m_persisted = 0;
    bool m_crashed = false;
    bool m_recording = false;
    std::vector<WrittenSector> m_log;
};

} // namespace cryptstack::test
