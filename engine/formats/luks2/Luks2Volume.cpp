#include "Luks2Volume.h"

#include "Luks2Validator.h"
#include "crypt/CipherBackend.h"
#include "formats/AfSplitter.h"
#include "formats/Base64.h"
#include "formats/CipherNames.h"
#include "formats/ConstantTime.h"
#include "formats/KeyslotCipher.h"
#include "formats/Pbkdf.h"
#include "formats/SecureRandom.h"
#include "formats/Uuid.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cryptstack {

using luks2::JsonMember;
using luks2::JsonValue;
using luks2::Luks2BinaryHeader;
using luks2::Luks2Validator;

namespace {

constexpr unsigned Stripes = 4000; // LUKS2 ignores af.stripes (§2.2)
constexpr size_t SaltBytes = 32;
constexpr uint64_t MiB = 1024 * 1024;
constexpr int PriorityIgnore = 0;
constexpr int PriorityNormal = 1;
constexpr int PriorityPrefer = 2;

// config.flags known to cryptsetup, in the order it writes them, with their table words.
const std::pair<const char*, const char*> KnownFlags[] = {
    {"allow-discards", "allow_discards"},
    {"same-cpu-crypt", "same_cpu_crypt"},
    {"submit-from-crypt-cpus", "submit_from_crypt_cpus"},
    {"no-journal", nullptr},
    {"no-read-workqueue", "no_read_workqueue"},
    {"no-write-workqueue", "no_write_workqueue"},
};

QString notValid(const QString& path)
{
    return QStringLiteral("Device %1 is not a valid LUKS device.").arg(path);
}

Status noUsable()
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("No usable keyslot is available."));
}

Status wrongPassphrase()
{
    return Status(ErrorCode::WrongPassphrase, QStringLiteral("No key available with this passphrase."));
}

Status openFailed()
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("Keyslot open failed."));
}

QByteArray str(const JsonValue* v)
{
    return Luks2Validator::cString(v);
}

const JsonValue* at(const JsonValue* object, const char* key)
{
    return object && object->isObject() ? object->find(key) : nullptr;
}

// hexprint_base64: bytes as "xx " with 16 per line; nothing at all when it does not decode.
void hexLines(QString& out, const JsonValue* value)
{
    const auto bytes = Base64::decode(str(value));
    if (!bytes)
        return;
    for (size_t i = 0; i < bytes->size(); ++i) {
        if (i && i % 16 == 0)
            out += QStringLiteral("\n\t            ");
        out += QStringLiteral("%1 ").arg((*bytes)[i], 2, 16, QLatin1Char('0'));
    }
    out += u'\n';
}

QString text(const JsonValue* v)
{
    // printf("%s", NULL) prints "(null)" with glibc.
    return v ? QString::fromUtf8(str(v)) : QStringLiteral("(null)");
}

QByteArray toBase64(std::span<const uint8_t> bytes)
{
    return Base64::encode(bytes);
}

Status readCopyArea(const HeaderDevice& device, uint64_t offset, size_t bytes, std::vector<uint8_t>& out)
{
    out.resize(bytes);
    return device.read(offset, out);
}

struct CopyState
{
    enum State { Ok, Obsolete, Fail, FailIo } state = Fail;
    Luks2BinaryHeader header;
    std::vector<uint8_t> raw; // binary header bytes
    QByteArray area;
    JsonValue json;
    QString why;
    bool sane = false; // passed the sanity checks and the checksum
    bool signature = false;
};

CopyState readCopy(const HeaderDevice& device, uint64_t offset, bool secondary)
{
    CopyState c;
    if (!readCopyArea(device, offset, Luks2BinaryHeader::Size, c.raw)) {
        c.state = CopyState::FailIo;
        c.why = QStringLiteral("cannot be read");
        return c;
    }
    auto header = Luks2BinaryHeader::parse(c.raw, offset, secondary);
    if (!header) {
        c.why = header.message();
        c.signature = header.status().code() != ErrorCode::InvalidArgument;
        return c;
    }
    c.signature = true;
    c.header = header.value();
    std::vector<uint8_t> area;
    if (!readCopyArea(device, offset + Luks2BinaryHeader::Size, c.header.hdrSize - Luks2BinaryHeader::Size,
                      area)) {
        c.state = CopyState::FailIo;
        c.why = QStringLiteral("the JSON area cannot be read");
        return c;
    }
    if (Status s = c.header.verifyChecksum(c.raw, area); !s) {
        c.why = s.message();
        return c;
    }
    c.sane = true;
    c.area = QByteArray(reinterpret_cast<const char*>(area.data()), qsizetype(area.size()));
    // parse_json_len + validate_json_area + validate_luks2_json_object.
    c.state = CopyState::Obsolete;
    if (c.area.isEmpty() || c.area.at(0) != '{') {
        c.why = QStringLiteral("the JSON area does not start with '{'");
        return c;
    }
    size_t end = 0;
    auto json = JsonValue::parse(c.area, &end);
    if (!json) {
        c.why = json.message();
        return c;
    }
    if (end >= size_t(c.area.size())) {
        c.why = QStringLiteral("no NUL byte follows the JSON text");
        return c;
    }
    for (qsizetype i = qsizetype(end); i < c.area.size(); ++i) {
        if (c.area.at(i) != '\0') {
            c.why = QStringLiteral("byte %1 after the JSON text is not NUL").arg(i);
            return c;
        }
    }
    c.json = std::move(json.value());
    if (Status s = Luks2Validator::validateOnLoad(c.json, uint64_t(c.area.size())); !s) {
        c.why = s.message();
        return c;
    }
    c.state = CopyState::Ok;
    return c;
}

} // namespace

struct Luks2Volume::Opened
{
    enum Kind { Key, NoEntry, WrongPassphrase, Error } kind = Error;
    SecureBuffer key;
    Status error;
};

Result<std::unique_ptr<Luks2Volume>> Luks2Volume::load(std::unique_ptr<HeaderDevice> device)
{
    // LUKS2_disk_hdr_read, without its automatic rewrite.
    CopyState primary = readCopy(*device, 0, false);
    CopyState secondary;
    if (primary.sane) {
        secondary = readCopy(*device, primary.header.hdrSize, true);
    } else {
        for (uint64_t offset : Luks2BinaryHeader::SecondaryOffsets) {
            secondary = readCopy(*device, offset, true);
            if (secondary.sane)
                break;
        }
    }
    if (primary.state == CopyState::Ok && secondary.state == CopyState::Ok) {
        if (primary.header.seqid > secondary.header.seqid)
            secondary.state = CopyState::Obsolete;
        else if (primary.header.seqid < secondary.header.seqid)
            primary.state = CopyState::Obsolete;
    }
    const QString path = device->path();
    int good = primary.state == CopyState::Ok ? 0 : secondary.state == CopyState::Ok ? 1 : -1;
    if (good < 0) {
        const bool signature = primary.signature || secondary.signature;
        const bool io = primary.state == CopyState::FailIo && secondary.state == CopyState::FailIo;
        QString message = notValid(path);
        message += QStringLiteral("\nprimary LUKS2 header: %1").arg(primary.why);
        message += QStringLiteral("\nsecondary LUKS2 header: %1").arg(secondary.why);
        return Status(io          ? ErrorCode::IOError
                      : signature ? ErrorCode::Corruption
                                  : ErrorCode::InvalidArgument,
                      message);
    }
    CopyState& chosen = good == 0 ? primary : secondary;
    CopyState& other = good == 0 ? secondary : primary;
    const uint64_t needed = 2 * chosen.header.hdrSize + Luks2Validator::keyslotsSize(chosen.json);
    if (device->size() < needed)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device %1 is too small. (LUKS2 requires at least %2 bytes.)")
                          .arg(path)
                          .arg(needed));

    std::unique_ptr<Luks2Volume> volume(new Luks2Volume(std::move(device)));
    volume->m_header = chosen.header;
    volume->m_header.csum = {};
    volume->m_json = std::move(chosen.json);
    volume->m_goodArea = chosen.area;
    volume->m_salts[size_t(good)] = chosen.header.salt;
    if (other.sane)
        volume->m_salts[size_t(1 - good)] = other.header.salt;
    if (other.state != CopyState::Ok) {
        volume->m_badCopy = 1 - good;
        const uint64_t offset = volume->m_badCopy == 0 ? 0 : chosen.header.hdrSize;
        const QString why =
            other.sane && other.why.isEmpty()
                ? QStringLiteral("older, seqid %1 < %2").arg(other.header.seqid).arg(chosen.header.seqid)
                : other.why;
        volume->m_warnings +=
            QStringLiteral("LUKS2 header copy at offset %1 is damaged (%2); run \"cryptstack "
                           "repair\" to rewrite it.")
                .arg(offset)
                .arg(why);
        // cryptsetup gives a rewritten copy a fresh salt.
        volume->m_needsSalt[size_t(volume->m_badCopy)] = true;
    }
    for (const QString& flag : volume->persistentFlags()) {
        const bool known = std::any_of(std::begin(KnownFlags), std::end(KnownFlags),
                                       [&](const auto& k) { return flag == QLatin1String(k.first); });
        if (!known)
            volume->m_warnings += QStringLiteral("Ignored unknown flag %1.").arg(flag);
    }
    return volume;
}

