#include "Luks1Header.h"

#include "formats/HashContext.h"

#include <algorithm>
#include <cstring>

namespace cryptstack {

namespace {

// cryptsetup forces the last byte of each string field to NUL and stops at the first NUL.
template <size_t N> QString fieldString(const std::array<char, N>& field)
{
    std::array<char, N> copy = field;
    copy[N - 1] = '\0';
    return QString::fromLatin1(copy.data(), qsizetype(std::strlen(copy.data())));
}

template <size_t N> void storeString(std::array<char, N>& field, const QString& text)
{
    field.fill('\0');
    const QByteArray bytes = text.toLatin1();
    std::memcpy(field.data(), bytes.constData(), std::min<size_t>(size_t(bytes.size()), N - 1));
}

Status invalidKeyslot(int keyslot)
{
    return Status(ErrorCode::Corruption, QStringLiteral("LUKS keyslot %1 is invalid.").arg(keyslot));
}

} // namespace

Luks1Keyslot::State Luks1Keyslot::state() const
{
    if (active == Luks1Header::KeyEnabled)
        return State::Enabled;
    if (active == Luks1Header::KeyDisabled)
        return State::Disabled;
    return State::Invalid;
}

uint64_t Luks1Header::afSectors(uint64_t keyBytes)
{
    return (keyBytes * Stripes + 511) / 512;
}

std::array<uint32_t, Luks1Header::KeyslotCount> Luks1Header::standardKeyslotOffsets(uint32_t keyBytes)
{
    std::array<uint32_t, KeyslotCount> offsets{};
    uint64_t next = AlignKeyslotsSectors;
    for (uint32_t& offset : offsets) {
        offset = uint32_t(next);
        next = (next + afSectors(keyBytes) + AlignKeyslotsSectors - 1) / AlignKeyslotsSectors *
               AlignKeyslotsSectors;
    }
    return offsets;
}

uint32_t Luks1Header::headerSectors(uint32_t keyBytes)
{
    const uint64_t end = standardKeyslotOffsets(keyBytes).back() + afSectors(keyBytes);
    return uint32_t((end + AlignKeyslotsSectors - 1) / AlignKeyslotsSectors * AlignKeyslotsSectors);
}

Result<Luks1Header> Luks1Header::fromRaw(const Luks1RawHeader& raw, const QString& device)
{
    if (raw.magic != Luks1RawHeader::Magic)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device %1 is not a valid LUKS device.").arg(device));
    if (raw.version != 1)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("Unsupported LUKS version %1.").arg(raw.version));

    Luks1Header header;
    header.cipherName = fieldString(raw.cipherName);
    header.cipherMode = fieldString(raw.cipherMode);
    header.hashSpec = fieldString(raw.hashSpec);
    header.uuid = fieldString(raw.uuid);
    header.payloadOffset = raw.payloadOffset;
    header.keyBytes = raw.keyBytes;
    header.mkDigest = raw.mkDigest;
    header.mkDigestSalt = raw.mkDigestSalt;
    header.mkDigestIterations = raw.mkDigestIterations;
    for (int i = 0; i < KeyslotCount; ++i) {
        const Luks1RawKeyslot& in = raw.keyslots[size_t(i)];
        Luks1Keyslot& out = header.keyslots[size_t(i)];
        out.active = in.active;
        out.iterations = in.passwordIterations;
        out.salt = in.passwordSalt;
        out.keyMaterialOffset = in.keyMaterialOffset;
        out.stripes = in.stripes;
    }
    if (Status status = header.validate(device); !status)
        return status;
    return header;
}

Luks1RawHeader Luks1Header::toRaw() const
{
    Luks1RawHeader raw;
    raw.magic = Luks1RawHeader::Magic;
    raw.version = 1;
    storeString(raw.cipherName, cipherName);
    storeString(raw.cipherMode, cipherMode);
    storeString(raw.hashSpec, hashSpec);
    raw.payloadOffset = payloadOffset;
    raw.keyBytes = keyBytes;
    raw.mkDigest = mkDigest;
    raw.mkDigestSalt = mkDigestSalt;
    raw.mkDigestIterations = mkDigestIterations;
    storeString(raw.uuid, uuid);
    for (int i = 0; i < KeyslotCount; ++i) {
        const Luks1Keyslot& in = keyslots[size_t(i)];
        Luks1RawKeyslot& out = raw.keyslots[size_t(i)];
        out.active = in.active;
        out.passwordIterations = in.iterations;
        out.passwordSalt = in.salt;
        out.keyMaterialOffset = in.keyMaterialOffset;
        out.stripes = in.stripes;
    }
    return raw;
}

