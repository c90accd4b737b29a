#include "Luks1Volume.h"

#include "formats/AfSplitter.h"
#include "formats/ConstantTime.h"
#include "formats/HashContext.h"
#include "formats/KeyslotCipher.h"
#include "formats/Pbkdf.h"
#include "formats/SecureRandom.h"
#include "formats/Uuid.h"

#include <algorithm>
#include <vector>

namespace cryptstack {

namespace {

constexpr uint64_t DefaultAlignmentSectors = 2048; // DEFAULT_DISK_ALIGNMENT, 1 MiB
constexpr uint64_t MaxKeyslotBytes = 16ull << 20;  // LUKS_MAX_KEYSLOT_SIZE
constexpr uint64_t WipeChunkBytes = 1 << 20;

const QString Pbkdf2 = QStringLiteral("pbkdf2");

Status noKey()
{
    return Status(ErrorCode::WrongPassphrase, QStringLiteral("No key available with this passphrase."));
}

Status noUsableKeyslot()
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("No usable keyslot is available."));
}

Status keyMismatch()
{
    return Status(ErrorCode::WrongPassphrase, QStringLiteral("Volume key does not match the volume."));
}

Status invalidSlotChoice(int keyslot)
{
    return Status(ErrorCode::InvalidArgument,
                  QStringLiteral("Key slot %1 is invalid, please select between 0 and %2.")
                      .arg(keyslot)
                      .arg(Luks1Header::KeyslotCount - 1));
}

std::span<uint8_t> writable(SecureBuffer& buffer)
{
    return {buffer.data(), buffer.size()};
}

KdfParams pbkdf2(const Luks1Header& header, uint32_t iterations)
{
    KdfParams params;
    params.type = Pbkdf2;
    params.hash = header.hashForCrypto();
    params.iterations = iterations;
    return params;
}

// The MK digest of a candidate key (§1.5).
Result<std::array<uint8_t, Luks1Header::DigestBytes>> mkDigestOf(const Luks1Header& header,
                                                                 std::span<const uint8_t> volumeKey)
{
    std::array<uint8_t, Luks1Header::DigestBytes> digest{};
    if (Status derived =
            Pbkdf::derive(pbkdf2(header, header.mkDigestIterations), volumeKey, header.mkDigestSalt, digest);
        !derived)
        return derived;
    return digest;
}

// "aa bb … " as luksDump prints bytes: two hex digits and a space each.
QString hexBytes(std::span<const uint8_t> bytes)
{
    QString text;
    for (uint8_t b : bytes)
        text += QStringLiteral("%1 ").arg(b, 2, 16, QLatin1Char('0'));
    return text;
}

uint64_t roundUp(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

// Checks that the cipher takes a key of this size, as LUKS_check_cipher does by decrypting one
// sector with a random key.
Status checkCipher(const QString& spec, size_t keyBytes)
{
    SecureBuffer key(keyBytes);
    if (Status random = SecureRandom::fill(writable(key)); !random)
        return random;
    auto cipher = KeyslotCipher::create(spec, key.bytes());
    if (!cipher)
        return cipher.status();
    std::array<uint8_t, 512> sector{};
    Status status = cipher->decrypt(sector, sector);
    SecureBuffer::wipe(sector.data(), sector.size());
    return status;
}

Status writeZeroes(HeaderDevice& device, uint64_t offset, uint64_t length)
{
    const std::vector<uint8_t> zeroes(std::min(length, WipeChunkBytes), 0);
    for (uint64_t done = 0; done < length;) {
        const size_t n = size_t(std::min<uint64_t>(length - done, zeroes.size()));
        if (Status status = device.write(offset + done, std::span(zeroes).first(n)); !status)
            return status;
        done += n;
    }
    return Status::ok();
}

Status writeRandom(HeaderDevice& device, uint64_t offset, uint64_t length)
{
    std::vector<uint8_t> chunk(std::min(length, WipeChunkBytes));
    for (uint64_t done = 0; done < length;) {
        const size_t n = size_t(std::min<uint64_t>(length - done, chunk.size()));
        if (Status status = SecureRandom::fill(std::span(chunk).first(n)); !status)
            return status;
        if (Status status = device.write(offset + done, std::span(chunk).first(n)); !status)
            return status;
        done += n;
    }
    return Status::ok();
}

} // namespace

