// The LUKS2 header: the input is the start of a device holding both header copies (see
// inputDevice() for its size); their checksums are fixed up first (fixLuks2Checksums). A loaded
// volume dumps, reports its activation and keyslots, and its JSON dump parses back to its metadata.
// On a writable copy of the device: repair of a damaged copy, and a label change (a full commit),
// must each leave a header that loads without damage and with the metadata the volume holds.
#include "FuzzSupport.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::fuzz {

namespace {

using luks2::JsonValue;

constexpr const char* Name = "luks2_header";
constexpr uint64_t LargeDevice = 16ull << 20; // both copies at 4 MiB hdr_size, and keyslot areas

// The compact text of metadata after it is written and read back once: like json-c, a double whose
// text has no '.' or exponent left ("5e+" prints as "5") comes back as an integer.
QByteArray settled(const QByteArray& compact)
{
    auto parsed = JsonValue::parse(compact);
    CRYPTSTACK_FUZZ_CHECK(Name, parsed.isOk(),
                          QStringLiteral("compact metadata does not parse: %1").arg(parsed.message()));
    return parsed.value().toCompact();
}

void exercise(const Luks2Volume& volume)
{
    (void)volume.dump(QStringLiteral("fuzz-input"));
    (void)volume.activation();
    (void)volume.cipherSpec();
    (void)volume.volumeKeyBytes();
    (void)volume.uuid();
    (void)volume.label();
    (void)volume.subsystem();
    (void)volume.headerBytes();
    (void)volume.persistentFlags();
    (void)volume.checkRequirements();
    for (int i = -1; i <= volume.keyslotLimit(); ++i) {
        (void)volume.isKeyslotActive(i);
        (void)volume.priority(i);
    }
    const QString json = volume.dumpJson();
    auto parsed = JsonValue::parse(json.toUtf8());
    CRYPTSTACK_FUZZ_CHECK(Name, parsed.isOk(),
                          QStringLiteral("JSON dump does not parse: %1").arg(parsed.message()));
    // dumpJson is text: bytes that are not UTF-8 come out as U+FFFD, so compare only valid metadata.
    const QByteArray compact = volume.metadata().toCompact();
    if (QString::fromUtf8(compact).toUtf8() == compact)
        CRYPTSTACK_FUZZ_CHECK(Name, settled(parsed.value().toCompact()) == settled(compact),
                              QStringLiteral("JSON dump parses to other metadata:\n%1").arg(json));
}

// After a write the device must load cleanly with what the volume holds in memory.
void checkReload(std::shared_ptr<InputDevice> device, const Luks2Volume& written, const char* after)
{
    auto reloaded = Luks2Volume::load(headerDeviceOver(std::move(device)));
    CRYPTSTACK_FUZZ_CHECK(
        Name, reloaded.isOk(),
        QStringLiteral("header does not load after %1: %2").arg(QLatin1String(after), reloaded.message()));
    CRYPTSTACK_FUZZ_CHECK(Name, !reloaded.value()->hasDamagedCopy(),
                          QStringLiteral("a copy is damaged after %1: %2")
                              .arg(QLatin1String(after), reloaded.value()->warnings().join(u'\n')));
    CRYPTSTACK_FUZZ_CHECK(Name,
                          reloaded.value()->metadata().toCompact() == settled(written.metadata().toCompact()),
                          QStringLiteral("metadata changed after %1").arg(QLatin1String(after)));
    CRYPTSTACK_FUZZ_CHECK(Name, reloaded.value()->seqid() == written.seqid(),
                          QStringLiteral("seqid %1 on disk after %2, %3 in memory")
                              .arg(reloaded.value()->seqid())
                              .arg(QLatin1String(after))
                              .arg(written.seqid()));
}

} // namespace

int luks2Header(const uint8_t* data, size_t size)
{
    std::vector<uint8_t> image(data, data + size);
    fixLuks2Checksums(image);

    auto loaded =
        Luks2Volume::load(headerDeviceOver(inputDevice(image.data(), image.size(), LargeDevice, true)));
    if (!loaded) {
        CRYPTSTACK_FUZZ_CHECK(Name, !loaded.message().isEmpty(), QStringLiteral("error without a message"));
        return 0;
    }
    exercise(*loaded.value());

    if (loaded.value()->hasDamagedCopy()) {
        auto device = inputDevice(image.data(), image.size(), LargeDevice, false);
        auto volume = Luks2Volume::load(headerDeviceOver(device));
        CRYPTSTACK_FUZZ_CHECK(Name, volume.isOk(),
                              QStringLiteral("load is not repeatable: %1").arg(volume.message()));
        if (volume.value()->repair())
            checkReload(device, *volume.value(), "repair");
    }

    auto device = inputDevice(image.data(), image.size(), LargeDevice, false);
    auto volume = Luks2Volume::load(headerDeviceOver(device));
    CRYPTSTACK_FUZZ_CHECK(Name, volume.isOk(),
                          QStringLiteral("load is not repeatable: %1").arg(volume.message()));
    if (volume.value()->setLabel(QStringLiteral("fuzz")))
        checkReload(device, *volume.value(), "a label change");
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::luks2Header)