QString Luks2Volume::uuid() const
{
    return QString::fromLatin1(m_header.uuid);
}

QString Luks2Volume::label() const
{
    return QString::fromUtf8(m_header.label);
}

QString Luks2Volume::subsystem() const
{
    return QString::fromUtf8(m_header.subsystem);
}

const JsonValue* Luks2Volume::keyslotJson(int keyslot) const
{
    const JsonValue* v = at(at(&m_json, "keyslots"), QByteArray::number(keyslot).constData());
    return v && v->isObject() ? v : nullptr;
}

bool Luks2Volume::isKeyslotActive(int keyslot) const
{
    return keyslot >= 0 && keyslot < 32 && keyslotJson(keyslot) != nullptr;
}

size_t Luks2Volume::volumeKeyBytes() const
{
    // LUKS2_get_volume_key_size: the first keyslot of the default segment's digest.
    const int digest = Luks2Validator::digestBySegment(m_json, Luks2Validator::defaultSegment(m_json));
    const JsonValue* d = at(at(&m_json, "digests"), QByteArray::number(digest).constData());
    const JsonValue* keyslots = at(d, "keyslots");
    if (keyslots && keyslots->isArray()) {
        for (const JsonValue& id : keyslots->elements()) {
            const JsonValue* ks = at(at(&m_json, "keyslots"), str(&id).constData());
            if (ks && at(ks, "key_size"))
                return size_t(std::max(0, at(ks, "key_size")->toInt()));
        }
    }
    return 0;
}

QString Luks2Volume::cipherSpec() const
{
    const JsonValue* segment =
        at(at(&m_json, "segments"), QByteArray::number(Luks2Validator::defaultSegment(m_json)).constData());
    return QString::fromUtf8(str(at(segment, "encryption")));
}

QStringList Luks2Volume::persistentFlags() const
{
    QStringList flags;
    const JsonValue* array = at(at(&m_json, "config"), "flags");
    if (array && array->isArray()) {
        for (const JsonValue& flag : array->elements())
            flags += QString::fromUtf8(str(&flag));
    }
    return flags;
}

CryptActivation Luks2Volume::activation() const
{
    const int segmentId = Luks2Validator::defaultSegment(m_json);
    const JsonValue* segment = at(at(&m_json, "segments"), QByteArray::number(segmentId).constData());
    CryptActivation a;
    a.cipher = cipherSpec();
    a.keyBytes = volumeKeyBytes();
    a.ivOffset = 0; // 2.6.1 ignores iv_tweak on this path
    a.dataOffsetSectors = Luks2Validator::stringToUint64(at(segment, "offset")).value_or(0) / 512;
    a.sectorSize = uint32_t(at(segment, "sector_size") ? at(segment, "sector_size")->toInt64() : 512);
    const QStringList flags = persistentFlags();
    for (const auto& [name, word] : KnownFlags) {
        if (word && flags.contains(QLatin1String(name)))
            a.optionWords += QLatin1String(word);
    }
    if (a.sectorSize != 512)
        a.optionWords += QStringLiteral("sector_size:%1").arg(a.sectorSize);
    a.keyringDescription = QStringLiteral("cryptsetup:%1-d%2")
                               .arg(uuid())
                               .arg(Luks2Validator::digestBySegment(m_json, segmentId));
    return a;
}

uint64_t Luks2Volume::headerBytes() const
{
    return 2 * m_header.hdrSize + Luks2Validator::keyslotsSize(m_json);
}

int Luks2Volume::priority(int keyslot) const
{
    const JsonValue* p = at(keyslotJson(keyslot), "priority");
    return p ? p->toInt() : PriorityNormal;
}

