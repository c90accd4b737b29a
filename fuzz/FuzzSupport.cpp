#include "FuzzSupport.h"

#include "crypt/CipherBackend.h"
#include "formats/luks2/Luks2BinaryHeader.h"

#include <QCoreApplication>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define CRYPTSTACK_FUZZ_LSAN 1
#include <sanitizer/lsan_interface.h>
#endif
#endif

namespace cryptstack::fuzz {

namespace {

// OpenSSL's providers and libgcrypt allocate process-wide state on first use that LeakSanitizer
// cannot trace back to a root (the legacy provider is a dlopen'ed module); libFuzzer would report
// it as a leak of whichever input came first. Fetching every algorithm once up front, with leak
// checking off, makes that state an ignored root instead.
void warmUpCryptoLibraries()
{
#ifdef CRYPTSTACK_FUZZ_LSAN
    __lsan::ScopedDisabler noLeakChecks;
#endif
    const std::vector<uint8_t> zeroes(64, 0);
    for (const char* hash : {"sha1", "sha224", "sha256", "sha384", "sha512", "ripemd160", "whirlpool",
                             "wp256", "wp384", "md5", "sm3", "sha3-256", "blake2b-512"})
        (void)HashFactory::digest(QLatin1String(hash), zeroes);
    for (const char* cipher : {"aes", "serpent", "twofish", "camellia", "cast5", "blowfish", "des3_ede",
                               "sm4", "aria", "cipher_null"}) {
        for (const char* mode : {"ecb", "cbc", "xts", "ctr", "lrw", "pcbc", "cts"}) {
            for (size_t keyBytes : {16, 24, 32, 48, 64})
                (void)CipherFactory::createSectorCipher(QLatin1String(cipher), QLatin1String(mode),
                                                        std::span(zeroes).first(keyBytes));
        }
    }
}

} // namespace

void initialise()
{
    if (QCoreApplication::instance())
        return;
    static int argc = 1;
    static char name[] = "cryptstack-fuzz";
    static char* argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    warmUpCryptoLibraries();
}

void fail(const char* target, const QString& what)
{
    std::fprintf(stderr, "fuzz invariant failed (%s): %s\n", target, qPrintable(what));
    std::fflush(stderr);
    std::abort();
}

InputDevice::InputDevice(const uint8_t* data, size_t size, uint64_t sizeBytes, bool readOnly)
    : m_data(data, data + size), m_sectors(sizeBytes >> SectorShift), m_readOnly(readOnly)
{}

size_t InputDevice::overlaySectors() const
{
    std::lock_guard lock(m_mutex);
    return m_overlay.size();
}

void InputDevice::readSector(uint64_t sector, std::byte* out) const
{
    if (const auto it = m_overlay.find(sector); it != m_overlay.end()) {
        std::memcpy(out, it->second.data(), SectorSize);
        return;
    }
    std::memset(out, 0, SectorSize);
    const uint64_t offset = sector << SectorShift;
    if (offset < m_data.size())
        std::memcpy(out, m_data.data() + offset, std::min<uint64_t>(SectorSize, m_data.size() - offset));
}

void InputDevice::startRequest(Bio* bio)
{
    if (bio->op != BioOp::Flush && (bio->sector > m_sectors || bio->sectors() > m_sectors - bio->sector)) {
        bio->complete(BioStatus::OutOfRange, bio->sector);
        return;
    }
    if (bio->op == BioOp::Write && m_readOnly) {
        bio->complete(BioStatus::ReadOnly, bio->sector);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        for (uint64_t i = 0; i < bio->sectors(); ++i) {
            std::byte* buffer = bio->data ? bio->data + (i << SectorShift) : nullptr;
            switch (bio->op) {
            case BioOp::Read:
                readSector(bio->sector + i, buffer);
                break;
            case BioOp::Write:
                m_overlay[bio->sector + i].assign(buffer, buffer + SectorSize);
                break;
            case BioOp::Discard:
                m_overlay[bio->sector + i].assign(SectorSize, std::byte{0});
                break;
            case BioOp::Flush:
                break;
            }
        }
    }
    bio->complete(BioStatus::Ok);
}

std::shared_ptr<InputDevice> inputDevice(const uint8_t* data, size_t size, uint64_t largeBytes, bool readOnly)
{
    const uint64_t exact = (uint64_t(size) + SectorSize - 1) / SectorSize * SectorSize;
    const uint64_t bytes = size % 2 ? exact : std::max<uint64_t>(exact, largeBytes);
    return std::make_shared<InputDevice>(data, size, bytes, readOnly);
}

std::unique_ptr<HeaderDevice> headerDeviceOver(std::shared_ptr<InputDevice> device)
{
    return HeaderDevice::over(std::move(device), QStringLiteral("fuzz-input"));
}

void fixLuks2Checksums(std::vector<uint8_t>& image)
{
    using luks2::Luks2BinaryHeader;
    constexpr size_t FlagOffset = 264; // first byte of the padding after hdr_offset
    constexpr size_t CsumOffset = 448;
    const auto fix = [&image](uint64_t offset) -> uint64_t {
        if (offset > image.size() || image.size() - offset < Luks2BinaryHeader::Size)
            return 0;
        uint8_t* header = image.data() + offset;
        uint64_t hdrSize = 0;
        for (int i = 0; i < 8; ++i)
            hdrSize = (hdrSize << 8) | header[8 + i];
        if (hdrSize < Luks2BinaryHeader::MinHdrSize || hdrSize > Luks2BinaryHeader::MaxHdrSize)
            return 0;
        if (header[FlagOffset] != 0)
            return hdrSize;
        // The JSON area as the loader reads it: past the input it is zeroes.
        std::vector<uint8_t> area(hdrSize - Luks2BinaryHeader::Size, 0);
        if (image.size() - offset > Luks2BinaryHeader::Size) {
            const size_t available =
                std::min<size_t>(area.size(), image.size() - offset - Luks2BinaryHeader::Size);
            std::memcpy(area.data(), header + Luks2BinaryHeader::Size, available);
        }
        const auto* algorithm = reinterpret_cast<const char*>(header + 72);
        const QByteArray name(algorithm, qsizetype(strnlen(algorithm, 31)));
        auto sum = Luks2BinaryHeader::checksum(name, {header, Luks2BinaryHeader::Size}, area);
        if (sum) {
            std::memset(header + CsumOffset, 0, Luks2BinaryHeader::CsumSize);
            std::memcpy(header + CsumOffset, sum->constData(), size_t(sum->size()));
        }
        return hdrSize;
    };
    const uint64_t hdrSize = fix(0);
    if (hdrSize)
        fix(hdrSize);
}

} // namespace cryptstack::fuzz