Luks1Volume::Luks1Volume(std::unique_ptr<HeaderDevice> device, Luks1Header header)
    : LuksVolume(std::move(device)), m_header(std::move(header))
{}

Result<Luks1Header> Luks1Volume::readHeader(const HeaderDevice& device)
{
    std::array<uint8_t, Luks1RawHeader::DiskBytes> bytes{};
    if (device.size() < bytes.size())
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device %1 is not a valid LUKS device.").arg(device.path()));
    if (Status read = device.read(0, bytes); !read)
        return read;
    auto header = Luks1Header::fromRaw(Luks1RawHeader::decode(bytes), device.path());
    if (!header)
        return header;
    if (Status size = header->checkDeviceSize(device.size(), device.path()); !size)
        return size;
    return header;
}

Result<std::unique_ptr<Luks1Volume>> Luks1Volume::load(std::unique_ptr<HeaderDevice> device)
{
    auto header = readHeader(*device);
    if (!header)
        return header.status();
    return std::unique_ptr<Luks1Volume>(new Luks1Volume(std::move(device), std::move(header.value())));
}

Result<Luks1Header> Luks1Volume::writeHeader(HeaderDevice& device, const Luks1Header& header)
{
    if (Status valid = header.validate(device.path()); !valid)
        return valid;
    const uint64_t required = header.requiredSectors() * 512;
    if (device.size() < required) {
        if (!device.isRegularFile())
            return header.checkDeviceSize(device.size(), device.path());
        if (Status grown = device.growTo(required); !grown)
            return grown;
    }
    const auto bytes = header.toRaw().encode();
    if (Status written = device.write(0, bytes); !written)
        return written.prefixed(
            QStringLiteral("Error during update of LUKS header on device %1: ").arg(device.path()));
    if (Status synced = device.sync(); !synced)
        return synced;
    // Read back what is on disk now, so the model is exactly the device's header.
    auto reread = readHeader(device);
    if (!reread)
        return reread.status().prefixed(
            QStringLiteral("Error re-reading LUKS header after update on device %1: ").arg(device.path()));
    return reread;
}

Result<std::unique_ptr<Luks1Volume>> Luks1Volume::create(std::unique_ptr<HeaderDevice> device,
                                                         const Luks1Header& header,
                                                         const BeforeHeaderWrite& beforeWrite)
{
    if (Status valid = header.validate(device->path()); !valid)
        return valid;
    if (!device->isRegularFile()) {
        if (Status size = header.checkDeviceSize(device->size(), device->path()); !size)
            return size;
    }
    auto updateLock = device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    if (beforeWrite) {
        if (Status prepared = beforeWrite(*device); !prepared)
            return prepared;
    }
    auto written = writeHeader(*device, header);
    if (!written)
        return written.status();
    return std::unique_ptr<Luks1Volume>(new Luks1Volume(std::move(device), std::move(written.value())));
}

Status Luks1Volume::checkWritable() const
{
    if (!m_device->isWritable())
        return Status(ErrorCode::PermissionDenied,
                      QStringLiteral("Cannot write to device %1, permission denied.").arg(m_device->path()));
    return Status::ok();
}