Status Luks2Volume::checkRequirements() const
{
    const JsonValue* mandatory = at(at(at(&m_json, "config"), "requirements"), "mandatory");
    if (mandatory && mandatory->isArray() && mandatory->size() > 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Unmet LUKS2 requirements detected."));
    return Status::ok();
}

// ---- unlock ---------------------------------------------------------------------------------

namespace {

// PBKDF2_digest_verify, except that a malformed digest is Corruption rather than a match.
Status verifyDigest(const JsonValue& root, int digestId, std::span<const uint8_t> volumeKey)
{
    const JsonValue* digest = at(at(&root, "digests"), QByteArray::number(digestId).constData());
    const QString where = QStringLiteral("LUKS2 digest %1: ").arg(digestId);
    if (!digest || str(at(digest, "type")) != "pbkdf2")
        return Status(ErrorCode::Corruption, where + QStringLiteral("unknown digest type."));
    const QString hash = QString::fromUtf8(str(at(digest, "hash")));
    const JsonValue* iterations = at(digest, "iterations");
    const auto salt = Base64::decode(str(at(digest, "salt")));
    const auto stored = Base64::decode(str(at(digest, "digest")));
    if (!iterations || !salt || salt->size() != SaltBytes)
        return Status(ErrorCode::Corruption, where + QStringLiteral("\"salt\" must be 32 bytes of base64."));
    const auto hashSize = HashFactory::digestSize(hash);
    if (!stored || stored->size() < 20 || stored->size() > 64 ||
        (stored->size() != 20 && stored->size() != hashSize))
        return Status(ErrorCode::Corruption,
                      where +
                          QStringLiteral("\"digest\" must be 20 bytes or the size of hash %1.").arg(hash));
    KdfParams params;
    params.type = QStringLiteral("pbkdf2");
    params.hash = hash;
    params.iterations = uint32_t(std::max<int64_t>(0, iterations->toInt64()));
    std::vector<uint8_t> computed(stored->size());
    if (Status s = Pbkdf::derive(params, volumeKey, *salt, computed); !s)
        return s.prefixed(where);
    if (!constantTimeEqual(computed, *stored))
        return Status(ErrorCode::WrongPassphrase, QStringLiteral("Volume key does not match the volume."));
    return Status::ok();
}

} // namespace

Luks2Volume::Opened Luks2Volume::openKeyslot(int keyslot, std::span<const uint8_t> passphrase) const
{
    // LUKS2_open_and_verify.
    Opened r;
    const JsonValue* ks = keyslotJson(keyslot);
    if (!ks || str(at(ks, "type")) != "luks2") {
        r.kind = Opened::NoEntry;
        return r;
    }
    // The luks2 handler's validation passed on load and passes before every commit.
    const int segment = Luks2Validator::defaultSegment(m_json);
    const int digest = Luks2Validator::digestByKeyslot(m_json, keyslot);
    if (digest < 0 || Luks2Validator::digestBySegment(m_json, segment) != digest) {
        r.kind = Opened::NoEntry;
        return r;
    }
    const JsonValue* kdf = at(ks, "kdf");
    const JsonValue* af = at(ks, "af");
    const JsonValue* area = at(ks, "area");
    const int keyBytes = at(ks, "key_size")->toInt();
    const int areaKeyBytes = at(area, "key_size") ? at(area, "key_size")->toInt() : 0;
    KdfParams params;
    params.type = QString::fromUtf8(str(at(kdf, "type")));
    if (params.type == u"pbkdf2") {
        params.hash = QString::fromUtf8(str(at(kdf, "hash")));
        params.iterations = uint32_t(at(kdf, "iterations") ? at(kdf, "iterations")->toInt() : 0);
    } else {
        params.iterations = uint32_t(at(kdf, "time") ? at(kdf, "time")->toInt() : 0);
        params.memoryKiB = uint32_t(at(kdf, "memory") ? at(kdf, "memory")->toInt() : 0);
        params.parallel = uint32_t(at(kdf, "cpus") ? at(kdf, "cpus")->toInt() : 0);
    }
    const auto salt = Base64::decode(str(at(kdf, "salt")));
    const auto names = CipherNames::split(QString::fromUtf8(str(at(area, "encryption"))));
    if (!salt || salt->size() != SaltBytes || !names || keyBytes <= 0 || areaKeyBytes <= 0 ||
        (params.type != u"pbkdf2" && !params.isArgon2())) {
        r.error = openFailed();
        return r;
    }
    SecureBuffer areaKey{size_t(areaKeyBytes)};
    if (Status s = Pbkdf::derive(params, passphrase, *salt, {areaKey.data(), areaKey.size()}); !s) {
        r.error = s.code() == ErrorCode::NoMemory ? s : openFailed();
        return r;
    }
    const size_t materialBytes = AfSplitter::splitSectors(size_t(keyBytes), Stripes) * 512;
    SecureBuffer material(materialBytes);
    const uint64_t offset = Luks2Validator::stringToUint64(at(area, "offset")).value_or(0) / 512 * 512;
    if (Status s = m_device->read(offset, {material.data(), material.size()}); !s) {
        r.error = s;
        return r;
    }
    auto cipher = KeyslotCipher::create(names->joined(), areaKey.bytes());
    if (!cipher) {
        r.error = Status(ErrorCode::InvalidArgument, cipher.message() + u'\n' + openFailed().message());
        return r;
    }
    if (Status s = cipher->decrypt(material.bytes(), {material.data(), material.size()}); !s) {
        r.error = s;
        return r;
    }
    SecureBuffer key{size_t(keyBytes)};
    if (Status s =
            AfSplitter::merge(material.slice(0, AfSplitter::splitBytes(size_t(keyBytes), Stripes)), Stripes,
                              QString::fromUtf8(str(at(af, "hash"))), {key.data(), key.size()});
        !s) {
        r.error = openFailed();
        return r;
    }
    Status verified = verifyDigest(m_json, digest, key.bytes());
    if (verified.code() == ErrorCode::WrongPassphrase) {
        r.kind = Opened::WrongPassphrase;
        return r;
    }
    if (!verified) {
        r.error = verified;
        return r;
    }
    r.kind = Opened::Key;
    r.key = std::move(key);
    return r;
}

Result<UnlockedKey> Luks2Volume::unlock(std::span<const uint8_t> passphrase, std::optional<int> keyslot)
{
    const auto finish = [](Opened&& o, int slot) -> Result<UnlockedKey> {
        switch (o.kind) {
        case Opened::Key:
            return UnlockedKey{slot, std::move(o.key)};
        case Opened::NoEntry:
            return noUsable();
        case Opened::WrongPassphrase:
            return wrongPassphrase();
        case Opened::Error:
            break;
        }
        return o.error;
    };
    if (keyslot) {
        if (*keyslot < 0 || *keyslot >= 32)
            return noUsable();
        return finish(openKeyslot(*keyslot, passphrase), *keyslot);
    }
    // LUKS2_keyslot_open_priority: one pass per priority in JSON member order; a pass's result is
    // its last attempt, and a wrong passphrase in the preferred pass wins over "no entry".
    const auto pass = [&](int wanted, int& slot) {
        Opened last;
        last.kind = Opened::NoEntry;
        const JsonValue* keyslots = at(&m_json, "keyslots");
        for (const JsonMember& m : keyslots->members()) {
            const JsonValue* p = at(&m.value, "priority");
            if ((p ? p->toInt() : PriorityNormal) != wanted)
                continue;
            slot = Luks2Validator::idOf(m.key);
            last = openKeyslot(slot, passphrase);
            if (last.kind != Opened::WrongPassphrase && last.kind != Opened::NoEntry)
                break;
        }
        return last;
    };
    int slot = -1;
    Opened preferred = pass(PriorityPrefer, slot);
    if (preferred.kind == Opened::Key || preferred.kind == Opened::Error)
        return finish(std::move(preferred), slot);
    Opened normal = pass(PriorityNormal, slot);
    if (preferred.kind == Opened::WrongPassphrase && normal.kind == Opened::NoEntry)
        return wrongPassphrase();
    return finish(std::move(normal), slot);
}

Status Luks2Volume::verifyVolumeKey(const SecureBuffer& volumeKey) const
{
    const int digest = Luks2Validator::digestBySegment(m_json, Luks2Validator::defaultSegment(m_json));
    if (digest < 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("No digest is bound to the data segment."));
    return verifyDigest(m_json, digest, volumeKey.bytes());
}

// ---- dump -----------------------------------------------------------------------------------

QString Luks2Volume::dump(const QString&) const
{
    // LUKS2_hdr_dump.
    QString out;
    out += QStringLiteral("LUKS header information\n");
    out += QStringLiteral("Version:       \t%1\n").arg(m_header.version);
    out += QStringLiteral("Epoch:         \t%1\n").arg(m_header.seqid);
    out += QStringLiteral("Metadata area: \t%1 [bytes]\n").arg(Luks2Validator::jsonSize(m_json) + 4096);
    out += QStringLiteral("Keyslots area: \t%1 [bytes]\n").arg(Luks2Validator::keyslotsSize(m_json));
    out += QStringLiteral("UUID:          \t%1\n")
               .arg(m_header.uuid.isEmpty() ? QStringLiteral("(no UUID)") : uuid());
    out += QStringLiteral("Label:         \t%1\n")
               .arg(m_header.label.isEmpty() ? QStringLiteral("(no label)") : label());
    out += QStringLiteral("Subsystem:     \t%1\n")
               .arg(m_header.subsystem.isEmpty() ? QStringLiteral("(no subsystem)") : subsystem());

    const JsonValue* config = at(&m_json, "config");
    const JsonValue* flags = at(config, "flags");
    const JsonValue* mandatory = at(at(config, "requirements"), "mandatory");
    const qsizetype flagCount = flags && flags->isArray() ? flags->size() : 0;
    const qsizetype reqCount = mandatory && mandatory->isArray() ? mandatory->size() : 0;
    out += QStringLiteral("Flags:       \t");
    for (qsizetype i = 0; i < flagCount; ++i)
        out += text(&flags->at(i)) + u' ';
    out += flagCount > 0 ? QString() : QStringLiteral("(no flags)");
    out += u'\n';
    if (reqCount == 0)
        out += u'\n';
    if (reqCount > 0) {
        out += QStringLiteral("Requirements:\t");
        for (qsizetype i = 0; i < reqCount; ++i)
            out += text(&mandatory->at(i)) + u' ';
        out += QStringLiteral("\n\n");
    }

    out += QStringLiteral("Data segments:\n");
    const JsonValue* segments = at(&m_json, "segments");
    for (int i = 0; i < Luks2Validator::MaxSegments; ++i) {
        const JsonValue* s = at(segments, QByteArray::number(i).constData());
        if (!s || s->isNull())
            continue;
        out += QStringLiteral("  %1: %2\n").arg(i).arg(text(at(s, "type")));
        out += QStringLiteral("\toffset: %1 [bytes]\n")
                   .arg(Luks2Validator::stringToUint64(at(s, "offset")).value_or(0));
        if (str(at(s, "size")) == "dynamic")
            out += QStringLiteral("\tlength: (whole device)\n");
        else
            out += QStringLiteral("\tlength: %1 [bytes]\n")
                       .arg(Luks2Validator::stringToUint64(at(s, "size")).value_or(0));
        if (const JsonValue* v = at(s, "encryption"))
            out += QStringLiteral("\tcipher: %1\n").arg(text(v));
        if (const JsonValue* v = at(s, "sector_size"))
            out += QStringLiteral("\tsector: %1 [bytes]\n").arg(uint32_t(v->toInt64()));
        if (const JsonValue* v = at(at(s, "integrity"), "type"))
            out += QStringLiteral("\tintegrity: %1\n").arg(text(v));
        const JsonValue* segmentFlags = at(s, "flags");
        if (segmentFlags && segmentFlags->isArray() && segmentFlags->size() > 0) {
            out += QStringLiteral("\tflags : %1").arg(text(&segmentFlags->at(0)));
            for (qsizetype j = 1; j < segmentFlags->size(); ++j)
                out += QStringLiteral(", %1").arg(text(&segmentFlags->at(j)));
            out += u'\n';
        }
        out += u'\n';
    }

    out += QStringLiteral("Keyslots:\n");
    const JsonValue* keyslots = at(&m_json, "keyslots");
    const JsonValue* digests = at(&m_json, "digests");
    for (int j = 0; j < Luks2Validator::MaxKeyslots; ++j) {
        const JsonValue* ks = at(keyslots, QByteArray::number(j).constData());
        if (!ks || ks->isNull())
            continue;
        const bool unbound = !Luks2Validator::keyslotIsBound(m_json, j);
        out += QStringLiteral("  %1: %2%3\n")
                   .arg(j)
                   .arg(text(at(ks, "type")), unbound ? QStringLiteral(" (unbound)") : QString());
        if (const JsonValue* v = at(ks, "key_size"))
            out += QStringLiteral("\tKey:        %1 bits\n").arg(uint32_t(uint32_t(v->toInt64()) * 8));
        const JsonValue* p = at(ks, "priority");
        const int prio = p ? p->toInt() : PriorityNormal;
        out += QStringLiteral("\tPriority:   %1\n")
                   .arg(prio == PriorityIgnore   ? QStringLiteral("ignored")
                        : prio == PriorityPrefer ? QStringLiteral("preferred")
                        : prio == PriorityNormal ? QStringLiteral("normal")
                                                 : QStringLiteral("invalid"));
        const JsonValue* kdf = at(ks, "kdf");
        const JsonValue* af = at(ks, "af");
        const JsonValue* area = at(ks, "area");
        if (str(at(ks, "type")) == "luks2" && kdf && af && area) {
            out += QStringLiteral("\tCipher:     %1\n").arg(text(at(area, "encryption")));
            out +=
                QStringLiteral("\tCipher key: %1 bits\n")
                    .arg(uint32_t(uint32_t(at(area, "key_size") ? at(area, "key_size")->toInt64() : 0) * 8));
            out += QStringLiteral("\tPBKDF:      %1\n").arg(text(at(kdf, "type")));
            const auto int64 = [](const JsonValue* v) {
                return v ? v->toInt64() : 0;
            };
            if (str(at(kdf, "type")) == "pbkdf2") {
                out += QStringLiteral("\tHash:       %1\n").arg(text(at(kdf, "hash")));
                out += QStringLiteral("\tIterations: %1\n")
                           .arg(Luks2Validator::stringToUint64(at(kdf, "iterations")).value_or(0));
            } else {
                out += QStringLiteral("\tTime cost:  %1\n").arg(uint64_t(int64(at(kdf, "time"))));
                out += QStringLiteral("\tMemory:     %1\n").arg(uint64_t(int64(at(kdf, "memory"))));
                out += QStringLiteral("\tThreads:    %1\n").arg(uint64_t(int64(at(kdf, "cpus"))));
            }
            out += QStringLiteral("\tSalt:       ");
            hexLines(out, at(kdf, "salt"));
            out += QStringLiteral("\tAF stripes: %1\n")
                       .arg(uint32_t(at(af, "stripes") ? at(af, "stripes")->toInt() : 0));
            out += QStringLiteral("\tAF hash:    %1\n").arg(text(at(af, "hash")));
            out += QStringLiteral("\tArea offset:%1 [bytes]\n")
                       .arg(Luks2Validator::stringToUint64(at(area, "offset")).value_or(0));
            out += QStringLiteral("\tArea length:%1 [bytes]\n")
                       .arg(Luks2Validator::stringToUint64(at(area, "size")).value_or(0));
        }
        const QByteArray name = QByteArray::number(j);
        if (digests && digests->isObject()) {
            for (const JsonMember& d : digests->members()) {
                const JsonValue* list = at(&d.value, "keyslots");
                if (!list || !list->isArray())
                    continue;
                for (const JsonValue& id : list->elements()) {
                    if (str(&id) == name)
                        out += QStringLiteral("\tDigest ID:  %1\n").arg(QString::fromUtf8(d.key));
                }
            }
        }
    }

    out += QStringLiteral("Tokens:\n");
    const JsonValue* tokens = at(&m_json, "tokens");
    for (int j = 0; j < Luks2Validator::MaxTokens; ++j) {
        const JsonValue* t = at(tokens, QByteArray::number(j).constData());
        if (!t || t->isNull())
            continue;
        out += QStringLiteral("  %1: %2\n").arg(j).arg(text(at(t, "type")));
        if (str(at(t, "type")) == "luks2-keyring" && at(t, "key_description"))
            out += QStringLiteral("\tKey description: %1\n").arg(text(at(t, "key_description")));
        const JsonValue* list = at(t, "keyslots");
        for (qsizetype i = 0; list && list->isArray() && i < list->size(); ++i)
            out += QStringLiteral("\tKeyslot:    %1\n").arg(text(&list->at(i)));
    }

    out += QStringLiteral("Digests:\n");
    for (int i = 0; i < Luks2Validator::MaxDigests; ++i) {
        const JsonValue* d = at(digests, QByteArray::number(i).constData());
        if (!d || d->isNull())
            continue;
        out += QStringLiteral("  %1: %2\n").arg(i).arg(text(at(d, "type")));
        if (str(at(d, "type")) != "pbkdf2")
            continue;
        out += QStringLiteral("\tHash:       %1\n").arg(text(at(d, "hash")));
        out += QStringLiteral("\tIterations: %1\n")
                   .arg(Luks2Validator::stringToUint64(at(d, "iterations")).value_or(0));
        out += QStringLiteral("\tSalt:       ");
        hexLines(out, at(d, "salt"));
        out += QStringLiteral("\tDigest:     ");
        hexLines(out, at(d, "digest"));
    }
    return out;
}

QString Luks2Volume::dumpJson() const
{
    return QString::fromUtf8(m_json.toPretty());
}

// ---- writes ---------------------------------------------------------------------------------

Status Luks2Volume::ensureSalts()
{
    for (size_t copy = 0; copy < 2; ++copy) {
        if (!m_needsSalt[copy])
            continue;
        if (Status s = SecureRandom::fill(m_salts[copy]); !s)
            return s;
        m_needsSalt[copy] = false;
    }
    return Status::ok();
}

Status Luks2Volume::writeCopy(int copy, const QByteArray& area)
{
    // hdr_write_disk: header without csum, JSON area, header with csum, fsync.
    Luks2BinaryHeader h = m_header;
    h.secondary = copy == 1;
    h.hdrOffset = copy == 1 ? m_header.hdrSize : 0;
    h.salt = m_salts[size_t(copy)];
    h.csum = {};
    const auto withoutCsum = h.serialise();
    const auto* areaBytes = reinterpret_cast<const uint8_t*>(area.constData());
    const std::span<const uint8_t> areaSpan(areaBytes, size_t(area.size()));
    if (Status s = m_device->write(h.hdrOffset, withoutCsum); !s)
        return s;
    if (Status s = m_device->write(h.hdrOffset + Luks2BinaryHeader::Size, areaSpan); !s)
        return s;
    const auto csum = Luks2BinaryHeader::checksum(h.checksumAlg, withoutCsum, areaSpan);
    if (!csum)
        return csum.status();
    std::memcpy(h.csum.data(), csum->constData(), size_t(csum->size()));
    if (Status s = m_device->write(h.hdrOffset, h.serialise()); !s)
        return s;
    return m_device->sync();
}

Status Luks2Volume::commit(bool checkSeqid)
{
    // LUKS2_digests_erase_unused, then validation.
    if (JsonValue* digests = m_json.find("digests")) {
        QList<QByteArray> unused;
        for (const JsonMember& d : digests->members()) {
            const JsonValue* ks = at(&d.value, "keyslots");
            const JsonValue* segs = at(&d.value, "segments");
            if (ks && segs && ks->size() == 0 && segs->size() == 0)
                unused += d.key;
        }
        for (const QByteArray& key : unused)
            digests->remove(key);
    }
    const uint64_t areaSize = m_header.hdrSize - Luks2BinaryHeader::Size;
    if (Status s = Luks2Validator::validate(m_json, areaSize); !s)
        return s;
    QByteArray area = m_json.toCompact();
    if (uint64_t(area.size()) > areaSize - 1)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("The LUKS2 metadata does not fit the JSON area."));
    area.append(qsizetype(areaSize) - area.size(), '\0');
    if (m_device->size() < headerBytes())
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device %1 is too small. (LUKS2 requires at least %2 bytes.)")
                          .arg(m_device->path())
                          .arg(headerBytes()));
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    if (checkSeqid) {
        // LUKS2_check_sequence_id: only a primary copy with our UUID counts.
        std::vector<uint8_t> raw(512);
        if (Status s = m_device->read(0, raw); !s)
            return s;
        const bool luks2 = std::memcmp(raw.data(), "LUKS\xba\xbe", 6) == 0 && raw[6] == 0 && raw[7] == 2;
        // The 40-byte uuid field need not hold a NUL on a damaged primary.
        const char* uuidField = reinterpret_cast<const char*>(raw.data()) + 168;
        const QByteArray diskUuid(uuidField, qsizetype(qstrnlen(uuidField, 40)));
        uint64_t diskSeqid = 0;
        for (int i = 0; i < 8; ++i)
            diskSeqid = (diskSeqid << 8) | raw[size_t(16 + i)];
        if (luks2 && diskUuid == m_header.uuid && diskSeqid != m_header.seqid)
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("Detected attempt for concurrent LUKS2 metadata update. Aborting operation."));
    }
    if (Status s = ensureSalts(); !s)
        return s;
    m_header.seqid += 1;
    if (Status s = writeCopy(0, area); !s)
        return s;
    if (Status s = writeCopy(1, area); !s)
        return s;
    m_goodArea = area;
    m_badCopy = -1;
    return Status::ok();
}

