// What the fuzz targets share: the entry points (one per fuzz_<name>.cpp), a sparse in-memory
// device built from the input, the LUKS2 checksum fix-up, and a check that aborts with a message
// when an invariant breaks (so libFuzzer and the regression test both see it as a crash).
//
// Each fuzz_<name>.cpp defines cryptstack::fuzz::<name>() and, only in the libFuzzer executables
// (CRYPTSTACK_FUZZ_MAIN defined), LLVMFuzzerTestOneInput calling it. tests/fuzz replays saved
// inputs through the same functions in the normal build.
#pragma once

#include "block/BlockDevice.h"
#include "formats/HeaderDevice.h"

#include <QString>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace cryptstack::fuzz {

// The entry points. Each returns 0 and must never crash, leak or hit undefined behaviour.
int tableLine(const uint8_t* data, size_t size);
int concise(const uint8_t* data, size_t size);
int cipherSpec(const uint8_t* data, size_t size);
int luks1Header(const uint8_t* data, size_t size);
int luks2Header(const uint8_t* data, size_t size);
int luks2Json(const uint8_t* data, size_t size);
int keyslotUnlock(const uint8_t* data, size_t size);

// Once per process: a QCoreApplication, so engine threads (QThread) have one, as in the tests.
void initialise();

// Aborts with "fuzz invariant failed (<target>): <what>" on stderr.
[[noreturn]] void fail(const char* target, const QString& what);
#define CRYPTSTACK_FUZZ_CHECK(target, condition, what)                                                       \
    do {                                                                                                     \
        if (!(condition))                                                                                    \
            ::cryptstack::fuzz::fail(target, what);                                                          \
    } while (0)

// A device whose first bytes are the fuzz input and the rest zeroes, up to a declared size, with
// no memory spent on the zeroes. Writes go to a per-sector overlay, so repair paths can run.
class InputDevice final : public BlockDevice
{
public:
    InputDevice(const uint8_t* data, size_t size, uint64_t sizeBytes, bool readOnly);

    QString displayName() const override { return QStringLiteral("fuzz-input"); }
    uint64_t sectors() const override { return m_sectors; }
    bool isReadOnly() const override { return m_readOnly; }
    // Sectors written so far (each at most once in the overlay).
    size_t overlaySectors() const;

protected:
    void startRequest(Bio* bio) override;

private:
    void readSector(uint64_t sector, std::byte* out) const;

    std::vector<uint8_t> m_data;
    uint64_t m_sectors;
    bool m_readOnly;
    mutable std::mutex m_mutex;
    std::map<uint64_t, std::vector<std::byte>> m_overlay;
};

// The header device the format targets read: an input of odd length is a device of exactly that
// many bytes rounded up to whole sectors (so "device too small" paths are reachable); an even
// length is a device of largeBytes (sparse, zeroes after the input).
std::shared_ptr<InputDevice> inputDevice(const uint8_t* data, size_t size, uint64_t largeBytes,
                                         bool readOnly);
std::unique_ptr<HeaderDevice> headerDeviceOver(std::shared_ptr<InputDevice> device);

// A fuzzer cannot forge a SHA-256, so the LUKS2 targets recompute the checksum of each binary
// header copy found in the input (the primary at 0, the secondary at the primary's hdr_size) before
// loading. A copy whose first padding byte (offset 264, zero in real headers) is not zero keeps
// its checksum as it is, so the checksum checks themselves stay reachable.
void fixLuks2Checksums(std::vector<uint8_t>& image);

} // namespace cryptstack::fuzz

// The libFuzzer entry points of one executable: LLVMFuzzerInitialize and LLVMFuzzerTestOneInput.
#ifdef CRYPTSTACK_FUZZ_MAIN
#define CRYPTSTACK_FUZZ_ENTRY(function)                                                                      \
    extern "C" int LLVMFuzzerInitialize(int*, char***)                                                       \
    {                                                                                                        \
        ::cryptstack::fuzz::initialise();                                                                    \
        return 0;                                                                                            \
    }                                                                                                        \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)                                  \
    {                                                                                                        \
        return function(data, size);                                                                         \
    }
#else
#define CRYPTSTACK_FUZZ_ENTRY(function)
#endif
