// Log-linear latency histogram.
#include "LatencyHistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cryptstack {

unsigned LatencyHistogram::bucketOf(uint64_t value)
{
    if (value < SubBuckets)
        return static_cast<unsigned>(value);
    // Group g >= 1 holds [2^(g+3), 2^(g+4)), split into 16 equal steps.
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));
    const unsigned group = msb - SubBits + 1;
    return group * SubBuckets + static_cast<unsigned>((value >> (msb - SubBits)) & (SubBuckets - 1));
}

uint64_t LatencyHistogram::lowerBound(unsigned bucket)
{
    const unsigned group = bucket / SubBuckets;
    if (group == 0)
        return bucket;
    return (uint64_t{SubBuckets} + bucket % SubBuckets) << (group - 1);
}

uint64_t LatencyHistogram::width(unsigned bucket)
{
    const unsigned group = bucket / SubBuckets;
    return group == 0 ? 1 : uint64_t{1} << (group - 1);
}

void LatencyHistogram::record(uint64_t nanoseconds)
{
    ++m_buckets[bucketOf(nanoseconds)];
    ++m_count;
    m_sum += nanoseconds;
    m_max = std::max(m_max, nanoseconds);
}

void LatencyHistogram::merge(const LatencyHistogram& other)
{
    for (unsigned i = 0; i < Buckets; ++i)
        m_buckets[i] += other.m_buckets[i];
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_max = std::max(m_max, other.m_max);
}

uint64_t LatencyHistogram::percentileNs(double fraction) const
{
    if (m_count == 0)
        return 0;
    const double clamped = std::clamp(fraction, 0.0, 1.0);
    // The rank of the sample asked for, counting from 1.
    const auto rank =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(clamped * static_cast<double>(m_count))));
    if (rank >= m_count)
        return m_max;
    uint64_t seen = 0;
    for (unsigned i = 0; i < Buckets; ++i) {
        seen += m_buckets[i];
        if (seen >= rank)
            return std::min(m_max, lowerBound(i) + width(i) / 2);
    }
    return m_max;
}

} // namespace cryptstack