Status Luks2Volume::repair()
{
    if (m_badCopy < 0)
        return Status::ok();
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    if (Status s = ensureSalts(); !s)
        return s;
    // The good copy's JSON area is copied byte for byte, the seqid kept.
    if (Status s = writeCopy(m_badCopy, m_goodArea); !s)
        return s;
    m_badCopy = -1;
    m_warnings.clear();
    return Status::ok();
}

Result<std::pair<uint64_t, uint64_t>> Luks2Volume::allocateArea(size_t keyBytes) const
{
    // LUKS2_find_area_gap: first fit from 2·hdr_size in ascending offset order.
    const uint64_t length = (uint64_t(keyBytes) * Stripes + 4095) / 4096 * 4096;
    std::vector<std::pair<uint64_t, uint64_t>> used;
    const JsonValue* keyslots = at(&m_json, "keyslots");
    for (const JsonMember& m : keyslots->members()) {
        const JsonValue* area = at(&m.value, "area");
        used.push_back({Luks2Validator::stringToUint64(at(area, "offset")).value_or(0),
                        Luks2Validator::stringToUint64(at(area, "size")).value_or(0)});
    }
    std::sort(used.begin(), used.end());
    uint64_t offset = 2 * m_header.hdrSize;
    for (const auto& [start, size] : used) {
        if (offset + length <= start)
            break;
        offset = std::max(offset, start + size);
    }
    if (offset + length > headerBytes())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("No space for new keyslot."));
    return std::pair{offset, length};
}

