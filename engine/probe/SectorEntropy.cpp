#include "SectorEntropy.h"

#include <cmath>

namespace cryptstack {

void ByteHistogram::add(std::span<const uint8_t> bytes)
{
    for (uint8_t byte : bytes)
        ++counts[byte];
    total += bytes.size();
}

void ByteHistogram::addZeroes(uint64_t count)
{
    counts[0] += count;
    total += count;
}

double SectorEntropy::bitsPerByte(const ByteHistogram& histogram)
{
    if (histogram.total == 0)
        return 0;
    double bits = 0;
    const double total = double(histogram.total);
    for (uint64_t count : histogram.counts) {
        if (count == 0)
            continue;
        const double p = double(count) / total;
        bits -= p * std::log2(p);
    }
    return bits;
}

double SectorEntropy::expectedRandomBits(uint64_t bytes)
{
    if (bytes == 0)
        return 0;
    // The plug-in estimator's bias for 256 equally likely symbols (Miller–Madow); below 256
    // bytes not every value can even appear, so the estimate is bounded by log2(n) as well.
    const double n = double(bytes);
    return std::min(8.0 - 255.0 / (2.0 * n * std::log(2.0)), std::log2(n));
}

SectorClass SectorEntropy::classify(const ByteHistogram& histogram)
{
    if (histogram.total == 0 || histogram.counts[0] == histogram.total)
        return SectorClass::Zeroed;
    uint64_t printable = 0;
    for (int byte = 0x20; byte < 0x7f; ++byte)
        printable += histogram.counts[size_t(byte)];
    printable += histogram.counts['\t'] + histogram.counts['\n'] + histogram.counts['\r'];
    const double bits = bitsPerByte(histogram);
    // Ciphertext sits within a few tenths of a bit of the random yardstick; text and most
    // structured data stay far below it (English text is about 4.5 bits/byte).
    if (bits >= expectedRandomBits(histogram.total) - 0.35)
        return SectorClass::CiphertextLike;
    if (double(printable) >= 0.85 * double(histogram.total))
        return SectorClass::PlaintextLike;
    // Ciphertext next to zeroes (a partly written area) has low entropy overall, but its
    // non-zero bytes alone still look random: that is a mix, not plaintext.
    ByteHistogram nonZero = histogram;
    nonZero.total -= nonZero.counts[0];
    nonZero.counts[0] = 0;
    if (nonZero.total >= 256 && bitsPerByte(nonZero) >= expectedRandomBits(nonZero.total) - 0.35)
        return SectorClass::Mixed;
    return bits < 5.0 ? SectorClass::PlaintextLike : SectorClass::Mixed;
}

SectorClass SectorEntropy::classify(std::span<const uint8_t> bytes)
{
    ByteHistogram histogram;
    histogram.add(bytes);
    return classify(histogram);
}

} // namespace cryptstack
