#include "formats/CipherBenchmark.h"

#include "crypt/CipherBackend.h"
#include "formats/SecureRandom.h"

namespace cryptstack::CipherBenchmark {

namespace {

constexpr size_t BufferBytes = 1 << 20;
constexpr size_t UnitBytes = 4096;

// MiB/s of one direction: whole 1 MiB buffers until the time is up; -1 on a cipher failure or
// cancel.
double measureDirection(SectorCipher& cipher, bool encrypt, std::vector<uint8_t>& buffer,
                        std::chrono::milliseconds duration, const std::atomic_bool* cancel)
{
    std::vector<uint8_t> iv(cipher.ivSize());
    const auto start = std::chrono::steady_clock::now();
    uint64_t bytes = 0;
    uint64_t unit = 0;
    auto elapsed = std::chrono::steady_clock::duration::zero();
    do {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return -1;
        for (size_t at = 0; at < buffer.size(); at += UnitBytes, ++unit) {
            for (size_t i = 0; i < iv.size() && i < 8; ++i)
                iv[i] = static_cast<uint8_t>(unit >> (8 * i));
            uint8_t* data = buffer.data() + at;
            uint8_t* ivData = iv.empty() ? nullptr : iv.data();
            const bool ok = encrypt ? cipher.encrypt(ivData, data, data, UnitBytes)
                                    : cipher.decrypt(ivData, data, data, UnitBytes);
            if (!ok)
                return -1;
        }
        bytes += buffer.size();
        elapsed = std::chrono::steady_clock::now() - start;
    } while (elapsed < duration);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

} // namespace

const std::vector<CipherBenchmarkRow>& standardRows()
{
    static const std::vector<CipherBenchmarkRow> rows = [] {
        std::vector<CipherBenchmarkRow> list;
        for (const auto& [mode, keyBytes] : {std::pair{"cbc", 16}, {"cbc", 32}, {"xts", 32}, {"xts", 64}})
            for (const char* cipher : {"aes", "serpent", "twofish"})
                list.push_back({QLatin1String(cipher), QLatin1String(mode), static_cast<size_t>(keyBytes)});
        return list;
    }();
    return rows;
}

std::optional<CipherSpeed> measure(const CipherBenchmarkRow& row, std::chrono::milliseconds perDirection,
                                   const std::atomic_bool* cancel)
{
    std::vector<uint8_t> key(row.keyBytes);
    if (!SecureRandom::fill(key)) // a throwaway key, but random so no cipher shortcut applies
        return std::nullopt;
    auto cipher = CipherFactory::createSectorCipher(row.cipher, row.mode, key);
    if (!cipher)
        return std::nullopt;
    std::vector<uint8_t> buffer(BufferBytes, 0x5a);
    CipherSpeed speed;
    speed.encryptMiBps = measureDirection(**cipher, true, buffer, perDirection, cancel);
    speed.decryptMiBps = measureDirection(**cipher, false, buffer, perDirection, cancel);
    if (speed.encryptMiBps < 0 || speed.decryptMiBps < 0)
        return std::nullopt;
    return speed;
}

} // namespace cryptstack::CipherBenchmark