Status Luks2Volume::storeKeyslot(int keyslot, const SecureBuffer& volumeKey,
                                 std::span<const uint8_t> passphrase, const AddKeyslotOptions& options)
{
    // Keyslot cipher: --keyslot-cipher, else the segment's when it can encrypt keyslots, else
    // aes-xts-plain64 with a 64-byte key.
    QString cipher = options.keyslotCipher;
    size_t areaKeyBytes = options.keyslotKeyBytes ? options.keyslotKeyBytes : volumeKey.size();
    if (cipher.isEmpty()) {
        cipher = cipherSpec();
        const auto names = CipherNames::split(cipher);
        const JsonValue* segment = at(at(&m_json, "segments"),
                                      QByteArray::number(Luks2Validator::defaultSegment(m_json)).constData());
        SecureBuffer probe(areaKeyBytes);
        if (!names || CipherNames::isCipherNull(names->cipher) || at(segment, "integrity") ||
            !KeyslotCipher::create(names->joined(), probe.bytes())) {
            cipher = QStringLiteral("aes-xts-plain64");
            areaKeyBytes = options.keyslotKeyBytes ? options.keyslotKeyBytes : 64;
        } else {
            cipher = names->joined();
        }
    } else if (const auto names = CipherNames::split(cipher)) {
        cipher = names->joined();
    }
    auto params = Pbkdf::resolve(options.kdf, QStringLiteral("argon2id"), QStringLiteral("sha256"),
                                 areaKeyBytes, options.cancel);
    if (!params)
        return params.status();
    const QString afHash = options.kdf.hash.isEmpty() ? QStringLiteral("sha256") : options.kdf.hash;
    // LUKS2_keyslot_store on an existing keyslot (luksChangeKey in place) updates it: same area,
    // same place in the JSON, priority kept, one commit.
    const JsonValue* existing = keyslotJson(keyslot);
    Result<std::pair<uint64_t, uint64_t>> area = std::pair<uint64_t, uint64_t>{};
    if (existing) {
        const JsonValue* oldArea = at(existing, "area");
        area = std::pair{Luks2Validator::stringToUint64(at(oldArea, "offset")).value_or(0),
                         Luks2Validator::stringToUint64(at(oldArea, "size")).value_or(0)};
        if (area->second < AfSplitter::splitSectors(volumeKey.size(), Stripes) * 512)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("No space for new keyslot."));
    } else {
        area = allocateArea(volumeKey.size());
    }
    if (!area)
        return area.status();

    std::array<uint8_t, SaltBytes> salt = {};
    if (Status s = SecureRandom::fill(salt); !s)
        return s;
    SecureBuffer areaKey(areaKeyBytes);
    if (Status s = Pbkdf::derive(*params, passphrase, salt, {areaKey.data(), areaKey.size()}); !s)
        return s;
    auto keyslotCipher = KeyslotCipher::create(cipher, areaKey.bytes());
    if (!keyslotCipher)
        return keyslotCipher.status();
    SecureBuffer material(AfSplitter::splitSectors(volumeKey.size(), Stripes) * 512);
    if (Status s = AfSplitter::split(volumeKey.bytes(), Stripes, afHash,
                                     {material.data(), AfSplitter::splitBytes(volumeKey.size(), Stripes)});
        !s)
        return s;
    if (Status s = keyslotCipher->encrypt(material.bytes(), {material.data(), material.size()}); !s)
        return s;

    JsonValue kdf = JsonValue::object();
    kdf.insert("type", JsonValue::string(params->type.toUtf8()));
    if (params->isArgon2()) {
        kdf.insert("time", JsonValue::integer(params->iterations));
        kdf.insert("memory", JsonValue::integer(params->memoryKiB));
        kdf.insert("cpus", JsonValue::integer(params->parallel));
    } else {
        kdf.insert("hash", JsonValue::string(params->hash.toUtf8()));
        kdf.insert("iterations", JsonValue::integer(params->iterations));
    }
    kdf.insert("salt", JsonValue::string(toBase64(salt)));
    JsonValue af = JsonValue::object();
    af.insert("type", JsonValue::string("luks1"));
    af.insert("stripes", JsonValue::integer(Stripes));
    af.insert("hash", JsonValue::string(afHash.toUtf8()));
    JsonValue areaJson = JsonValue::object();
    areaJson.insert("type", JsonValue::string("raw"));
    areaJson.insert("offset", JsonValue::string(QByteArray::number(area->first)));
    areaJson.insert("size", JsonValue::string(QByteArray::number(area->second)));
    areaJson.insert("encryption", JsonValue::string(cipher.toUtf8()));
    areaJson.insert("key_size", JsonValue::integer(int64_t(areaKeyBytes)));
    JsonValue ks = JsonValue::object();
    ks.insert("type", JsonValue::string("luks2"));
    ks.insert("key_size", JsonValue::integer(int64_t(volumeKey.size())));
    ks.insert("af", std::move(af));
    ks.insert("area", std::move(areaJson));
    ks.insert("kdf", std::move(kdf));
    const int priority = options.priority ? *options.priority
                         : existing       ? this->priority(keyslot)
                                          : PriorityNormal;
    if (priority != PriorityNormal)
        ks.insert("priority", JsonValue::integer(priority));

    JsonValue updated = m_json;
    updated.find("keyslots")->insert(QByteArray::number(keyslot), std::move(ks));
    const int digest = Luks2Validator::digestBySegment(updated, Luks2Validator::defaultSegment(updated));
    JsonValue* digestJson = updated.find("digests")->find(QByteArray::number(digest));
    if (!digestJson)
        return Status(ErrorCode::Corruption, QStringLiteral("No digest is bound to the data segment."));
    if (!digestJson->find("keyslots")->containsString(QByteArray::number(keyslot)))
        digestJson->find("keyslots")->append(JsonValue::string(QByteArray::number(keyslot)));
    if (uint64_t(updated.toCompact().size()) > m_header.hdrSize - Luks2BinaryHeader::Size - 1)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Not enough space in header json area for new keyslot."));

    // Material first, then the commit that references it.
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    if (Status s = m_device->write(area->first, material.bytes()); !s)
        return s;
    if (Status s = m_device->sync(); !s)
        return s;
    JsonValue previous = std::move(m_json);
    m_json = std::move(updated);
    if (Status s = commit(); !s) {
        m_json = std::move(previous);
        return s;
    }
    return Status::ok();
}

