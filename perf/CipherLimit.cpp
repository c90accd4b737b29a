#include "CipherLimit.h"

#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace cryptstack::perf {

namespace {

// Each thread works on 1 MiB, the benchmark's request size, so the data stays in L2-sized slices
// as it does in the target.
constexpr size_t BufferBytes = 1u << 20;

struct ThreadOutcome
{
    uint64_t bytes = 0;
    bool ok = true;
};

void runThread(const EVP_CIPHER* cipher, unsigned sectorSize, bool encrypt,
               std::chrono::steady_clock::time_point until, ThreadOutcome& outcome)
{
    std::array<uint8_t, 64> key{};
    for (size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<uint8_t>(i * 7 + 1); // the two XTS halves must differ
    std::vector<uint8_t> buffer(BufferBytes, 0x5a);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const int enc = encrypt ? 1 : 0;
    if (!ctx || EVP_CipherInit_ex2(ctx, cipher, key.data(), nullptr, enc, nullptr) != 1) {
        outcome.ok = false;
        EVP_CIPHER_CTX_free(ctx);
        return;
    }
    std::array<uint8_t, 16> iv{};
    uint64_t sector = 0;
    while (std::chrono::steady_clock::now() < until) {
        for (size_t offset = 0; offset < BufferBytes; offset += sectorSize, ++sector) {
            std::memcpy(iv.data(), &sector, sizeof sector); // plain64: the little-endian sector
            int written = 0;
            if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), -1) != 1 ||
                EVP_CipherUpdate(ctx, buffer.data() + offset, &written, buffer.data() + offset,
                                 static_cast<int>(sectorSize)) != 1) {
                outcome.ok = false;
                EVP_CIPHER_CTX_free(ctx);
                return;
            }
        }
        outcome.bytes += BufferBytes;
    }
    EVP_CIPHER_CTX_free(ctx);
}

} // namespace

CipherLimitResult measureAesXtsLimit(unsigned sectorSize, bool encrypt, unsigned threads,
                                     std::chrono::milliseconds duration)
{
    CipherLimitResult result;
    result.threads = threads;
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-XTS", nullptr);
    if (!cipher)
        return result;
    std::vector<ThreadOutcome> outcomes(threads);
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    const auto until = start + duration;
    for (unsigned i = 0; i < threads; ++i)
        workers.emplace_back(runThread, cipher, sectorSize, encrypt, until, std::ref(outcomes[i]));
    for (std::thread& worker : workers)
        worker.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EVP_CIPHER_free(cipher);
    uint64_t bytes = 0;
    result.ok = true;
    for (const ThreadOutcome& outcome : outcomes) {
        bytes += outcome.bytes;
        result.ok = result.ok && outcome.ok;
    }
    result.bytesPerSecond = static_cast<double>(bytes) / seconds;
    return result;
}

} // namespace cryptstack::perf
