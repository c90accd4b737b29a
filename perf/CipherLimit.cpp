#include "CipherLimit.h"

#include "crypt/GcryptLibrary.h"

#include <gcrypt.h>
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

std::array<uint8_t, 64> benchmarkKey()
{
    std::array<uint8_t, 64> key{};
    for (size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<uint8_t>(i * 7 + 1); // the two XTS halves must differ
    return key;
}

// Runs sectorSize-byte units in place over one buffer until `until`; resetAndRun(iv, data) sets the
// IV and converts one unit, false on failure.
template <typename ResetAndRun>
void runUnits(unsigned sectorSize, std::chrono::steady_clock::time_point until, ThreadOutcome& outcome,
              ResetAndRun resetAndRun)
{
    std::vector<uint8_t> buffer(BufferBytes, 0x5a);
    std::array<uint8_t, 16> iv{};
    uint64_t sector = 0;
    while (std::chrono::steady_clock::now() < until) {
        for (size_t offset = 0; offset < BufferBytes; offset += sectorSize, ++sector) {
            std::memcpy(iv.data(), &sector, sizeof sector); // plain64: the little-endian sector
            if (!resetAndRun(iv.data(), buffer.data() + offset)) {
                outcome.ok = false;
                return;
            }
        }
        outcome.bytes += BufferBytes;
    }
}

void runOpenSslThread(const EVP_CIPHER* cipher, unsigned sectorSize, bool encrypt,
                      std::chrono::steady_clock::time_point until, ThreadOutcome& outcome)
{
    const std::array<uint8_t, 64> key = benchmarkKey();
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (!ctx || EVP_CipherInit_ex2(ctx, cipher, key.data(), nullptr, encrypt ? 1 : 0, nullptr) != 1) {
        outcome.ok = false;
        EVP_CIPHER_CTX_free(ctx);
        return;
    }
    runUnits(sectorSize, until, outcome, [ctx, sectorSize](const uint8_t* iv, uint8_t* data) {
        int written = 0;
        return EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, -1) == 1 &&
               EVP_CipherUpdate(ctx, data, &written, data, static_cast<int>(sectorSize)) == 1;
    });
    EVP_CIPHER_CTX_free(ctx);
}

void runGcryptThread(unsigned sectorSize, bool encrypt, std::chrono::steady_clock::time_point until,
                     ThreadOutcome& outcome)
{
    const std::array<uint8_t, 64> key = benchmarkKey();
    gcry_cipher_hd_t handle = nullptr;
    if (gcry_cipher_open(&handle, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_XTS, 0) != 0 ||
        gcry_cipher_setkey(handle, key.data(), key.size()) != 0) {
        outcome.ok = false;
        gcry_cipher_close(handle);
        return;
    }
    runUnits(sectorSize, until, outcome, [handle, sectorSize, encrypt](const uint8_t* iv, uint8_t* data) {
        if (gcry_cipher_setiv(handle, iv, 16) != 0)
            return false;
        return (encrypt ? gcry_cipher_encrypt(handle, data, sectorSize, nullptr, 0)
                        : gcry_cipher_decrypt(handle, data, sectorSize, nullptr, 0)) == 0;
    });
    gcry_cipher_close(handle);
}

} // namespace

QString libraryName(CipherLibrary library)
{
    return library == CipherLibrary::OpenSsl ? QStringLiteral("OpenSSL") : QStringLiteral("libgcrypt");
}

CipherLimitResult measureAesXtsLimit(CipherLibrary library, unsigned sectorSize, bool encrypt,
                                     unsigned threads, std::chrono::milliseconds duration)
{
    CipherLimitResult result;
    result.threads = threads;
    EVP_CIPHER* cipher = nullptr;
    if (library == CipherLibrary::OpenSsl) {
        cipher = EVP_CIPHER_fetch(nullptr, "AES-256-XTS", nullptr);
        if (!cipher)
            return result;
    } else {
        GcryptLibrary::ensureInitialised();
    }
    std::vector<ThreadOutcome> outcomes(threads);
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    const auto until = start + duration;
    for (unsigned i = 0; i < threads; ++i)
        if (cipher)
            workers.emplace_back(runOpenSslThread, cipher, sectorSize, encrypt, until, std::ref(outcomes[i]));
        else
            workers.emplace_back(runGcryptThread, sectorSize, encrypt, until, std::ref(outcomes[i]));
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