Result<std::unique_ptr<Luks1Volume>> Luks1Volume::format(std::unique_ptr<HeaderDevice> device,
                                                         const Luks1FormatOptions& options,
                                                         const SecureBuffer& volumeKey)
{
    QStringList warnings;
    const size_t keyBytes = volumeKey.size();
    if (keyBytes == 0 || keyBytes > Luks1Header::MaxKeyBytes)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Invalid volume key size %1 bytes for LUKS1.").arg(keyBytes));

    // crypt_set_data_offset, then _crypt_format_luks1.
    uint64_t dataOffset = options.payloadOffsetSectors.value_or(0);
    if (dataOffset % 8)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Data offset is not multiple of 4096 bytes."));
    if (dataOffset && options.alignPayloadSectors && dataOffset % options.alignPayloadSectors)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Requested data alignment is not compatible with data offset."));
    KdfRequest kdf = options.kdf;
    if (!kdf.type.isEmpty() && kdf.type != Pbkdf2) {
        // cryptsetup prints this and carries on with PBKDF2 (exit 0).
        warnings << QStringLiteral("Requested PBKDF type is not supported for LUKS1.");
    }
    kdf.type = Pbkdf2;
    kdf.hash = options.hash.toLower();

    uint64_t alignment = 0;
    if (options.detachedHeader) {
        // The alignment is the data offset itself on the data device.
        if (!dataOffset)
            dataOffset = options.alignPayloadSectors;
        alignment = options.alignPayloadSectors;
    } else {
        alignment = options.alignPayloadSectors ? options.alignPayloadSectors : DefaultAlignmentSectors;
    }

    const QString spec = options.cipherName + u'-' + options.cipherMode;
    if (Status usable = checkCipher(spec, keyBytes); !usable)
        return usable;

    // LUKS_generate_phdr.
    Luks1Header header;
    header.keyBytes = uint32_t(keyBytes);
    const auto offsets = Luks1Header::standardKeyslotOffsets(header.keyBytes);
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        Luks1Keyslot& slot = header.keyslots[size_t(i)];
        slot.active = Luks1Header::KeyDisabled;
        slot.keyMaterialOffset = offsets[size_t(i)];
        slot.stripes = Luks1Header::Stripes;
    }
    const uint32_t headerSectors = Luks1Header::headerSectors(header.keyBytes);
    uint64_t payload = 0;
    if (dataOffset)
        payload = dataOffset;
    else if (alignment)
        payload = roundUp(headerSectors, alignment);
    if (payload && payload < headerSectors)
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("Data offset for LUKS header must be either 0 or higher than header size."));
    if (payload > UINT32_MAX)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Data offset %1 is too large for LUKS1.").arg(payload));
    header.payloadOffset = uint32_t(payload);

    const std::optional<size_t> hmacBytes = HashContext::digestSize(options.hash.toLower());
    if (!hmacBytes || *hmacBytes < Luks1Header::DigestBytes)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("Requested LUKS hash %1 is not supported.").arg(options.hash));
    if (options.uuid.isEmpty()) {
        header.uuid = Uuid::generate();
    } else {
        const std::optional<QString> canonical = Uuid::canonical(options.uuid);
        if (!canonical)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Wrong LUKS UUID format provided."));
        header.uuid = *canonical;
    }
    header.cipherName = options.cipherName;
    header.cipherMode = options.cipherMode;
    header.hashSpec = options.hash.toLower();

    const bool forced = kdf.forcedIterations != 0;
    if (forced) {
        // Refuses what cryptsetup refuses (forced count below 1000) before anything is written.
        auto checked = Pbkdf::resolve(kdf, Pbkdf2, header.hashSpec, keyBytes);
        if (!checked)
            return checked.status();
    }
    if (Status salt = SecureRandom::fill(header.mkDigestSalt); !salt)
        return salt;
    auto iterations = Pbkdf::digestIterations(header.hashSpec, keyBytes, forced);
    if (!iterations)
        return iterations.status();
    header.mkDigestIterations = std::max<uint32_t>(*iterations, 1000);
    auto digest = mkDigestOf(header, volumeKey.bytes());
    if (!digest)
        return digest.status().prefixed(
            QStringLiteral("Cannot create LUKS header: header digest failed (using hash %1): ")
                .arg(header.hashSpec));
    header.mkDigest = *digest;
    if (Status valid = header.validate(device->path()); !valid)
        return valid;

    // LUKS_wipe_header_areas: zeroes up to the payload (4 KiB for a detached header or an absurd
    // offset), random bytes in every keyslot area; the header itself goes last.
    uint64_t zeroBytes = uint64_t(header.payloadOffset) * 512;
    if (zeroBytes == 0 || zeroBytes > MaxKeyslotBytes * Luks1Header::KeyslotCount)
        zeroBytes = 4096;
    uint64_t needed = std::max<uint64_t>(zeroBytes, header.requiredSectors() * 512);
    if (options.detachedHeader)
        needed = std::max<uint64_t>(needed, uint64_t(headerSectors) * 512);
    if (!device->isWritable())
        return Status(ErrorCode::PermissionDenied,
                      QStringLiteral("Cannot write to device %1, permission denied.").arg(device->path()));
    if (device->size() < needed && !device->isRegularFile())
        return header.checkDeviceSize(device->size(), device->path());

    auto updateLock = device->lockForUpdate();

    if (!updateLock)

        return updateLock.status();
    if (Status grown = device->growTo(needed); !grown)
        return grown;
    const auto wipeFailed = [&](const Status& status) {
        return status.prefixed(QStringLiteral("Cannot wipe header on device %1: ").arg(device->path()));
    };
    if (Status zeroed = writeZeroes(*device, 0, zeroBytes); !zeroed)
        return wipeFailed(zeroed);
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        const uint64_t offset = header.keyMaterialByteOffset(i);
        const uint64_t length = header.keyMaterialBytes();
        if (length > MaxKeyslotBytes || offset > MaxKeyslotBytes - length)
            continue;
        if (Status filled = writeRandom(*device, offset, length); !filled)
            return wipeFailed(filled);
    }
    if (!options.detachedHeader && device->size() <= uint64_t(header.payloadOffset) * 512)
        warnings << QStringLiteral(
                        "Device %1 is too small for activation, there is no remaining space for data.")
                        .arg(device->path());
    if (options.headerWithFirstKeyslot) {
        // The wipe zeroed the old header; storeKey writes this one with the first keyslot.
        if (Status synced = device->sync(); !synced)
            return synced;
        std::unique_ptr<Luks1Volume> volume(new Luks1Volume(std::move(device), std::move(header)));
        volume->m_warnings = warnings;
        return volume;
    }
    auto written = writeHeader(*device, header);
    if (!written)
        return written.status();

    std::unique_ptr<Luks1Volume> volume(new Luks1Volume(std::move(device), std::move(written.value())));
    volume->m_warnings = warnings;
    return volume;
}

