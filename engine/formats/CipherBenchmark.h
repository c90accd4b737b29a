// cryptsetup benchmark's cipher measurement, shared by the CLI's `benchmark` verb and the desktop
// application's benchmark view: a mode(cipher) with a random key, run over 1 MiB buffers in
// 4 KiB units (a fresh IV per unit) in memory, each direction for a short fixed time.
#pragma once

#include <QString>

#include <atomic>
#include <chrono>
#include <optional>
#include <vector>

namespace cryptstack {

struct CipherSpeed
{
    double encryptMiBps = 0;
    double decryptMiBps = 0;
};

struct CipherBenchmarkRow
{
    QString cipher; // "aes"
    QString mode;   // "xts"
    size_t keyBytes = 0;
    QString label() const { return cipher + u'-' + mode; }
};

namespace CipherBenchmark {

// The rows `cryptsetup benchmark` prints, in its order.
const std::vector<CipherBenchmarkRow>& standardRows();

// MiB/s in both directions, or nothing when the combination (or that key size) is unavailable or
// the measurement was cancelled.
std::optional<CipherSpeed> measure(const CipherBenchmarkRow& row,
                                   std::chrono::milliseconds perDirection = std::chrono::milliseconds(100),
                                   const std::atomic_bool* cancel = nullptr);

} // namespace CipherBenchmark

} // namespace cryptstack
