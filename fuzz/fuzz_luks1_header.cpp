// The LUKS1 header: the input is the start of a device (see inputDevice() for its size). The raw
// header decodes and encodes back; a header that passes fromRaw converts to raw and back to the
// same model; Luks1Volume::load and LuksVolume::load agree; a loaded volume dumps and reports its
// activation; repair on a writable copy either refuses or leaves a header that loads.
#include "FuzzSupport.h"
#include "formats/luks1/Luks1Volume.h"

#include <array>
#include <cstring>

namespace cryptstack::fuzz {

namespace {

constexpr const char* Name = "luks1_header";
constexpr uint64_t LargeDevice = 1ull << 41; // 2 TiB: past any keyslot a 32-bit offset can name

bool sameHeader(const Luks1Header& a, const Luks1Header& b)
{
    if (a.cipherName != b.cipherName || a.cipherMode != b.cipherMode || a.hashSpec != b.hashSpec ||
        a.payloadOffset != b.payloadOffset || a.keyBytes != b.keyBytes || a.mkDigest != b.mkDigest ||
        a.mkDigestSalt != b.mkDigestSalt || a.mkDigestIterations != b.mkDigestIterations || a.uuid != b.uuid)
        return false;
    for (size_t i = 0; i < a.keyslots.size(); ++i) {
        const Luks1Keyslot& x = a.keyslots[i];
        const Luks1Keyslot& y = b.keyslots[i];
        if (x.active != y.active || x.iterations != y.iterations || x.salt != y.salt ||
            x.keyMaterialOffset != y.keyMaterialOffset || x.stripes != y.stripes)
            return false;
    }
    return true;
}

void checkRawRoundTrip(const uint8_t* data, size_t size)
{
    std::array<uint8_t, Luks1RawHeader::DiskBytes> bytes{};
    std::memcpy(bytes.data(), data, std::min(size, bytes.size()));
    const Luks1RawHeader raw = Luks1RawHeader::decode(bytes);
    const auto encoded = raw.encode();
    CRYPTSTACK_FUZZ_CHECK(Name,
                          std::memcmp(encoded.data(), bytes.data(), Luks1RawHeader::SignificantBytes) == 0,
                          QStringLiteral("raw header does not encode back to its significant bytes"));
    CRYPTSTACK_FUZZ_CHECK(Name, Luks1RawHeader::decode(encoded).encode() == encoded,
                          QStringLiteral("raw header encode/decode is not stable"));

    auto header = Luks1Header::fromRaw(raw, QStringLiteral("fuzz-input"));
    if (!header)
        return;
    const Status valid = header->validate(QStringLiteral("fuzz-input"));
    CRYPTSTACK_FUZZ_CHECK(
        Name, valid.isOk(),
        QStringLiteral("fromRaw accepted a header validate refuses: %1").arg(valid.message()));
    const auto reencoded = header->toRaw().encode();
    auto again = Luks1Header::fromRaw(Luks1RawHeader::decode(reencoded), QStringLiteral("fuzz-input"));
    CRYPTSTACK_FUZZ_CHECK(
        Name, again.isOk(),
        QStringLiteral("a header that loaded does not load after toRaw: %1").arg(again.message()));
    CRYPTSTACK_FUZZ_CHECK(Name, sameHeader(header.value(), again.value()),
                          QStringLiteral("header model changed after toRaw → fromRaw"));
    CRYPTSTACK_FUZZ_CHECK(Name, again->toRaw().encode() == reencoded,
                          QStringLiteral("header encodes differently after a round trip"));
}

void exercise(const Luks1Volume& volume)
{
    (void)volume.dump(QStringLiteral("fuzz-input"));
    (void)volume.activation();
    (void)volume.cipherSpec();
    (void)volume.headerBytes();
    for (int i = -1; i <= Luks1Header::KeyslotCount; ++i)
        (void)volume.isKeyslotActive(i);
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        (void)volume.keyslotState(i);
        (void)volume.keyMaterialOffset(i);
    }
}

} // namespace

int luks1Header(const uint8_t* data, size_t size)
{
    checkRawRoundTrip(data, size);

    auto loaded = Luks1Volume::load(headerDeviceOver(inputDevice(data, size, LargeDevice, true)));
    auto generic = LuksVolume::load(headerDeviceOver(inputDevice(data, size, LargeDevice, true)));
    if (loaded) {
        exercise(*loaded.value());
        CRYPTSTACK_FUZZ_CHECK(Name, generic.isOk() && generic.value()->version() == 1,
                              QStringLiteral("LuksVolume::load disagrees with Luks1Volume::load: %1")
                                  .arg(generic.isOk()
                                           ? QStringLiteral("version %1").arg(generic.value()->version())
                                           : generic.message()));
    } else {
        CRYPTSTACK_FUZZ_CHECK(Name, !loaded.message().isEmpty(), QStringLiteral("error without a message"));
    }

    auto device = inputDevice(data, size, LargeDevice, false);
    auto header = headerDeviceOver(device);
    auto repaired = Luks1Volume::repair(*header);
    if (repaired && repaired->written) {
        auto reloaded = Luks1Volume::load(std::move(header));
        CRYPTSTACK_FUZZ_CHECK(
            Name, reloaded.isOk(),
            QStringLiteral("repair wrote a header that does not load: %1").arg(reloaded.message()));
    }
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::luks1Header)