bool Luks1Volume::isKeyslotActive(int keyslot) const
{
    return keyslotState(keyslot) == Luks1Keyslot::State::Enabled;
}

Luks1Keyslot::State Luks1Volume::keyslotState(int keyslot) const
{
    if (keyslot < 0 || keyslot >= Luks1Header::KeyslotCount)
        return Luks1Keyslot::State::Invalid;
    return m_header.keyslots[size_t(keyslot)].state();
}

CryptActivation Luks1Volume::activation() const
{
    CryptActivation table;
    table.cipher = m_header.cipherSpec();
    table.keyBytes = m_header.keyBytes;
    table.ivOffset = 0;
    table.dataOffsetSectors = m_header.payloadOffset;
    table.sectorSize = 512;
    return table;
}

Result<SecureBuffer> Luks1Volume::openKeyslot(int keyslot, std::span<const uint8_t> passphrase) const
{
    const Luks1Keyslot& slot = m_header.keyslots[size_t(keyslot)];
    SecureBuffer derived(m_header.keyBytes);
    if (Status status =
            Pbkdf::derive(pbkdf2(m_header, slot.iterations), passphrase, slot.salt, writable(derived));
        !status)
        return Status(status.code() == ErrorCode::NoMemory ? ErrorCode::NoMemory : ErrorCode::InvalidArgument,
                      QStringLiteral("Cannot open keyslot (using hash %1).").arg(m_header.hashSpec));

    SecureBuffer material(m_header.keyMaterialBytes());
    if (Status read = m_device->read(m_header.keyMaterialByteOffset(keyslot), writable(material)); !read)
        return read;
    auto cipher = KeyslotCipher::create(m_header.cipherSpec(), derived.bytes());
    if (!cipher)
        return cipher.status();
    if (Status decrypted = cipher->decrypt(material.bytes(), writable(material)); !decrypted)
        return decrypted;

    SecureBuffer key(m_header.keyBytes);
    const size_t split = AfSplitter::splitBytes(m_header.keyBytes, Luks1Header::Stripes);
    if (Status merged = AfSplitter::merge(material.slice(0, split), Luks1Header::Stripes,
                                          m_header.hashForCrypto(), writable(key));
        !merged)
        return merged;
    if (Status verified = verifyVolumeKey(key); !verified)
        return verified.code() == ErrorCode::WrongPassphrase ? noKey() : verified;
    // cipher_null volumes open only with an empty passphrase (LUKS_open_key).
    if (m_header.cipherName == u"cipher_null" && !passphrase.empty())
        return noKey();
    return key;
}