Status Luks1Header::validate(const QString& device) const
{
    // Strings a write would truncate (fromRaw can never produce them; a caller of format can).
    const auto tooLong = [](const QString& text, qsizetype max) {
        return text.size() > max ||
               std::any_of(text.begin(), text.end(), [](QChar c) { return c.unicode() > 0xff; });
    };
    if (tooLong(cipherName, 31) || tooLong(cipherMode, 31) || tooLong(hashSpec, 31) || tooLong(uuid, 39))
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("LUKS1 header field too long or not Latin-1 (cipher %1-%2, hash %3, UUID %4).")
                .arg(cipherName, cipherMode, hashSpec, uuid));

    const std::optional<size_t> hmacBytes = HashContext::digestSize(hashForCrypto());
    if (!hmacBytes || *hmacBytes < DigestBytes)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("Requested LUKS hash %1 is not supported.").arg(hashSpec));

    // LUKS_check_keyslots: every slot, enabled or not, in slot order; then overlaps in offset
    // order (a stable insertion sort, so equal offsets keep slot order, as cryptsetup's).
    const uint64_t secs = afSectors(keyBytes);
    for (int i = 0; i < KeyslotCount; ++i) {
        const Luks1Keyslot& slot = keyslots[size_t(i)];
        if (slot.stripes != Stripes)
            return invalidKeyslot(i);
        // cryptsetup multiplies in 32 bits; an offset that wraps is refused there too.
        if (uint32_t(slot.keyMaterialOffset * 512u) < Luks1RawHeader::DiskBytes)
            return invalidKeyslot(i);
        if (payloadOffset == 0) // detached header: no data area to stay below
            continue;
        if (payloadOffset <= slot.keyMaterialOffset || payloadOffset < slot.keyMaterialOffset + secs)
            return invalidKeyslot(i);
    }
    std::array<int, KeyslotCount> sorted = {0, 1, 2, 3, 4, 5, 6, 7};
    std::stable_sort(sorted.begin(), sorted.end(), [this](int a, int b) {
        return keyslots[size_t(a)].keyMaterialOffset < keyslots[size_t(b)].keyMaterialOffset;
    });
    for (int i = 1; i < KeyslotCount; ++i) {
        const int prev = sorted[size_t(i - 1)];
        if (keyslots[size_t(sorted[size_t(i)])].keyMaterialOffset <
            keyslots[size_t(prev)].keyMaterialOffset + secs)
            return invalidKeyslot(prev);
    }

    // LUKS_check_device_size refuses a zero key size without a message of its own; the CLI
    // then reports the device as not LUKS.
    if (keyBytes == 0)
        return Status(ErrorCode::Corruption,
                      QStringLiteral("Device %1 is not a valid LUKS device.").arg(device));
    // cryptsetup has no upper bound (the keyslot checks above bound it by the layout); without
    // one a header on a large sparse file could make an unlock allocate gigabytes.
    if (keyBytes > MaxKeyBytes)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("LUKS1 volume key size %1 bytes is not supported (at most %2 bytes).")
                          .arg(keyBytes)
                          .arg(MaxKeyBytes));
    return Status::ok();
}

uint64_t Luks1Header::requiredSectors() const
{
    uint32_t last = 0;
    for (const Luks1Keyslot& slot : keyslots)
        last = std::max(last, slot.keyMaterialOffset);
    return uint64_t(last) + afSectors(keyBytes);
}

Status Luks1Header::checkDeviceSize(uint64_t deviceBytes, const QString& device) const
{
    const uint64_t required = requiredSectors();
    if (deviceBytes / 512 < required)
        return Status(ErrorCode::Corruption,
                      QStringLiteral("Device %1 is too small. (LUKS1 requires at least %2 bytes.)")
                          .arg(device)
                          .arg(required * 512));
    return Status::ok();
}

uint64_t Luks1Header::keyMaterialByteOffset(int keyslot) const
{
    return uint64_t(keyslots[size_t(keyslot)].keyMaterialOffset) * 512;
}

} // namespace cryptstack
