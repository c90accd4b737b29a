#include "LuksConvert.h"

#include "Base64.h"
#include "CipherNames.h"
#include "HashContext.h"
#include "KeyslotCipher.h"
#include "SecureRandom.h"
#include "luks1/Luks1Volume.h"
#include "luks2/Luks2BinaryHeader.h"
#include "luks2/Luks2Validator.h"
#include "luks2/Luks2Volume.h"

#include <algorithm>
#include <cstring>
#include <vector>

// Crash safety. cryptsetup moves the keyslot areas in place (one read of the whole source, one
// write) and then writes the new header; we keep that end result byte for byte and that order,
// but every check, the new header, the read of the source and the caller's backup come first, so
// the window is only the move write, its fsync and the header write:
// - LUKS1 -> LUKS2: from the first byte written at 32768 until the primary LUKS2 header carries
//   its checksum, the LUKS1 header at 0 points at key material that is partly overwritten. After
//   that a crash leaves a valid primary (the secondary is rewritten by recovery).
// - LUKS2 -> LUKS1: the move overwrites the primary JSON area and the whole secondary copy, so
//   from the first byte written at 4096 until the LUKS1 header is written at 0 neither version is
//   readable.
// No ordering without a scratch copy closes these windows (the new header and the moved material
// occupy the old header's key material); the backup taken in beforeWrite is the way back.