Result<UnlockedKey> Luks1Volume::unlock(std::span<const uint8_t> passphrase, std::optional<int> keyslot)
{
    if (keyslot) {
        if (keyslotState(*keyslot) != Luks1Keyslot::State::Enabled)
            return noUsableKeyslot();
        auto key = openKeyslot(*keyslot, passphrase);
        if (!key)
            return key.status();
        return UnlockedKey{*keyslot, std::move(key.value())};
    }
    // LUKS_open_key_with_hdr: a wrong passphrase moves on, any other error stops.
    bool tried = false;
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        if (keyslotState(i) != Luks1Keyslot::State::Enabled)
            continue;
        auto key = openKeyslot(i, passphrase);
        if (key)
            return UnlockedKey{i, std::move(key.value())};
        if (key.status().code() != ErrorCode::WrongPassphrase)
            return key.status();
        tried = true;
    }
    return tried ? noKey() : noUsableKeyslot();
}

Status Luks1Volume::verifyVolumeKey(const SecureBuffer& volumeKey) const
{
    if (volumeKey.size() != m_header.keyBytes)
        return keyMismatch();
    auto digest = mkDigestOf(m_header, volumeKey.bytes());
    if (!digest)
        return digest.status();
    if (!constantTimeEqual(*digest, m_header.mkDigest))
        return keyMismatch();
    return Status::ok();
}

Result<KdfParams> Luks1Volume::resolveKdf(const AddKeyslotOptions& options)
{
    KdfRequest request = options.kdf;
    if (!request.type.isEmpty() && request.type != Pbkdf2)
        m_warnings << QStringLiteral("Requested PBKDF type is not supported for LUKS1.");
    // LUKS1 keyslots always use PBKDF2 with the header's hash.
    request.type = Pbkdf2;
    request.hash = m_header.hashForCrypto();
    auto params = Pbkdf::resolve(request, Pbkdf2, request.hash, m_header.keyBytes, options.cancel);
    if (!params)
        return params;
    params->iterations = std::max<uint32_t>(params->iterations, 1000); // LUKS_SLOT_ITERATIONS_MIN
    return params;
}

Status Luks1Volume::storeKey(int keyslot, const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                             const KdfParams& kdf)
{
    Luks1Header next = m_header;
    Luks1Keyslot& slot = next.keyslots[size_t(keyslot)];
    if (slot.state() != Luks1Keyslot::State::Disabled)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Key slot %1 active, purge first.").arg(keyslot));
    slot.iterations = kdf.iterations;
    if (Status salt = SecureRandom::fill(slot.salt); !salt)
        return salt;
    SecureBuffer derived(next.keyBytes);
    if (Status status =
            Pbkdf::derive(pbkdf2(next, slot.iterations), passphrase, slot.salt, writable(derived));
        !status)
        return status;

    // The split key, zero-padded to whole sectors, encrypted with IV sectors from 0.
    SecureBuffer material(next.keyMaterialBytes());
    const size_t split = AfSplitter::splitBytes(next.keyBytes, Luks1Header::Stripes);
    if (Status status = AfSplitter::split(volumeKey.bytes(), Luks1Header::Stripes, next.hashForCrypto(),
                                          writable(material).first(split));
        !status)
        return status;
    auto cipher = KeyslotCipher::create(next.cipherSpec(), derived.bytes());
    if (!cipher)
        return cipher.status();
    if (Status status = cipher->encrypt(material.bytes(), writable(material)); !status)
        return status;

    slot.active = Luks1Header::KeyEnabled;
    if (Status valid = next.validate(m_device->path()); !valid)
        return valid;
    // Material first, then the header: a crash in between leaves the slot disabled.
    if (Status written = m_device->write(next.keyMaterialByteOffset(keyslot), material.bytes()); !written)
        return written;
    if (Status synced = m_device->sync(); !synced)
        return synced;
    auto header = writeHeader(*m_device, next);
    if (!header)
        return header.status();
    m_header = std::move(header.value());
    return Status::ok();
}

