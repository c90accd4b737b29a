// The crash loop shared by the crash-consistency tests: run a verb's engine calls once over a
// recording CrashingDevice to learn W (the sectors it writes) and its write log, check the image a
// crash leaves for every budget N = 0 … W, and rerun the verb for real at a spread of N. Plus
// the volumes, passphrases and checks the LUKS1 and LUKS2 tests share. The check functions use
// QtTest macros: callers test QTest::currentTestFailed() after them.
#pragma once

#include "CrashingDevice.h"
#include "core/Result.h"
#include "crypt/SecureBuffer.h"
#include "formats/LuksVolume.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>

namespace cryptstack::test {

// What one configuration's crash points ended as.
struct CrashTally
{
    uint64_t points = 0;      // budgets N checked (W + 1)
    uint64_t oldState = 0;    // the verb had not taken effect
    uint64_t newState = 0;    // it had (the last point, N = W, is always here)
    uint64_t between = 0;     // verb-specific middle states (named where they occur)
    uint64_t damagedCopy = 0; // LUKS2 loaded with one copy damaged or older (then repaired)
    uint64_t noHeader = 0;    // luksFormat: no valid header

    // One line for the log: "<what>: W=…, N=0…W: old …, new …, …".
    QString summary(const QString& what, const QString& betweenName = QString()) const;
};

// The figures of every loop of this process, printed by printCrashTotals() (cleanupTestCase).
void recordCrashTally(const QString& what, const CrashTally& tally, const QString& betweenName = QString());
void printCrashTotals();

struct CrashVolumeSpec
{
    int version = 2;
    uint64_t metadataSize = 0;      // LUKS2 --luks2-metadata-size; 0: 16 KiB
    unsigned sectorSize = 512;      // LUKS2 encryption sector size
    uint32_t deviceBlockSize = 512; // the device's logical block size
    QString name() const;           // "LUKS2 16K/512" …
};

// A volume before the verb: its bytes, the volume key and where the data lies.
struct CrashVolume
{
    CrashVolumeSpec spec;
    std::shared_ptr<const CrashingDevice::Image> image;
    SecureBuffer volumeKey; // 64 bytes, aes-xts-plain64
    uint64_t dataOffset = 0;
    QByteArray dataDigest; // SHA-256 of [dataOffset, end)
};

// Bytes after the data offset in every image (the data area the verbs must never touch).
constexpr uint64_t CrashDataBytes = 64 * 1024;

// PBKDF2 with 1000 iterations: the cheapest KDF the formats accept.
KdfRequest cheapKdf();
std::span<const uint8_t> bytesOf(const QByteArray& text);
// The fixed volume key every scenario formats with (as --volume-key-file would give it).
SecureBuffer crashVolumeKey();
QByteArray dataDigestOf(BlockDevice& device, uint64_t dataOffset);

// luksFormat's engine sequence over device (format with the header deferred, then the first
// keyslot), as LuksFormatCommand does it.
Result<std::unique_ptr<LuksVolume>> formatAsVerb(const std::shared_ptr<BlockDevice>& device,
                                                 const CrashVolumeSpec& spec, const SecureBuffer& volumeKey,
                                                 const QByteArray& passphrase);
// A patterned image of the spec's size, formatted with passphrases[0] in keyslot 0 and the
// others added in order (keyslots 1, 2, …).
CrashVolume makeCrashVolume(const CrashVolumeSpec& spec, const QList<QByteArray>& passphrases);
// The image size for a spec (header area up to the data offset, plus CrashDataBytes).
uint64_t crashImageBytes(const CrashVolumeSpec& spec);

Result<std::unique_ptr<LuksVolume>> loadOver(const std::shared_ptr<BlockDevice>& device);
// Unlocks with passphrase (any keyslot) and checks the key is volumeKey.
bool opensWith(LuksVolume& volume, const QByteArray& passphrase, const SecureBuffer& volumeKey);

// Calls check with the image a crash at N leaves, for every N = 0 … W (replayed from the write
// log of one unbudgeted run), then reruns verb with real budgets at a spread of N: each crashed
// run must fail with an I/O error (a verb that reports success after a lost write would lie), the
// run with N = W must succeed, and each survivor must pass check with the replay's outcome.
using CrashVerb = std::function<Status(const std::shared_ptr<CrashingDevice>& device)>;
using CrashCheck =
    std::function<void(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& tally)>;
void runCrashLoop(const std::shared_ptr<const CrashingDevice::Image>& base, uint32_t blockSize,
                  const CrashVerb& verb, const CrashCheck& check, CrashTally& tally);

// For a survivor that loaded with a damaged LUKS2 copy: counts it, repairs it, and checks that
// the reload shows both copies good and still opens with passphrase.
void repairAndRecheck(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n,
                      const QByteArray& passphrase, const SecureBuffer& volumeKey, CrashTally& tally);
// The data area still hashes as before the verb.
void checkDataUntouched(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n,
                        const CrashVolume& volume);

} // namespace cryptstack::test