Result<int> Luks2Volume::addKeyslot(const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                                    const AddKeyslotOptions& options)
{
    if (Status s = checkRequirements(); !s)
        return s;
    int keyslot = -1;
    if (options.keyslot) {
        keyslot = *options.keyslot;
        if (keyslot < 0 || keyslot >= 32)
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("Key slot %1 is invalid, please select between 0 and 31.").arg(keyslot));
        if (isKeyslotActive(keyslot))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Key slot %1 is full, please select another one.").arg(keyslot));
    } else {
        for (int i = 0; i < 32 && keyslot < 0; ++i) {
            if (!at(at(&m_json, "keyslots"), QByteArray::number(i).constData()))
                keyslot = i;
        }
        if (keyslot < 0)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("All key slots full."));
    }
    if (Status s = verifyVolumeKey(volumeKey); !s)
        return s;
    if (Status s = storeKeyslot(keyslot, volumeKey, passphrase, options); !s)
        return s;
    return keyslot;
}

Status Luks2Volume::wipeArea(int keyslot)
{
    const JsonValue* area = at(keyslotJson(keyslot), "area");
    const uint64_t offset = Luks2Validator::stringToUint64(at(area, "offset")).value_or(0);
    const uint64_t size = Luks2Validator::stringToUint64(at(area, "size")).value_or(0);
    if (!area || size == 0)
        return Status::ok();
    // Random data over the whole area (cryptsetup's wipe pattern ends in random data too).
    std::vector<uint8_t> noise(size_t(std::min<uint64_t>(size, MiB)));
    for (uint64_t done = 0; done < size;) {
        const size_t n = size_t(std::min<uint64_t>(noise.size(), size - done));
        if (Status s = SecureRandom::fill({noise.data(), n}); !s)
            return s;
        if (Status s = m_device->write(offset + done, {noise.data(), n}); !s)
            return s;
        done += n;
    }
    return m_device->sync();
}

void Luks2Volume::removeKeyslotReferences(int keyslot)
{
    const QByteArray name = QByteArray::number(keyslot);
    for (const char* sectionName : {"digests", "tokens"}) {
        JsonValue* object = m_json.find(sectionName);
        for (const JsonMember& m : object->members()) {
            JsonValue* list = object->find(m.key)->find("keyslots");
            if (!list || !list->isArray())
                continue;
            for (qsizetype i = list->size() - 1; i >= 0; --i) {
                if (str(&list->at(i)) == name)
                    list->removeAt(i);
            }
        }
    }
    m_json.find("keyslots")->remove(name);
}

Status Luks2Volume::destroyKeyslot(int keyslot)
{
    if (Status s = checkRequirements(); !s)
        return s;
    if (!isKeyslotActive(keyslot))
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Keyslot %1 is not active.").arg(keyslot));
    auto updateLock = m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    // Wipe first, then commit JSON without the keyslot.
    if (Status s = wipeArea(keyslot); !s)
        return s;
    JsonValue previous = m_json;
    removeKeyslotReferences(keyslot);
    if (Status s = commit(); !s) {
        m_json = std::move(previous);
        return s;
    }
    return Status::ok();
}

Status Luks2Volume::eraseAllKeyslots()
{
    if (Status s = checkRequirements(); !s)
        return s;
    QList<int> active;
    for (const JsonMember& m : at(&m_json, "keyslots")->members())
        active += Luks2Validator::idOf(m.key);
    for (int keyslot : active) {
        if (Status s = destroyKeyslot(keyslot); !s)
            return s;
    }
    return Status::ok();
}

Result<int> Luks2Volume::changeKeyslot(const UnlockedKey& opened, std::span<const uint8_t> newPassphrase,
                                       const AddKeyslotOptions& options)
{
    // What cryptsetup 2.6.1's luksChangeKey does (verified): the passphrase keeps its keyslot id.
    // With a free id and room for a new area, the new key goes to a temporary id (commit), the two
    // ids swap, and the old material is wiped under the temporary id (commit): the id moves to the
    // end of "keyslots" (json-c's delete + add), the priority and keyslot cipher become the
    // defaults. Otherwise (or with -S) the keyslot is rewritten in place in one commit.
    if (Status s = checkRequirements(); !s)
        return s;
    const int old = opened.keyslot;
    if (!isKeyslotActive(old))
        return noUsable();
    int target = old;
    if (options.keyslot) {
        target = *options.keyslot;
    } else {
        int free = -1;
        for (int i = 0; i < 32 && free < 0; ++i) {
            if (!isKeyslotActive(i))
                free = i;
        }
        if (free >= 0 && allocateArea(opened.volumeKey.size()))
            target = free;
    }
    if (target == old) {
        if (Status s = verifyVolumeKey(opened.volumeKey); !s)
            return s;
        AddKeyslotOptions inPlace = options;
        inPlace.keyslot = old;
        if (Status s = storeKeyslot(old, opened.volumeKey, newPassphrase, inPlace); !s)
            return s;
        return old;
    }
    AddKeyslotOptions add = options;
    add.keyslot = target;
    auto added = addKeyslot(opened.volumeKey, newPassphrase, add);
    if (!added)
        return added.status();
    if (options.keyslot) {
        // An explicit new id (library callers only): no swap.
        if (Status s = destroyKeyslot(old); !s)
            return s;
        return added;
    }
    const JsonValue beforeSwap = m_json;
    JsonValue* keyslots = m_json.find("keyslots");
    JsonValue oldObject = *keyslots->find(QByteArray::number(old));
    JsonValue newObject = *keyslots->find(QByteArray::number(target));
    keyslots->remove(QByteArray::number(old));
    keyslots->insert(QByteArray::number(old), std::move(newObject));
    keyslots->remove(QByteArray::number(target));
    keyslots->insert(QByteArray::number(target), std::move(oldObject));
    if (Status s = destroyKeyslot(target); !s) {
        m_json = beforeSwap; // the disk still holds both keyslots under their first ids
        return s;
    }
    return old;
}