Result<int> Luks1Volume::addKeyslot(const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                                    const AddKeyslotOptions& options)
{
    if (Status status = checkWritable(); !status)
        return status;
    // keyslot_verify_or_find_empty.
    int keyslot = -1;
    if (options.keyslot) {
        keyslot = *options.keyslot;
    } else {
        for (int i = 0; i < Luks1Header::KeyslotCount && keyslot < 0; ++i) {
            if (keyslotState(i) == Luks1Keyslot::State::Disabled)
                keyslot = i;
        }
        if (keyslot < 0)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("All key slots full."));
    }
    switch (keyslotState(keyslot)) {
    case Luks1Keyslot::State::Invalid:
        return invalidSlotChoice(keyslot);
    case Luks1Keyslot::State::Enabled:
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Key slot %1 is full, please select another one.").arg(keyslot));
    case Luks1Keyslot::State::Disabled:
        break;
    }
    if (Status key = verifyVolumeKey(volumeKey); !key)
        return key;
    auto kdf = resolveKdf(options);
    if (!kdf)
        return kdf.status();
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    if (Status stored = storeKey(keyslot, volumeKey, passphrase, *kdf); !stored)
        return stored;
    return keyslot;
}

Status Luks1Volume::wipeKeyMaterial(int keyslot)
{
    // cryptsetup's CRYPT_WIPE_SPECIAL makes 39 pattern passes and a random one; on files and
    // flash those extra passes buy nothing, so one zero pass and the final random pass remain.
    const uint64_t offset = m_header.keyMaterialByteOffset(keyslot);
    const uint64_t length = m_header.keyMaterialBytes();
    if (Status status = writeZeroes(*m_device, offset, length); !status)
        return status;
    if (Status status = m_device->sync(); !status)
        return status;
    if (Status status = writeRandom(*m_device, offset, length); !status)
        return status;
    return m_device->sync();
}

Status Luks1Volume::destroyKeyslot(int keyslot)
{
    if (Status status = checkWritable(); !status)
        return status;
    switch (keyslotState(keyslot)) {
    case Luks1Keyslot::State::Invalid:
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Key slot %1 is invalid.").arg(keyslot));
    case Luks1Keyslot::State::Disabled:
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Keyslot %1 is not active.").arg(keyslot));
    case Luks1Keyslot::State::Enabled:
        break;
    }
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    // LUKS_del_key works on a fresh copy of the header.
    auto fresh = readHeader(*m_device);
    if (!fresh)
        return fresh.status();
    m_header = std::move(fresh.value());
    Luks1Header next = m_header;
    Luks1Keyslot& slot = next.keyslots[size_t(keyslot)];
    if (slot.state() == Luks1Keyslot::State::Invalid)
        return invalidSlotChoice(keyslot);
    slot.active = Luks1Header::KeyDisabled;
    slot.salt.fill(0);
    slot.iterations = 0;
    if (Status valid = next.validate(m_device->path()); !valid)
        return valid;
    if (Status wiped = wipeKeyMaterial(keyslot); !wiped)
        return wiped.prefixed(QStringLiteral("Cannot wipe device %1: ").arg(m_device->path()));
    auto header = writeHeader(*m_device, next);
    if (!header)
        return header.status();
    m_header = std::move(header.value());
    return Status::ok();
}

Result<int> Luks1Volume::changeKeyslot(const UnlockedKey& opened, std::span<const uint8_t> newPassphrase,
                                       const AddKeyslotOptions& options)
{
    if (Status status = checkWritable(); !status)
        return status;
    const int oldSlot = opened.keyslot;
    if (keyslotState(oldSlot) != Luks1Keyslot::State::Enabled)
        return noUsableKeyslot();
    if (Status key = verifyVolumeKey(opened.volumeKey); !key)
        return key;
    // crypt_keyslot_change_by_passphrase: a free slot when there is one, else the same slot.
    int newSlot = -1;
    if (options.keyslot) {
        newSlot = *options.keyslot;
        if (newSlot < 0 || newSlot >= Luks1Header::KeyslotCount)
            return invalidSlotChoice(newSlot);
    } else {
        for (int i = 0; i < Luks1Header::KeyslotCount && newSlot < 0; ++i) {
            if (keyslotState(i) == Luks1Keyslot::State::Disabled)
                newSlot = i;
        }
        if (newSlot < 0)
            newSlot = oldSlot;
    }
    if (newSlot != oldSlot && keyslotState(newSlot) != Luks1Keyslot::State::Disabled)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Key slot %1 active, purge first.").arg(newSlot));
    auto kdf = resolveKdf(options);
    if (!kdf)
        return kdf.status();
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    // LUKS1 overwrites in place when no other slot is free: the old slot goes first (as
    // cryptsetup does; the volume key is still in memory for the new one).
    if (newSlot == oldSlot) {
        if (Status destroyed = destroyKeyslot(oldSlot); !destroyed)
            return destroyed;
    }
    if (Status stored = storeKey(newSlot, opened.volumeKey, newPassphrase, *kdf); !stored)
        return stored;
    if (newSlot != oldSlot) {
        if (Status destroyed = destroyKeyslot(oldSlot); !destroyed)
            return destroyed;
    }
    return newSlot;
}

