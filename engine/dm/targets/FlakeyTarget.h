// dm-flakey: "<device> <offset> <up interval> <down interval> [<#features> <features>…]".
// Behaves like linear for <up> seconds, then misbehaves for <down> seconds, and repeats. Features:
// error_reads, drop_writes, error_writes, corrupt_bio_byte <Nth> <r|w> <value> <flags>,
// random_read_corrupt <p>, random_write_corrupt <p> (p out of 1,000,000,000). With no feature,
// reads and writes both fail while down (the kernel's behaviour since error_reads exists).
#pragma once

#include "dm/Target.h"

#include <random>

namespace cryptstack {

class FlakeyTarget final : public Target
{
public:
    static Result<std::unique_ptr<Target>> create(const TargetContext& context, const QStringList& words);

    void map(Bio* bio) override;
    void endIo(Bio* bio) override;
    QString status(StatusType type, bool showKeys) const override;
    QList<DeviceArea> devices() const override;

    bool isDown() const;

private:
    enum class Direction { None, Read, Write };
    struct Features
    {
        bool errorReads = false;
        bool dropWrites = false;
        bool errorWrites = false;
        uint32_t corruptByte = 0; // 1-based; 0 = off
        Direction corruptDirection = Direction::None;
        uint32_t corruptValue = 0;
        uint32_t corruptFlags = 0;
        uint32_t randomReadCorrupt = 0;
        uint32_t randomWriteCorrupt = 0;
    };
    struct WriteBounce;

    FlakeyTarget() = default;
    static Status parseFeatures(class TargetArgs& args, Features* features);
    bool flagsMatch(const Bio* bio) const;
    bool chance(uint32_t probability);
    void corruptRandomByte(std::byte* data, uint64_t size);

    DeviceRef m_device;
    uint64_t m_start = 0;
    uint64_t m_length = 0;
    uint32_t m_upSeconds = 0;
    uint32_t m_downSeconds = 0;
    Features m_features;
    std::function<std::chrono::steady_clock::time_point()> m_now;
    std::chrono::steady_clock::time_point m_startTime;
    std::mutex m_randomMutex;
    std::mt19937_64 m_random{std::random_device{}()};
};

} // namespace cryptstack
