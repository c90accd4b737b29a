// Keyslot unlock: the input is the start of a LUKS1 or LUKS2 image made with the passphrase
// "fuzz" and a tiny KDF (fuzz/corpus/keyslot_unlock holds such images cut after keyslot 0). The
// harness loads it and tries the passphrase on every keyslot, as `cryptsetup open` does. To keep
// each input cheap it skips headers that ask for more than MaxIterations PBKDF2 iterations, Argon2
// memory over MaxArgon2KiB, more than MaxArgon2Time passes or MaxArgon2Lanes lanes, keys over
// MaxKeyBytes or more than MaxKeyslots keyslots — in the harness only; the engine is unchanged.
// A key that unlocks must pass verifyVolumeKey.
#include "FuzzSupport.h"
#include "formats/luks1/Luks1Volume.h"
#include "formats/luks2/Luks2Validator.h"
#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::fuzz {

namespace {

using luks2::JsonMember;
using luks2::JsonValue;

constexpr const char* Name = "keyslot_unlock";
constexpr uint64_t LargeDevice = 16ull << 20;
constexpr uint32_t MaxIterations = 1000;
constexpr uint32_t MaxArgon2KiB = 64;
constexpr uint32_t MaxArgon2Time = 4;
constexpr uint32_t MaxArgon2Lanes = 4;
constexpr int64_t MaxKeyBytes = 64;
constexpr int MaxKeyslots = 8;

const JsonValue* at(const JsonValue* object, const char* key)
{
    return object && object->isObject() ? object->find(key) : nullptr;
}

// Reads the numbers the way Luks2Volume::openKeyslot does (json-c's getters, then the casts).
uint32_t uintField(const JsonValue* object, const char* key)
{
    const JsonValue* value = at(object, key);
    return value ? uint32_t(value->toInt()) : 0;
}

bool luks1Affordable(const Luks1Volume& volume)
{
    const Luks1Header& header = volume.header();
    if (header.keyBytes > MaxKeyBytes || header.mkDigestIterations > MaxIterations)
        return false;
    for (const Luks1Keyslot& slot : header.keyslots) {
        if (slot.state() == Luks1Keyslot::State::Enabled && slot.iterations > MaxIterations)
            return false;
    }
    return true;
}

bool luks2Affordable(const Luks2Volume& volume)
{
    static const std::vector<JsonMember> none;
    const JsonValue& root = volume.metadata();
    const JsonValue* keyslots = at(&root, "keyslots");
    const std::vector<JsonMember>& entries = keyslots ? keyslots->members() : none;
    if (entries.size() > size_t(MaxKeyslots))
        return false;
    for (const JsonMember& member : entries) {
        const JsonValue* keyslot = &member.value;
        const JsonValue* kdf = at(keyslot, "kdf");
        const JsonValue* keySize = at(keyslot, "key_size");
        const JsonValue* areaKeySize = at(at(keyslot, "area"), "key_size");
        if ((keySize && keySize->toInt() > MaxKeyBytes) ||
            (areaKeySize && areaKeySize->toInt() > MaxKeyBytes))
            return false;
        if (luks2::Luks2Validator::cString(at(kdf, "type")) == "pbkdf2") {
            if (uintField(kdf, "iterations") > MaxIterations)
                return false;
        } else if (uintField(kdf, "time") > MaxArgon2Time || uintField(kdf, "memory") > MaxArgon2KiB ||
                   uintField(kdf, "cpus") > MaxArgon2Lanes) {
            return false;
        }
    }
    const JsonValue* digests = at(&root, "digests");
    for (const JsonMember& member : digests ? digests->members() : none) {
        const JsonValue* iterations = at(&member.value, "iterations");
        if (iterations && iterations->toInt64() > int64_t(MaxIterations))
            return false;
    }
    return true;
}

} // namespace

int keyslotUnlock(const uint8_t* data, size_t size)
{
    static const QByteArray passphrase("fuzz");
    std::vector<uint8_t> image(data, data + size);
    fixLuks2Checksums(image);
    auto loaded =
        LuksVolume::load(headerDeviceOver(inputDevice(image.data(), image.size(), LargeDevice, true)));
    if (!loaded)
        return 0;
    LuksVolume& volume = *loaded.value();
    if (const auto* v1 = dynamic_cast<const Luks1Volume*>(&volume); v1 && !luks1Affordable(*v1))
        return 0;
    if (const auto* v2 = dynamic_cast<const Luks2Volume*>(&volume); v2 && !luks2Affordable(*v2))
        return 0;

    const auto bytes =
        std::span(reinterpret_cast<const uint8_t*>(passphrase.constData()), size_t(passphrase.size()));
    auto unlocked = volume.unlock(bytes, std::nullopt);
    if (!unlocked) {
        CRYPTSTACK_FUZZ_CHECK(Name, !unlocked.message().isEmpty(), QStringLiteral("error without a message"));
        return 0;
    }
    const UnlockedKey& key = unlocked.value();
    CRYPTSTACK_FUZZ_CHECK(Name, key.keyslot >= 0 && key.keyslot < volume.keyslotLimit(),
                          QStringLiteral("unlocked keyslot %1 out of range").arg(key.keyslot));
    CRYPTSTACK_FUZZ_CHECK(Name, volume.isKeyslotActive(key.keyslot),
                          QStringLiteral("unlocked keyslot %1 is not active").arg(key.keyslot));
    const Status verified = volume.verifyVolumeKey(key.volumeKey);
    CRYPTSTACK_FUZZ_CHECK(Name, verified.isOk(),
                          QStringLiteral("unlocked key fails verifyVolumeKey: %1").arg(verified.message()));
    (void)volume.activation();
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::keyslotUnlock)
