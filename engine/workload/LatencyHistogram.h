// A log-linear histogram of latencies in nanoseconds: 16 linear buckets per power of two, so any
// percentile is within about 6% of the true value at a fixed 8 KiB, whatever the range.
#pragma once

#include <array>
#include <cstdint>

namespace cryptstack {

class LatencyHistogram
{
public:
    void record(uint64_t nanoseconds);
    void merge(const LatencyHistogram& other);

    uint64_t count() const { return m_count; }
    uint64_t maxNs() const { return m_max; }
    uint64_t meanNs() const { return m_count ? m_sum / m_count : 0; }
    // The value below which `fraction` (0..1) of the samples lie: the middle of its bucket,
    // clamped to the largest sample (the answer for the last rank). 0 when empty.
    uint64_t percentileNs(double fraction) const;

private:
    static constexpr unsigned SubBits = 4;
    static constexpr unsigned SubBuckets = 1u << SubBits;
    static constexpr unsigned Buckets = (64 - SubBits + 1) * SubBuckets;

    static unsigned bucketOf(uint64_t value);
    static uint64_t lowerBound(unsigned bucket);
    static uint64_t width(unsigned bucket);

    std::array<uint64_t, Buckets> m_buckets{};
    uint64_t m_count = 0;
    uint64_t m_sum = 0;
    uint64_t m_max = 0;
};

} // namespace cryptstack