Status Luks2Volume::setUuid(const QString& uuid)
{
    if (Status s = checkRequirements(); !s)
        return s;
    QString value = uuid.isEmpty() ? Uuid::generate() : uuid;
    const auto canonical = Uuid::canonical(value);
    if (!canonical)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Wrong LUKS UUID format provided."));
    // As in cryptsetup, the concurrency check then compares the new UUID and so never fires.
    const QByteArray previous = m_header.uuid;
    m_header.uuid = canonical->toLatin1();
    Status s = commit();
    if (!s)
        m_header.uuid = previous;
    return s;
}

namespace {

Status checkLabel(const QString& value, const char* what)
{
    if (value.toUtf8().size() > qsizetype(Luks2BinaryHeader::LabelSize - 1))
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 is too long (at most 47 bytes).").arg(QLatin1String(what)));
    return Status::ok();
}

} // namespace

Status Luks2Volume::setLabel(const QString& label)
{
    if (Status s = checkRequirements(); !s)
        return s;
    if (Status s = checkLabel(label, "Label"); !s)
        return s;
    const QByteArray previous = m_header.label;
    m_header.label = label.toUtf8();
    Status s = commit();
    if (!s)
        m_header.label = previous;
    return s;
}

Status Luks2Volume::setSubsystem(const QString& subsystem)
{
    if (Status s = checkRequirements(); !s)
        return s;
    if (Status s = checkLabel(subsystem, "Subsystem"); !s)
        return s;
    const QByteArray previous = m_header.subsystem;
    m_header.subsystem = subsystem.toUtf8();
    Status s = commit();
    if (!s)
        m_header.subsystem = previous;
    return s;
}

Status Luks2Volume::setLabels(const QString& label, const QString& subsystem)
{
    if (Status s = checkRequirements(); !s)
        return s;
    if (Status s = checkLabel(label, "Label"); !s)
        return s;
    if (Status s = checkLabel(subsystem, "Subsystem"); !s)
        return s;
    const QByteArray previousLabel = m_header.label;
    const QByteArray previousSubsystem = m_header.subsystem;
    m_header.label = label.toUtf8();
    m_header.subsystem = subsystem.toUtf8();
    Status s = commit();
    if (!s) {
        m_header.label = previousLabel;
        m_header.subsystem = previousSubsystem;
    }
    return s;
}

Status Luks2Volume::setPriority(int keyslot, int priority)
{
    if (Status s = checkRequirements(); !s)
        return s;
    if (!isKeyslotActive(keyslot))
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Keyslot %1 is not active.").arg(keyslot));
    if (priority < PriorityIgnore || priority > PriorityPrefer)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Invalid keyslot priority %1.").arg(priority));
    JsonValue previous = m_json;
    JsonValue* ks = m_json.find("keyslots")->find(QByteArray::number(keyslot));
    if (priority == PriorityNormal)
        ks->remove("priority");
    else
        ks->insert("priority", JsonValue::integer(priority));
    Status s = commit();
    if (!s)
        m_json = std::move(previous);
    return s;
}

Status Luks2Volume::setPersistentFlags(const QStringList& flags)
{
    if (Status s = checkRequirements(); !s)
        return s;
    JsonValue previous = m_json;
    JsonValue* config = m_json.find("config");
    JsonValue array = JsonValue::array();
    for (const auto& [name, word] : KnownFlags) {
        Q_UNUSED(word);
        if (flags.contains(QLatin1String(name)))
            array.append(JsonValue::string(name));
    }
    if (array.size() == 0)
        config->remove("flags");
    else
        config->insert("flags", std::move(array));
    Status s = commit();
    if (!s)
        m_json = std::move(previous);
    return s;
}

} // namespace cryptstack

namespace cryptstack {

Result<std::unique_ptr<Luks2Volume>> Luks2Volume::create(std::unique_ptr<HeaderDevice> device,
                                                         luks2::JsonValue metadata, const QString& uuid,
                                                         uint64_t hdrSize,
                                                         const BeforeHeaderWrite& beforeCommit)
{
    if (!Luks2BinaryHeader::isAllowedHdrSize(hdrSize))
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported LUKS2 metadata size options."));
    if (Status s = Luks2Validator::validate(metadata, hdrSize - Luks2BinaryHeader::Size); !s)
        return s;
    std::unique_ptr<Luks2Volume> volume(new Luks2Volume(std::move(device)));
    volume->m_json = std::move(metadata);
    Luks2BinaryHeader& h = volume->m_header;
    h.version = 2;
    h.hdrSize = hdrSize;
    h.seqid = 1; // the commit writes 2, as cryptsetup's conversion does
    h.checksumAlg = "sha256";
    h.uuid = uuid.toLatin1();
    volume->m_needsSalt = {true, true};
    auto updateLock = volume->m_device->lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    if (beforeCommit) {
        if (Status s = beforeCommit(*volume->m_device); !s)
            return s;
    }
    if (Status s = volume->commit(false); !s)
        return s;
    return volume;
}

Result<std::unique_ptr<Luks2Volume>> Luks2Volume::format(std::unique_ptr<HeaderDevice> device,
                                                         const Luks2FormatOptions& options,
                                                         const SecureBuffer& volumeKey)
{
    // LUKS2_generate_hdr and _crypt_format_luks2 (reference/luks.md §5.3, §5.4).
    if (!options.integrity.isEmpty())
        return Status(ErrorCode::NotSupported, QStringLiteral("Integrity (--integrity) is not supported."));
    const auto names = CipherNames::split(options.cipher);
    if (!names)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Invalid cipher specification %1.").arg(options.cipher));
    if (volumeKey.isEmpty() || volumeKey.size() > std::numeric_limits<uint32_t>::max())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid volume key size."));
    const uint64_t hdrSize = options.metadataSize ? options.metadataSize : 16384;
    if (!Luks2BinaryHeader::isAllowedHdrSize(hdrSize))
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported LUKS2 metadata size options."));
    if (options.keyslotsSize % 4096 != 0 || options.keyslotsSize > Luks2Validator::MaxKeyslotsSize)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported LUKS2 metadata size options."));
    const auto hashSize = HashFactory::digestSize(options.hash);
    if (!hashSize)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("Requested hash %1 is not supported.").arg(options.hash));
    if (Status s = checkLabel(options.label, "Label"); !s)
        return s;
    if (Status s = checkLabel(options.subsystem, "Subsystem"); !s)
        return s;
    QString uuid = options.uuid.isEmpty() ? Uuid::generate() : options.uuid;
    const auto canonical = Uuid::canonical(uuid);
    if (!canonical)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Wrong LUKS UUID format provided."));

