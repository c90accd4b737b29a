// The checked LUKS1 header in host order (reference/luks.md §1): what Luks1Volume works on and
// what a LUKS1<->LUKS2 converter reads. fromRaw() applies cryptsetup's load checks
// (_check_and_convert_hdr, LUKS_check_keyslots, LUKS_check_device_size) in their order and with
// their messages; validate() re-runs them before every write.
#pragma once

#include "Luks1RawHeader.h"
#include "core/Result.h"

#include <QString>

#include <array>
#include <cstdint>

namespace cryptstack {

struct Luks1Keyslot
{
    enum class State { Disabled, Enabled, Invalid };

    uint32_t active = 0; // kept raw: an INVALID slot is written back as it was
    uint32_t iterations = 0;
    std::array<uint8_t, 32> salt{};
    uint32_t keyMaterialOffset = 0; // 512-byte sectors
    uint32_t stripes = 0;

    State state() const;
};

struct Luks1Header
{
    static constexpr uint32_t KeyEnabled = 0x00AC71F3;
    static constexpr uint32_t KeyDisabled = 0x0000DEAD;
    static constexpr unsigned Stripes = 4000;
    static constexpr int KeyslotCount = 8;
    static constexpr size_t DigestBytes = 20;
    static constexpr size_t SaltBytes = 32;
    static constexpr uint32_t AlignKeyslotsSectors = 8; // LUKS_ALIGN_KEYSLOTS, 4096 bytes
    // Not a cryptsetup limit: bounds what a hostile header can make us allocate (see .cpp).
    static constexpr uint32_t MaxKeyBytes = 512;

    QString cipherName; // at most 31 characters (the field is NUL-terminated)
    QString cipherMode;
    QString hashSpec;
    uint32_t payloadOffset = 0; // 512-byte sectors; 0 with a detached header
    uint32_t keyBytes = 0;
    std::array<uint8_t, DigestBytes> mkDigest{};
    std::array<uint8_t, SaltBytes> mkDigestSalt{};
    uint32_t mkDigestIterations = 0;
    QString uuid; // at most 39 characters
    std::array<Luks1Keyslot, KeyslotCount> keyslots{};

    // Layout of a freshly formatted header (§1.3).
    static uint64_t afSectors(uint64_t keyBytes);
    static std::array<uint32_t, KeyslotCount> standardKeyslotOffsets(uint32_t keyBytes);
    static uint32_t headerSectors(uint32_t keyBytes); // the smallest non-zero payload offset

    // Raw -> model: magic, version, hash, keyslot areas, key size. device names the path in
    // messages. Not LUKS: InvalidArgument "Device <path> is not a valid LUKS device.".
    static Result<Luks1Header> fromRaw(const Luks1RawHeader& raw, const QString& device);
    Luks1RawHeader toRaw() const;

    // The checks fromRaw applies after the magic, on the model (before every write).
    Status validate(const QString& device) const;
    // Sectors the metadata device must hold: the end of the last keyslot area
    // (LUKS_device_sectors).
    uint64_t requiredSectors() const;
    // "Device <path> is too small. (LUKS1 requires at least N bytes.)"
    Status checkDeviceSize(uint64_t deviceBytes, const QString& device) const;

    QString cipherSpec() const { return cipherName + u'-' + cipherMode; }
    // The hash name for our hash functions (OpenSSL takes either case, cryptsetup stores it as
    // found).
    QString hashForCrypto() const { return hashSpec.toLower(); }
    // Slot i's key material: byte offset and length (AF sectors × 512).
    uint64_t keyMaterialByteOffset(int keyslot) const;
    uint64_t keyMaterialBytes() const { return afSectors(keyBytes) * 512; }
};

} // namespace cryptstack