namespace cryptstack {

using luks2::JsonMember;
using luks2::JsonValue;
using luks2::Luks2BinaryHeader;
using luks2::Luks2Validator;

namespace {

constexpr uint64_t Luks2HeaderBytes = 16384; // the only metadata size conversion writes
constexpr uint64_t Luks2KeyslotsStart = 2 * Luks2HeaderBytes;
constexpr uint64_t Luks1KeyslotsStart = 4096;                       // LUKS_ALIGN_KEYSLOTS
constexpr uint64_t Shift = Luks2KeyslotsStart - Luks1KeyslotsStart; // 28672 bytes, 56 sectors
constexpr uint64_t JsonAreaBytes = Luks2HeaderBytes - Luks2BinaryHeader::Size;
constexpr char LuksMetaMagic[] = "LUKSMETA";

uint64_t roundUp(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

// A keyslot area as both formats lay it out: the AF-split key in 512-byte sectors, 4 KiB aligned.
uint64_t areaBytes(uint64_t keyBytes)
{
    return roundUp(Luks1Header::afSectors(keyBytes) * 512, 4096);
}

Status invalid(const QString& message)
{
    return Status(ErrorCode::InvalidArgument, message);
}

Status refuseLuks1(const QString& why)
{
    return invalid(QStringLiteral("Cannot convert to LUKS1 format - ") + why);
}

Status checkWritable(const HeaderDevice& device)
{
    if (!device.isWritable())
        return Status(ErrorCode::PermissionDenied,
                      QStringLiteral("Cannot write to device %1, permission denied.").arg(device.path()));
    return Status::ok();
}

const JsonValue* at(const JsonValue* object, QByteArrayView key)
{
    return object && object->isObject() ? object->find(key) : nullptr;
}

QByteArray text(const JsonValue* value)
{
    return Luks2Validator::cString(value);
}

// LUKS2_unmet_requirements with no permitted requirement (onlyLUKS), 2.6.1's known names.
Status checkRequirements(const JsonValue& root)
{
    const JsonValue* mandatory = at(at(at(&root, "config"), "requirements"), "mandatory");
    if (!mandatory || !mandatory->isArray())
        return Status::ok();
    bool legacy = false;
    bool online = false;
    for (const JsonValue& requirement : mandatory->elements()) {
        const QByteArray name = text(&requirement);
        if (name == "offline-reencrypt")
            legacy = true;
        else if (name == "online-reencrypt" || name == "online-reencrypt-v2" || name == "online-reencrypt-v3")
            online = true;
        else
            return invalid(QStringLiteral("Unmet LUKS2 requirements detected."));
    }
    QStringList lines;
    if (legacy)
        lines +=
            QStringLiteral("Operation incompatible with device marked for legacy reencryption. Aborting.");
    if (online)
        lines +=
            QStringLiteral("Operation incompatible with device marked for LUKS2 reencryption. Aborting.");
    return lines.isEmpty() ? Status::ok() : invalid(lines.join(u'\n'));
}

// LUKS2_check_cipher: the cipher must work for keyslot encryption with a key of this size.
bool cipherUsable(const QString& spec, size_t keyBytes)
{
    SecureBuffer key(keyBytes);
    if (!SecureRandom::fill({key.data(), key.size()}))
        return false;
    auto cipher = KeyslotCipher::create(spec, key.bytes());
    if (!cipher)
        return false;
    std::array<uint8_t, 512> sector{};
    return bool(cipher->decrypt(sector, sector));
}

// move_keyslot_areas, split so that the source is read before anything is written.
Result<SecureBuffer> readMoveSource(const HeaderDevice& device, uint64_t from, uint64_t bytes)
{
    SecureBuffer buffer(bytes);
    if (Status read = device.read(from, {buffer.data(), buffer.size()}); !read)
        return read.prefixed(QStringLiteral("Unable to move keyslot area. "));
    return buffer;
}

Status writeMoved(HeaderDevice& device, uint64_t to, const SecureBuffer& moved)
{
    if (to + moved.size() > device.size())
        return invalid(QStringLiteral("Unable to move keyslot area. Not enough space."));
    Status status = device.write(to, moved.bytes());
    if (status)
        status = device.sync();
    return status.prefixed(QStringLiteral("Unable to move keyslot area. "));
}

// The header on disk is still the one the checks ran on (the user may have been asked for a
// while, and another tool may have changed it meanwhile).
Status checkLuks1Unchanged(const HeaderDevice& device, const Luks1Header& loaded)
{
    std::array<uint8_t, Luks1RawHeader::DiskBytes> bytes{};
    if (Status read = device.read(0, bytes); !read)
        return read;
    auto now = Luks1Header::fromRaw(Luks1RawHeader::decode(bytes), device.path());
    if (!now || now->toRaw().encode() != loaded.toRaw().encode())
        return invalid(QStringLiteral("The LUKS header on device %1 changed while the conversion was being "
                                      "prepared. Aborting operation.")
                           .arg(device.path()));
    return Status::ok();
}

// LUKS2_check_sequence_id: only a primary copy with our UUID counts.
Status checkLuks2Unchanged(const HeaderDevice& device, const QString& uuid, uint64_t seqid)
{
    std::array<uint8_t, Luks2BinaryHeader::Size> bytes{};
    if (Status read = device.read(0, bytes); !read)
        return read;
    auto primary = Luks2BinaryHeader::parse(bytes, 0, false);
    if (primary && QString::fromLatin1(primary->uuid) == uuid && primary->seqid != seqid)
        return invalid(
            QStringLiteral("Detected attempt for concurrent LUKS2 metadata update. Aborting operation."));
    return Status::ok();
}

// json_luks1_object with the areas already moved by 28672 bytes; member order as cryptsetup
// writes it.
JsonValue luks2Metadata(const Luks1Header& h, uint64_t keyslotsSize)
{
    const QByteArray cipher = (h.cipherMode.isEmpty() ? h.cipherName : h.cipherSpec()).toLatin1();
    const QByteArray hash = h.hashSpec.toLatin1();
    const QByteArray area = QByteArray::number(areaBytes(h.keyBytes));
    JsonValue keyslots = JsonValue::object();
    JsonValue bound = JsonValue::array();
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        const Luks1Keyslot& slot = h.keyslots[size_t(i)];
        if (slot.state() != Luks1Keyslot::State::Enabled)
            continue;
        JsonValue kdf = JsonValue::object();
        kdf.insert("type", JsonValue::string("pbkdf2"));
        kdf.insert("hash", JsonValue::string(hash));
        kdf.insert("iterations", JsonValue::integer(slot.iterations));
        kdf.insert("salt", JsonValue::string(Base64::encode(slot.salt)));
        JsonValue af = JsonValue::object();
        af.insert("type", JsonValue::string("luks1"));
        af.insert("hash", JsonValue::string(hash));
        af.insert("stripes", JsonValue::integer(Luks1Header::Stripes));
        JsonValue raw = JsonValue::object();
        raw.insert("type", JsonValue::string("raw"));
        raw.insert("encryption", JsonValue::string(cipher));
        raw.insert("key_size", JsonValue::integer(h.keyBytes));
        raw.insert("offset",
                   JsonValue::string(QByteArray::number(uint64_t(slot.keyMaterialOffset) * 512 + Shift)));
        raw.insert("size", JsonValue::string(area));
        JsonValue keyslot = JsonValue::object();
        keyslot.insert("type", JsonValue::string("luks2"));
        keyslot.insert("key_size", JsonValue::integer(h.keyBytes));
        keyslot.insert("kdf", std::move(kdf));
        keyslot.insert("af", std::move(af));
        keyslot.insert("area", std::move(raw));
        keyslots.insert(QByteArray::number(i), std::move(keyslot));
        bound.append(JsonValue::string(QByteArray::number(i)));
    }
    JsonValue segment = JsonValue::object();
    segment.insert("type", JsonValue::string("crypt"));
    segment.insert("offset", JsonValue::string(QByteArray::number(uint64_t(h.payloadOffset) * 512)));
    segment.insert("iv_tweak", JsonValue::string("0"));
    segment.insert("size", JsonValue::string("dynamic"));
    segment.insert("encryption", JsonValue::string(cipher));
    segment.insert("sector_size", JsonValue::integer(512));
    JsonValue segments = JsonValue::object();
    segments.insert("0", std::move(segment));
    JsonValue boundSegments = JsonValue::array();
    boundSegments.append(JsonValue::string("0"));
    JsonValue digest = JsonValue::object();
    digest.insert("type", JsonValue::string("pbkdf2"));
    digest.insert("keyslots", std::move(bound));
    digest.insert("segments", std::move(boundSegments));
    digest.insert("hash", JsonValue::string(hash));
    digest.insert("salt", JsonValue::string(Base64::encode(h.mkDigestSalt)));
    digest.insert("digest", JsonValue::string(Base64::encode(h.mkDigest))); // LUKS1's 20 bytes, kept
    digest.insert("iterations", JsonValue::integer(h.mkDigestIterations));
    JsonValue digests = JsonValue::object();
    digests.insert("0", std::move(digest));
    JsonValue config = JsonValue::object();
    config.insert("json_size", JsonValue::string(QByteArray::number(JsonAreaBytes)));
    config.insert("keyslots_size", JsonValue::string(QByteArray::number(keyslotsSize)));
    JsonValue root = JsonValue::object();
    root.insert("keyslots", std::move(keyslots));
    root.insert("tokens", JsonValue::object());
    root.insert("segments", std::move(segments));
    root.insert("digests", std::move(digests));
    root.insert("config", std::move(config));
    return root;
}

// keyslot_LUKS1_compatible (2.6.1: no per-condition messages).
bool keyslotLuks1Compatible(const JsonValue* keyslot, const QByteArray& hash, uint64_t keyBytes,
                            const QByteArray& segmentCipher)
{
    if (text(at(keyslot, "type")) != "luks2")
        return false;
    const JsonValue* kdf = at(keyslot, "kdf");
    if (!at(kdf, "type") || text(at(kdf, "type")) != "pbkdf2" || !at(kdf, "hash") ||
        text(at(kdf, "hash")) != hash)
        return false;
    const JsonValue* af = at(keyslot, "af");
    if (!at(af, "stripes") || at(af, "stripes")->toInt() != int(Luks1Header::Stripes) || !at(af, "hash") ||
        text(at(af, "hash")) != hash)
        return false;
    const JsonValue* area = at(keyslot, "area");
    if (!at(area, "encryption") || text(at(area, "encryption")) != segmentCipher || !at(area, "key_size") ||
        uint64_t(std::max(0, at(area, "key_size")->toInt())) != keyBytes)
        return false;
    return Luks2Validator::stringToUint64(at(area, "size")) == areaBytes(keyBytes);
}

using Interval = std::pair<uint64_t, uint64_t>; // offset, length

// LUKS2_find_area_gap: first fit from 2*hdr_size, in ascending offset order.
std::optional<uint64_t> findGap(std::vector<Interval> used, uint64_t length, uint64_t start, uint64_t end)
{
    std::sort(used.begin(), used.end());
    uint64_t offset = start;
    for (const auto& [usedOffset, usedLength] : used) {
        if (offset + length <= usedOffset)
            break;
        offset = std::max(offset, usedOffset + usedLength);
    }
    if (offset + length > end)
        return std::nullopt;
    return offset;
}

} // namespace

Status convertToLuks2(std::unique_ptr<LuksVolume>& volume, const LuksConvertOptions& options)
{
    // LUKS2_luks1_to_luks2, preconditions in its order (reference: convert spec §2.1).
    auto* luks1 = dynamic_cast<Luks1Volume*>(volume.get());
    if (!luks1)
        return invalid(QStringLiteral("Device is already LUKS2 type."));
    const HeaderDevice& device = luks1->device();
    if (Status writable = checkWritable(device); !writable)
        return writable;
    const Luks1Header header = luks1->header();
    uint64_t maxSize = header.payloadOffset ? uint64_t(header.payloadOffset) * 512 : device.size();
    const uint64_t luks1Size = luks1->headerBytes();
    uint32_t firstArea = UINT32_MAX;
    for (const Luks1Keyslot& slot : header.keyslots)
        firstArea = std::min(firstArea, slot.keyMaterialOffset);
    // cryptsetup refuses this silently (a debug line only).
    if (firstArea != Luks1Header::AlignKeyslotsSectors)
        return invalid(QStringLiteral("Cannot convert to LUKS2 format - the LUKS1 keyslot material starts at "
                                      "sector %1, conversion needs it at sector %2.")
                           .arg(firstArea)
                           .arg(Luks1Header::AlignKeyslotsSectors));
    if (!cipherUsable(header.cipherSpec(), header.keyBytes))
        return invalid(QStringLiteral("Unable to use cipher specification %1-%2 for LUKS2.")
                           .arg(header.cipherName, header.cipherMode));
    if (luks1Size + 8 <= device.size()) {
        std::array<uint8_t, 8> magic{};
        if (device.read(luks1Size, magic) && std::memcmp(magic.data(), LuksMetaMagic, magic.size()) == 0)
            return invalid(QStringLiteral("Unable to convert header with LUKSMETA additional metadata."));
    }
    const uint64_t required = luks1Size + Shift;
    // cryptsetup fallocates the metadata device to the size it needs, which only a regular file
    // allows; we grow it once the backup is taken.
    if (maxSize < required) {
        if (!device.isRegularFile())
            return invalid(QStringLiteral("Unable to move keyslot area. Not enough space."));
        maxSize = required;
    }
    const uint64_t keyslotsSize = (maxSize - Luks2KeyslotsStart) / 4096 * 4096;
    JsonValue json = luks2Metadata(header, keyslotsSize);
    if (Status valid = Luks2Validator::validate(json, JsonAreaBytes); !valid)
        return invalid(QStringLiteral("Cannot convert to LUKS2 format - invalid metadata.\n") +
                       valid.message());
    const uint64_t moveBytes = luks1Size - Luks1KeyslotsStart;
    if (moveBytes > keyslotsSize)
        return invalid(QStringLiteral("Unable to move keyslot area. LUKS2 keyslots area too small."));
    // The header write would refuse this after the move (cryptsetup's order); we refuse first.
    const uint64_t luks2Size = Luks2KeyslotsStart + keyslotsSize;
    if (!device.isRegularFile() && device.size() < luks2Size)
        return invalid(QStringLiteral("Device %1 is too small. (LUKS2 requires at least %2 bytes.)")
                           .arg(device.path())
                           .arg(luks2Size));

    // Every check passed: from here on the device belongs to the new header's writer.
    const QString uuid = header.uuid;
    auto created = Luks2Volume::create(
        LuksVolume::takeDevice(std::move(volume)), std::move(json), uuid, Luks2HeaderBytes,
        [&](HeaderDevice& target) -> Status {
            if (Status unchanged = checkLuks1Unchanged(target, header); !unchanged)
                return unchanged;
            auto moved = readMoveSource(target, Luks1KeyslotsStart, moveBytes);
            if (!moved)
                return moved.status();
            if (options.beforeWrite) {
                if (Status saved = options.beforeWrite(target); !saved)
                    return saved;
            }
            if (target.isRegularFile()) {
                if (Status grown = target.growTo(luks2Size); !grown)
                    return grown.prefixed(QStringLiteral("Unable to move keyslot area. "));
            }
            return writeMoved(target, Luks2KeyslotsStart, moved.value());
        });
    if (!created)
        return created.status();
    volume = std::move(created.value());
    return Status::ok();
}

Status convertToLuks1(std::unique_ptr<LuksVolume>& volume, const LuksConvertOptions& options)
{
    // LUKS2_luks2_to_luks1, preconditions in its order (reference: convert spec §3.1).
    auto* luks2 = dynamic_cast<Luks2Volume*>(volume.get());
    if (!luks2)
        return invalid(QStringLiteral("Device is already LUKS1 type."));
    const HeaderDevice& device = luks2->device();
    if (Status writable = checkWritable(device); !writable)
        return writable;
    const JsonValue& root = luks2->metadata();
    if (Status requirements = checkRequirements(root); !requirements)
        return requirements;
    const JsonValue* digest = at(at(&root, "digests"), "0");
    const JsonValue* segment = at(at(&root, "segments"), "0");
    // Silent in cryptsetup, as are the other refusals below that are not its own text.
    if (!digest || !segment)
        return refuseLuks1(QStringLiteral("the LUKS2 header has no digest 0 or no segment 0."));
    if (!at(segment, "sector_size") || at(segment, "sector_size")->toInt() != 512)
        return refuseLuks1(QStringLiteral("default segment encryption sector size is not 512 bytes."));
    if (text(at(digest, "type")) != "pbkdf2" || at(&root, "digests")->members().size() != 1)
        return refuseLuks1(QStringLiteral("key slot digests are not LUKS1 compatible."));
    const QByteArray hash = text(at(digest, "hash"));
    if (!at(digest, "hash") || !HashContext::digestSize(QString::fromLatin1(hash).toLower()))
        return refuseLuks1(
            QStringLiteral("the digest hash %1 is not supported.").arg(QString::fromUtf8(hash)));
    const QByteArray segmentCipher = text(at(segment, "encryption"));
    const auto names = CipherNames::split(QString::fromUtf8(segmentCipher));
    if (!names)
        return refuseLuks1(
            QStringLiteral("cannot parse the segment cipher %1.").arg(QString::fromUtf8(segmentCipher)));
    if (names->cipher.startsWith(u"paes"))
        return refuseLuks1(QStringLiteral("device uses wrapped key cipher %1.").arg(names->cipher));
    if (at(&root, "segments")->members().size() != 1)
        return refuseLuks1(QStringLiteral("device uses more segments."));
    if (const JsonValue* tokens = at(&root, "tokens"); tokens && !tokens->members().empty())
        return refuseLuks1(
            QStringLiteral("LUKS2 header contains %1 token(s).").arg(tokens->members().size()));
    const uint64_t keyBytes = luks2->volumeKeyBytes();
    if (!keyBytes)
        return refuseLuks1(QStringLiteral("no keyslot holds the volume key."));
    const JsonValue* keyslots = at(&root, "keyslots");
    for (int i = 0; i < Luks2Validator::MaxKeyslots; ++i) {
        const JsonValue* keyslot = at(keyslots, QByteArray::number(i));
        if (!keyslot)
            continue;
        if (i >= Luks1Header::KeyslotCount)
            return refuseLuks1(QStringLiteral("slot %1 (over maximum slots) is still active.").arg(i));
        if (!keyslotLuks1Compatible(keyslot, hash, keyBytes, segmentCipher))
            return refuseLuks1(QStringLiteral("keyslot %1 is not LUKS1 compatible.").arg(i));
    }

    // Placeholder areas for the inactive slots, so that no two LUKS1 slots share an area.
    const uint64_t hdrSize = luks2->hdrSize();
    const uint64_t keyslotsSize = Luks2Validator::keyslotsSize(root);
    const uint64_t length = areaBytes(keyBytes);
    std::vector<Interval> used;
    for (const JsonMember& m : keyslots->members()) {
        const JsonValue* area = at(&m.value, "area");
        used.push_back({Luks2Validator::stringToUint64(at(area, "offset")).value_or(0),
                        Luks2Validator::stringToUint64(at(area, "size")).value_or(0)});
    }
    Luks1Header header;
    int lastActive = 0;
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        Luks1Keyslot& slot = header.keyslots[size_t(i)];
        slot.active = Luks1Header::KeyDisabled;
        slot.stripes = Luks1Header::Stripes;
        const JsonValue* keyslot = at(keyslots, QByteArray::number(i));
        uint64_t offset = 0;
        if (keyslot) {
            const JsonValue* area = at(keyslot, "area");
            offset = Luks2Validator::stringToUint64(at(area, "offset")).value_or(0);
            // cryptsetup moves only [32768, 32768 + keyslots_size) whatever the metadata size, and
            // would leave the end of such a slot behind.
            const uint64_t end = offset + Luks2Validator::stringToUint64(at(area, "size")).value_or(0);
            if (end > Luks2KeyslotsStart + keyslotsSize)
                return refuseLuks1(QStringLiteral("keyslot %1 ends beyond the first %2 bytes of the keyslots "
                                                  "area that conversion moves.")
                                       .arg(i)
                                       .arg(keyslotsSize));
        } else {
            const auto gap = findGap(used, length, 2 * hdrSize, 2 * hdrSize + keyslotsSize);
            if (!gap)
                return refuseLuks1(
                    QStringLiteral("no room in the keyslots area for LUKS1 keyslot %1.").arg(i));
            offset = *gap;
            used.push_back({offset, length});
        }
        if (offset / 512 > UINT32_MAX)
            return refuseLuks1(QStringLiteral("keyslot %1 area offset is too large for LUKS1.").arg(i));
        slot.keyMaterialOffset = uint32_t(offset / 512) - uint32_t(Shift / 512);
        if (!keyslot)
            continue;
        slot.active = Luks1Header::KeyEnabled;
        lastActive = i;
        const JsonValue* kdf = at(keyslot, "kdf");
        slot.iterations = uint32_t(at(kdf, "iterations") ? at(kdf, "iterations")->toInt64() : 0);
        // A salt that does not decode to 32 bytes stays zero, as in cryptsetup.
        if (const auto salt = Base64::decode(text(at(kdf, "salt")));
            salt && salt->size() == Luks1Header::SaltBytes)
            std::copy(salt->begin(), salt->end(), slot.salt.begin());
    }
    // cipher and hash from slot 7 when it is active, else from the last active slot.
    const JsonValue* source = at(keyslots, "7");
    if (!source)
        source = at(keyslots, QByteArray::number(lastActive));
    const auto sourceNames =
        CipherNames::split(QString::fromUtf8(text(at(at(source, "area"), "encryption"))));
    if (!source || !sourceNames)
        return refuseLuks1(QStringLiteral("keyslot %1 has no usable cipher.").arg(lastActive));
    header.cipherName = sourceNames->cipher.left(31);
    header.cipherMode = sourceNames->mode.left(31);
    header.hashSpec = QString::fromUtf8(text(at(at(source, "kdf"), "hash"))).left(31);
    header.keyBytes = uint32_t(keyBytes);
    header.mkDigestIterations = uint32_t(at(digest, "iterations") ? at(digest, "iterations")->toInt64() : 0);
    // LUKS1 keeps the first 20 bytes of the digest (PBKDF2 output is a prefix of the longer one).
    const auto mkDigest = Base64::decode(text(at(digest, "digest")));
    if (!mkDigest || mkDigest->size() < Luks1Header::DigestBytes)
        return refuseLuks1(QStringLiteral("the volume key digest is shorter than 20 bytes."));
    std::copy_n(mkDigest->begin(), Luks1Header::DigestBytes, header.mkDigest.begin());
    const auto digestSalt = Base64::decode(text(at(digest, "salt")));
    if (!digestSalt || digestSalt->size() != Luks1Header::SaltBytes)
        return refuseLuks1(QStringLiteral("the volume key digest salt is not 32 bytes."));
    std::copy(digestSalt->begin(), digestSalt->end(), header.mkDigestSalt.begin());
    const uint64_t payload = Luks2Validator::stringToUint64(at(segment, "offset")).value_or(0) / 512;
    if (payload > UINT32_MAX)
        return refuseLuks1(QStringLiteral("the data offset is too large for LUKS1."));
    header.payloadOffset = uint32_t(payload);
    header.uuid = luks2->uuid().left(36);
    if (Status valid = header.validate(device.path()); !valid)
        return valid.prefixed(QStringLiteral("Cannot convert to LUKS1 format - "));
    if (Status size = header.checkDeviceSize(device.size(), device.path()); !size)
        return size;
    if (Luks1KeyslotsStart + keyslotsSize > device.size() ||
        Luks2KeyslotsStart + keyslotsSize > device.size())
        return invalid(QStringLiteral("Unable to move keyslot area. Not enough space."));

    // Every check passed: from here on the device belongs to the new header's writer.
    const QString uuid = luks2->uuid();
    const uint64_t seqid = luks2->seqid();
    auto created = Luks1Volume::create(
        LuksVolume::takeDevice(std::move(volume)), header, [&](HeaderDevice& target) -> Status {
            if (Status unchanged = checkLuks2Unchanged(target, uuid, seqid); !unchanged)
                return unchanged;
            auto moved = readMoveSource(target, Luks2KeyslotsStart, keyslotsSize);
            if (!moved)
                return moved.status();
            if (options.beforeWrite) {
                if (Status saved = options.beforeWrite(target); !saved)
                    return saved;
            }
            if (Status written = writeMoved(target, Luks1KeyslotsStart, moved.value()); !written)
                return written;
            // crypt_wipe_device of the first 4096 bytes; the LUKS1 header write follows.
            const std::array<uint8_t, Luks1KeyslotsStart> zeroes{};
            return target.write(0, zeroes);
        });
    if (!created)
        return created.status();
    volume = std::move(created.value());
    return Status::ok();
}

} // namespace cryptstack