    const uint64_t metadataEnd = 2 * hdrSize;
    // With a detached header, --align-payload is the data offset itself and counts as one from
    // here on (keyslots area, "too small", the sector-size fallback), but skips the CLI's 4 KiB
    // check (verified: --align-payload 2048 gives a 1015808-byte keyslots area).
    std::optional<uint64_t> offsetSectors = options.offsetSectors;
    if (!offsetSectors && options.detachedHeader && options.alignPayloadSectors)
        offsetSectors = options.alignPayloadSectors;
    std::optional<uint64_t> offset;
    if (offsetSectors) {
        offset = *offsetSectors * 512;
        if (options.offsetSectors && *offset % 4096 != 0)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Data offset is not multiple of 4096 bytes."));
        if (*offset && *offset < metadataEnd)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Requested data offset is too small."));
    }
    uint64_t keyslotsSize = options.keyslotsSize;
    if (!keyslotsSize && offset && *offset)
        keyslotsSize = *offset - metadataEnd;
    keyslotsSize = std::min<uint64_t>(keyslotsSize / 4096 * 4096, Luks2Validator::MaxKeyslotsSize);
    if (!keyslotsSize) {
        keyslotsSize = 16 * MiB - metadataEnd;
        // A device that cannot grow gets a smaller area.
        if (!device->isRegularFile() && device->size() < metadataEnd + keyslotsSize &&
            device->size() > metadataEnd)
            keyslotsSize = (device->size() - metadataEnd) / 4096 * 4096;
    }
    if (offset && *offset && metadataEnd + keyslotsSize > *offset)
        keyslotsSize = (*offset - metadataEnd) / 4096 * 4096;
    const uint64_t alignment = options.alignPayloadSectors ? options.alignPayloadSectors * 512 : MiB;
    uint64_t dataOffset = 0;
    if (offset)
        dataOffset = *offset;
    else if (options.detachedHeader)
        dataOffset = options.alignPayloadSectors * 512;
    else
        dataOffset = (metadataEnd + keyslotsSize + alignment - 1) / alignment * alignment;

    const uint64_t dataDeviceBytes = options.dataDeviceBytes ? options.dataDeviceBytes : device->size();
    unsigned sectorSize = options.sectorSize;
    if (sectorSize) {
        if (sectorSize < 512 || sectorSize > 4096 || (sectorSize & (sectorSize - 1)))
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported encryption sector size."));
        if (dataDeviceBytes > dataOffset && (dataDeviceBytes - dataOffset) % sectorSize != 0)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Device size is not aligned to requested sector size."));
    } else {
        sectorSize = options.dataDeviceOptimalSectorSize ? options.dataDeviceOptimalSectorSize
                                                         : device->optimalSectorSize();
        // The offset in 512-byte sectors is compared with the size in bytes, as 2.6.1 does; the
        // required alignment (--align-payload, else 1 MiB) must be a multiple too (verified:
        // --align-payload 1, 4 or 12 gives 512, 8 keeps 4096).
        if (offsetSectors && *offsetSectors % sectorSize != 0)
            sectorSize = 512;
        if (alignment % sectorSize != 0)
            sectorSize = 512;
        if (dataDeviceBytes >= MiB && (dataDeviceBytes - MiB) % sectorSize != 0)
            sectorSize = 512;
    }

    std::unique_ptr<Luks2Volume> volume(new Luks2Volume(std::move(device)));
    HeaderDevice& dev = *volume->m_device;
    const uint64_t headerEnd = metadataEnd + keyslotsSize;
    if (Status s = dev.growTo(options.detachedHeader ? headerEnd : std::max(headerEnd, dataOffset)); !s) {
        if (dev.size() < headerEnd)
            return s;
    }
    if (keyslotsSize < 4 * MiB - 32 * 1024)
        volume->m_warnings +=
            QStringLiteral("WARNING: keyslots area (%1 bytes) is very small, available LUKS2 keyslot "
                           "count is very limited.")
                .arg(keyslotsSize);
    if (!options.detachedHeader && dataDeviceBytes <= dataOffset && dev.size() <= dataOffset)
        volume->m_warnings +=
            QStringLiteral("Device %1 is too small for activation, there is no remaining space for "
                           "data.")
                .arg(dev.path());

    // The volume-key digest.
    std::array<uint8_t, SaltBytes> digestSalt = {};
    if (Status s = SecureRandom::fill(digestSalt); !s)
        return s;
    auto iterations =
        Pbkdf::digestIterations(options.hash, *hashSize, options.digestKdf.forcedIterations != 0);
    if (!iterations)
        return iterations.status();
    KdfParams digestParams;
    digestParams.type = QStringLiteral("pbkdf2");
    digestParams.hash = options.hash;
    digestParams.iterations = *iterations;
    std::vector<uint8_t> digest(*hashSize);
    if (Status s = Pbkdf::derive(digestParams, volumeKey.bytes(), digestSalt, digest); !s)
        return s;

    JsonValue segment = JsonValue::object();
    segment.insert("type", JsonValue::string("crypt"));
    segment.insert("offset", JsonValue::string(QByteArray::number(dataOffset)));
    segment.insert("size", JsonValue::string("dynamic"));
    segment.insert("iv_tweak", JsonValue::string("0"));
    segment.insert("encryption", JsonValue::string(names->joined().toUtf8()));
    segment.insert("sector_size", JsonValue::integer(sectorSize));
    JsonValue segments = JsonValue::object();
    segments.insert("0", std::move(segment));
    JsonValue digestJson = JsonValue::object();
    digestJson.insert("type", JsonValue::string("pbkdf2"));
    digestJson.insert("keyslots", JsonValue::array());
    JsonValue boundSegments = JsonValue::array();
    boundSegments.append(JsonValue::string("0"));
    digestJson.insert("segments", std::move(boundSegments));
    digestJson.insert("hash", JsonValue::string(options.hash.toUtf8()));
    digestJson.insert("iterations", JsonValue::integer(*iterations));
    digestJson.insert("salt", JsonValue::string(toBase64(digestSalt)));
    digestJson.insert("digest", JsonValue::string(toBase64(digest)));
    JsonValue digests = JsonValue::object();
    digests.insert("0", std::move(digestJson));
    JsonValue config = JsonValue::object();
    config.insert("json_size", JsonValue::string(QByteArray::number(hdrSize - Luks2BinaryHeader::Size)));
    config.insert("keyslots_size", JsonValue::string(QByteArray::number(keyslotsSize)));
    JsonValue root = JsonValue::object();
    root.insert("keyslots", JsonValue::object());
    root.insert("tokens", JsonValue::object());
    root.insert("segments", std::move(segments));
    root.insert("digests", std::move(digests));
    root.insert("config", std::move(config));
    volume->m_json = std::move(root);

    Luks2BinaryHeader& h = volume->m_header;
    h.version = 2;
    h.hdrSize = hdrSize;
    h.seqid = 1;
    h.label = options.label.toUtf8();
    h.subsystem = options.subsystem.toUtf8();
    h.checksumAlg = "sha256";
    h.uuid = canonical->toLatin1();
    volume->m_needsSalt = {true, true};

    // Wipe: zeroes up to the data offset (4 KiB with a detached header), random keyslots area.
    auto updateLock = dev.lockForUpdate();
    if (!updateLock)
        return updateLock.status();
    const uint64_t zeroEnd = options.detachedHeader || dataOffset == 0 ? 4096 : dataOffset;
    std::vector<uint8_t> chunk(MiB);
    for (uint64_t done = 0; done < zeroEnd;) {
        const size_t n = size_t(std::min<uint64_t>(chunk.size(), zeroEnd - done));
        if (Status s = dev.write(done, {chunk.data(), n}); !s)
            return s;
        done += n;
    }
    for (uint64_t done = 0; done < keyslotsSize;) {
        const size_t n = size_t(std::min<uint64_t>(chunk.size(), keyslotsSize - done));
        if (Status s = SecureRandom::fill({chunk.data(), n}); !s)
            return s;
        if (Status s = dev.write(metadataEnd + done, {chunk.data(), n}); !s)
            return s;
        done += n;
    }
    if (options.headerWithFirstKeyslot) {
        // The first addKeyslot commits seqid 3; the zeroed primary passes its seqid check.
        h.seqid = 2;
        if (Status s = dev.sync(); !s)
            return s;
        return volume;
    }
    if (Status s = volume->commit(false); !s)
        return s;
    return volume;
}

} // namespace cryptstack