Status Luks1Volume::setUuid(const QString& uuid)
{
    QString value;
    if (uuid.isEmpty()) {
        value = Uuid::generate();
    } else {
        const std::optional<QString> canonical = Uuid::canonical(uuid);
        if (!canonical)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Wrong LUKS UUID format provided."));
        value = *canonical;
    }
    if (Status status = checkWritable(); !status)
        return status;
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    Luks1Header next = m_header;
    next.uuid = value;
    auto header = writeHeader(*m_device, next);
    if (!header)
        return header.status();
    m_header = std::move(header.value());
    return Status::ok();
}

Status Luks1Volume::eraseAllKeyslots()
{
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        if (!isKeyslotActive(i))
            continue;
        if (Status destroyed = destroyKeyslot(i); !destroyed)
            return destroyed;
    }
    return Status::ok();
}

uint64_t Luks1Volume::headerBytes() const
{
    // LUKS_hdr_backup: up to the end of the last keyslot area, rounded up to the page size.
    return roundUp(m_header.requiredSectors() * 512, 4096);
}

QString Luks1Volume::dump(const QString& deviceName) const
{
    const Luks1Header& h = m_header;
    const std::span<const uint8_t> salt(h.mkDigestSalt);
    QString out;
    out += QStringLiteral("LUKS header information for %1\n\n").arg(deviceName);
    out += QStringLiteral("Version:       \t1\n");
    out += QStringLiteral("Cipher name:   \t%1\n").arg(h.cipherName);
    out += QStringLiteral("Cipher mode:   \t%1\n").arg(h.cipherMode);
    out += QStringLiteral("Hash spec:     \t%1\n").arg(h.hashSpec);
    out += QStringLiteral("Payload offset:\t%1\n").arg(h.payloadOffset);
    out += QStringLiteral("MK bits:       \t%1\n").arg(uint64_t(h.keyBytes) * 8);
    out += QStringLiteral("MK digest:     \t%1\n").arg(hexBytes(h.mkDigest));
    out += QStringLiteral("MK salt:       \t%1\n").arg(hexBytes(salt.first(16)));
    out += QStringLiteral("               \t%1\n").arg(hexBytes(salt.subspan(16)));
    out += QStringLiteral("MK iterations: \t%1\n").arg(h.mkDigestIterations);
    out += QStringLiteral("UUID:          \t%1\n\n").arg(h.uuid);
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        const Luks1Keyslot& slot = h.keyslots[size_t(i)];
        if (slot.state() != Luks1Keyslot::State::Enabled) {
            out += QStringLiteral("Key Slot %1: DISABLED\n").arg(i);
            continue;
        }
        const std::span<const uint8_t> slotSalt(slot.salt);
        out += QStringLiteral("Key Slot %1: ENABLED\n").arg(i);
        out += QStringLiteral("\tIterations:         \t%1\n").arg(slot.iterations);
        out += QStringLiteral("\tSalt:               \t%1\n").arg(hexBytes(slotSalt.first(16)));
        out += QStringLiteral("\t                      \t%1\n").arg(hexBytes(slotSalt.subspan(16)));
        out += QStringLiteral("\tKey material offset:\t%1\n").arg(slot.keyMaterialOffset);
        out += QStringLiteral("\tAF stripes:            \t%1\n").arg(slot.stripes);
    }
    return out;
}

} // namespace cryptstack
