#include "Luks2Validator.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <vector>

namespace cryptstack::luks2 {

namespace {

struct Interval
{
    uint64_t offset;
    uint64_t length;
};

Status invalid(const QString& where, const QString& what)
{
    return Status(ErrorCode::Corruption, QStringLiteral("LUKS2 %1: %2.").arg(where, what));
}

QString quoted(const char* field)
{
    return QStringLiteral("\"%1\"").arg(QLatin1String(field));
}

QString section(const char* kind, const QByteArray& name)
{
    return QStringLiteral("%1 %2").arg(QLatin1String(kind), QString::fromUtf8(name));
}

// json_contains(): present and of the type.
const JsonValue* member(const JsonValue* object, const char* key, JsonValue::Type type)
{
    if (!object || !object->isObject())
        return nullptr;
    const JsonValue* v = object->find(key);
    return v && v->type() == type ? v : nullptr;
}

// json_contains_string(): a string whose C form is not empty.
const JsonValue* stringMember(const JsonValue* object, const char* key)
{
    const JsonValue* v = member(object, key, JsonValue::Type::String);
    return v && !Luks2Validator::cString(v).isEmpty() ? v : nullptr;
}

bool isUint32(const JsonValue* v)
{
    if (!v->isInt())
        return false;
    const int64_t value = v->toInt64();
    return value >= 0 && value <= int64_t(std::numeric_limits<uint32_t>::max()) &&
           value != std::numeric_limits<int64_t>::max();
}

const char* typeName(JsonValue::Type type)
{
    switch (type) {
    case JsonValue::Type::Object:
        return "an object";
    case JsonValue::Type::Array:
        return "an array";
    case JsonValue::Type::String:
        return "a non-empty string";
    case JsonValue::Type::Int:
        return "an integer";
    default:
        return "a value";
    }
}

Status need(const QString& where, const JsonValue* object, const char* key, JsonValue::Type type,
            const JsonValue** out, const char* shownAs = nullptr)
{
    const JsonValue* v =
        type == JsonValue::Type::String ? stringMember(object, key) : member(object, key, type);
    if (!v)
        return invalid(where, QStringLiteral("%1 must be %2")
                                  .arg(quoted(shownAs ? shownAs : key), QLatin1String(typeName(type))));
    if (out)
        *out = v;
    return Status::ok();
}

// A string-uint64 field that must also be all digits (offsets and sizes of areas and segments).
Status needDigits(const QString& where, const JsonValue* object, const char* key, const char* shownAs,
                  uint64_t* value)
{
    const JsonValue* v = nullptr;
    if (Status s = need(where, object, key, JsonValue::Type::String, &v, shownAs); !s)
        return s;
    const auto parsed = Luks2Validator::stringToUint64(v);
    if (!Luks2Validator::numbered(Luks2Validator::cString(v)) || !parsed)
        return invalid(where, QStringLiteral("%1 must be a string of decimal digits").arg(quoted(shownAs)));
    *value = *parsed;
    return Status::ok();
}

Status checkIdArray(const QString& where, const char* field, const JsonValue& array, const JsonValue* targets,
                    const char* targetKind)
{
    for (const JsonValue& element : array.elements()) {
        if (!element.isString())
            return invalid(where, QStringLiteral("%1 must hold strings").arg(quoted(field)));
        const JsonValue* target =
            targets && targets->isObject() ? targets->find(Luks2Validator::cString(&element)) : nullptr;
        if (!target || !target->isObject())
            return invalid(where, QStringLiteral("%1 names %2 %3, which does not exist")
                                      .arg(quoted(field), QLatin1String(targetKind),
                                           QString::fromUtf8(element.stringValue())));
    }
    return Status::ok();
}

bool segmentHasFlagPrefix(const JsonValue& segment, QByteArrayView prefix)
{
    const JsonValue* flags = segment.isObject() ? segment.find("flags") : nullptr;
    if (!flags || !flags->isArray())
        return false;
    for (const JsonValue& flag : flags->elements()) {
        if (Luks2Validator::cString(&flag).startsWith(prefix))
            return true;
    }
    return false;
}

Status validateRequirements(const JsonValue& root)
{
    const JsonValue* config = nullptr;
    if (Status s = need(QStringLiteral("JSON"), &root, "config", JsonValue::Type::Object, &config); !s)
        return s;
    if (const JsonValue* requirements = config->find("requirements")) {
        const QString where = QStringLiteral("config");
        if (!requirements->isObject())
            return invalid(where, QStringLiteral("\"requirements\" must be an object"));
        if (const JsonValue* mandatory = requirements->find("mandatory")) {
            if (!mandatory->isArray())
                return invalid(where, QStringLiteral("\"requirements.mandatory\" must be an array"));
            int online = 0;
            for (const JsonValue& element : mandatory->elements()) {
                if (!element.isString())
                    return invalid(where, QStringLiteral("\"requirements.mandatory\" must hold strings"));
                if (Luks2Validator::cString(&element).startsWith("online-reencrypt"))
                    ++online;
            }
            if (online > 1)
                return invalid(where, QStringLiteral("\"requirements.mandatory\" names more than one "
                                                     "online-reencrypt requirement"));
        }
    }
    return Status::ok();
}

Status validateTokens(const JsonValue& root)
{
    const JsonValue* tokens = nullptr;
    if (Status s = need(QStringLiteral("JSON"), &root, "tokens", JsonValue::Type::Object, &tokens); !s)
        return s;
    const JsonValue* keyslots = root.find("keyslots");
    if (!keyslots)
        return invalid(QStringLiteral("JSON"), QStringLiteral("\"keyslots\" must be an object"));
    for (const JsonMember& m : tokens->members()) {
        const QString where = section("token", m.key);
        if (!Luks2Validator::numbered(m.key))
            return invalid(where, QStringLiteral("the name must be decimal digits"));
        const JsonValue* array = nullptr;
        if (Status s = need(where, &m.value, "type", JsonValue::Type::String, nullptr); !s)
            return s;
        if (Status s = need(where, &m.value, "keyslots", JsonValue::Type::Array, &array); !s)
            return s;
        if (Status s = checkIdArray(where, "keyslots", *array, keyslots, "keyslot"); !s)
            return s;
    }
    return Status::ok();
}

Status validateDigests(const JsonValue& root)
{
    const JsonValue* digests = nullptr;
    const JsonValue* keyslots = nullptr;
    const JsonValue* segments = nullptr;
    const QString json = QStringLiteral("JSON");
    if (Status s = need(json, &root, "digests", JsonValue::Type::Object, &digests); !s)
        return s;
    if (Status s = need(json, &root, "keyslots", JsonValue::Type::Object, &keyslots); !s)
        return s;
    if (Status s = need(json, &root, "segments", JsonValue::Type::Object, &segments); !s)
        return s;
    for (const JsonMember& m : digests->members()) {
        const QString where = section("digest", m.key);
        if (!Luks2Validator::numbered(m.key))
            return invalid(where, QStringLiteral("the name must be decimal digits"));
        const JsonValue* ks = nullptr;
        const JsonValue* segs = nullptr;
        if (Status s = need(where, &m.value, "type", JsonValue::Type::String, nullptr); !s)
            return s;
        if (Status s = need(where, &m.value, "keyslots", JsonValue::Type::Array, &ks); !s)
            return s;
        if (Status s = need(where, &m.value, "segments", JsonValue::Type::Array, &segs); !s)
            return s;
        if (Status s = checkIdArray(where, "keyslots", *ks, keyslots, "keyslot"); !s)
            return s;
        if (Status s = checkIdArray(where, "segments", *segs, segments, "segment"); !s)
            return s;
    }
    return Status::ok();
}

bool segmentHasDigest(const QByteArray& name, const JsonValue& digests)
{
    for (const JsonMember& m : digests.members()) {
        const JsonValue* segments = m.value.isObject() ? m.value.find("segments") : nullptr;
        if (segments && segments->containsString(name))
            return true;
    }
    return false;
}

Status validateCryptSegment(const QString& where, const QByteArray& name, const JsonValue& segment,
                            const JsonValue& digests, uint64_t size)
{
    const JsonValue* ivTweak = nullptr;
    const JsonValue* sectorSize = nullptr;
    if (Status s = need(where, &segment, "iv_tweak", JsonValue::Type::String, &ivTweak); !s)
        return s;
    if (Status s = need(where, &segment, "encryption", JsonValue::Type::String, nullptr); !s)
        return s;
    if (Status s = need(where, &segment, "sector_size", JsonValue::Type::Int, &sectorSize); !s)
        return s;
    if (const JsonValue* integrity = segment.find("integrity")) {
        if (!integrity->isObject())
            return invalid(where, QStringLiteral("\"integrity\" must be an object"));
        for (const char* key : {"type", "journal_encryption", "journal_integrity"}) {
            if (!stringMember(integrity, key))
                return invalid(
                    where,
                    QStringLiteral("\"integrity.%1\" must be a non-empty string").arg(QLatin1String(key)));
        }
    }
    if (!isUint32(sectorSize))
        return invalid(where, QStringLiteral("\"sector_size\" must be an unsigned 32-bit integer"));
    const auto sector = uint32_t(sectorSize->toInt64());
    if (sector == 0 || sector % 512 != 0)
        return invalid(where,
                       QStringLiteral("\"sector_size\" %1 is not a non-zero multiple of 512").arg(sector));
    if (!Luks2Validator::numbered(Luks2Validator::cString(ivTweak)) ||
        !Luks2Validator::stringToUint64(ivTweak))
        return invalid(where, QStringLiteral("\"iv_tweak\" must be a string of decimal digits"));
    if (size % sector != 0)
        return invalid(where, QStringLiteral("\"size\" must be a multiple of \"sector_size\""));
    if (!segmentHasDigest(name, digests))
        return invalid(where, QStringLiteral("the crypt segment is not assigned to any digest"));
    return Status::ok();
}

Status validateSegments(const JsonValue& root)
{
    const JsonValue* segments = nullptr;
    if (Status s = need(QStringLiteral("JSON"), &root, "segments", JsonValue::Type::Object, &segments); !s)
        return s;
    const int count = int(segments->size());
    if (count < 1)
        return invalid(QStringLiteral("JSON"), QStringLiteral("\"segments\" must not be empty"));
    const JsonValue* digests = root.find("digests");
    if (!digests)
        return invalid(QStringLiteral("JSON"), QStringLiteral("\"digests\" must be an object"));
    int firstBackup = -1;
    for (const JsonMember& m : segments->members()) {
        const QString where = section("segment", m.key);
        if (!Luks2Validator::numbered(m.key))
            return invalid(where, QStringLiteral("the name must be decimal digits"));
        const JsonValue* type = nullptr;
        const JsonValue* sizeValue = nullptr;
        if (Status s = need(where, &m.value, "type", JsonValue::Type::String, &type); !s)
            return s;
        if (Status s = need(where, &m.value, "offset", JsonValue::Type::String, nullptr); !s)
            return s;
        if (Status s = need(where, &m.value, "size", JsonValue::Type::String, &sizeValue); !s)
            return s;
        uint64_t offset = 0;
        if (Status s = needDigits(where, &m.value, "offset", "offset", &offset); !s)
            return s;
        uint64_t size = 0;
        if (Luks2Validator::cString(sizeValue) != "dynamic") {
            const auto parsed = Luks2Validator::stringToUint64(sizeValue);
            if (!Luks2Validator::numbered(Luks2Validator::cString(sizeValue)) || !parsed)
                return invalid(where,
                               QStringLiteral("\"size\" must be \"dynamic\" or a string of decimal digits"));
            if (*parsed == 0)
                return invalid(where, QStringLiteral("\"size\" must not be zero"));
            size = *parsed;
        }
        if (offset % 512 != 0)
            return invalid(where, QStringLiteral("\"offset\" must be a multiple of 512"));
        if (size % 512 != 0)
            return invalid(where, QStringLiteral("\"size\" must be a multiple of 512"));
        if (const JsonValue* flags = m.value.find("flags")) {
            if (!flags->isArray())
                return invalid(where, QStringLiteral("\"flags\" must be an array"));
            for (const JsonValue& flag : flags->elements()) {
                if (!flag.isString())
                    return invalid(where, QStringLiteral("\"flags\" must hold strings"));
            }
        }
        const int id = Luks2Validator::idOf(m.key);
        if (Luks2Validator::segmentIsBackup(m.value)) {
            if (firstBackup < 0 || id < firstBackup)
                firstBackup = id;
        } else if (firstBackup >= 0 && id >= firstBackup) {
            return invalid(
                where,
                QStringLiteral("a regular segment must come before backup segment %1").arg(firstBackup));
        }
        if (Luks2Validator::cString(type) == "crypt") {
            if (Status s = validateCryptSegment(where, m.key, m.value, *digests, size); !s)
                return s;
        }
    }
    if (firstBackup == 0)
        return invalid(QStringLiteral("JSON"), QStringLiteral("there is no regular segment"));
    if (firstBackup >= count)
        return invalid(
            QStringLiteral("JSON"),
            QStringLiteral("gap between the last regular segment and backup segment %1").arg(firstBackup));
    if (firstBackup < 0)
        firstBackup = count;
    std::vector<Interval> intervals;
    for (int i = 0; i < firstBackup; ++i) {
        const JsonValue* segment = segments->find(QByteArray::number(i));
        if (!segment)
            return invalid(QStringLiteral("JSON"),
                           QStringLiteral("segment %1 is missing (gap in \"segments\")").arg(i));
        const uint64_t offset = Luks2Validator::stringToUint64(segment->find("offset")).value_or(0);
        const JsonValue* size = segment->find("size");
        uint64_t length =
            Luks2Validator::cString(size) == "dynamic" ? 0 : Luks2Validator::stringToUint64(size).value_or(0);
        intervals.push_back({offset, length ? length : std::numeric_limits<uint64_t>::max()});
    }
    const uint64_t dynamic = std::numeric_limits<uint64_t>::max();
    for (size_t i = 0; i < intervals.size(); ++i) {
        if (intervals[i].length == dynamic && i != intervals.size() - 1)
            return invalid(section("segment", QByteArray::number(qsizetype(i))),
                           QStringLiteral("only the last regular segment may be \"dynamic\""));
        for (size_t j = 0; j < intervals.size(); ++j) {
            if (i == j)
                continue;
            if (intervals[j].length != dynamic && intervals[j].offset > dynamic - intervals[j].length)
                return invalid(section("segment", QByteArray::number(qsizetype(j))),
                               QStringLiteral("offset + size overflows"));
            if (intervals[i].offset >= intervals[j].offset &&
                (intervals[j].length == dynamic ||
                 intervals[i].offset < intervals[j].offset + intervals[j].length))
                return invalid(section("segment", QByteArray::number(qsizetype(i))),
                               QStringLiteral("overlaps segment %1").arg(j));
        }
    }
    for (int i = firstBackup; i < count; ++i) {
        if (!segments->find(QByteArray::number(i)))
            return invalid(QStringLiteral("JSON"),
                           QStringLiteral("segment %1 is missing (gap in \"segments\")").arg(i));
    }
    return Status::ok();
}

Status validateKeyslotsSection(const JsonValue& root)
{
    const JsonValue* keyslots = nullptr;
    if (Status s = need(QStringLiteral("JSON"), &root, "keyslots", JsonValue::Type::Object, &keyslots); !s)
        return s;
    for (const JsonMember& m : keyslots->members()) {
        const QString where = section("keyslot", m.key);
        if (!Luks2Validator::numbered(m.key))
            return invalid(where, QStringLiteral("the name must be decimal digits"));
        const JsonValue* keySize = nullptr;
        if (Status s = need(where, &m.value, "type", JsonValue::Type::String, nullptr); !s)
            return s;
        if (Status s = need(where, &m.value, "key_size", JsonValue::Type::Int, &keySize); !s)
            return s;
        if (!isUint32(keySize))
            return invalid(where, QStringLiteral("\"key_size\" must be an unsigned 32-bit integer"));
    }
    return Status::ok();
}

Status validateConfig(const JsonValue& root)
{
    const JsonValue* config = nullptr;
    const QString where = QStringLiteral("config");
    if (Status s = need(QStringLiteral("JSON"), &root, "config", JsonValue::Type::Object, &config); !s)
        return s;
    const JsonValue* jsonSizeValue = nullptr;
    const JsonValue* keyslotsSizeValue = nullptr;
    if (Status s = need(where, config, "json_size", JsonValue::Type::String, &jsonSizeValue); !s)
        return s;
    const auto jsonSize = Luks2Validator::stringToUint64(jsonSizeValue);
    if (!jsonSize)
        return invalid(where, QStringLiteral("\"json_size\" must be a string holding a number"));
    if (Status s = need(where, config, "keyslots_size", JsonValue::Type::String, &keyslotsSizeValue); !s)
        return s;
    const auto keyslotsSize = Luks2Validator::stringToUint64(keyslotsSizeValue);
    if (!keyslotsSize)
        return invalid(where, QStringLiteral("\"keyslots_size\" must be a string holding a number"));
    const uint64_t metadataSize = *jsonSize + 4096;
    static const uint64_t allowed[] = {0x4000,  0x8000,   0x10000,  0x20000, 0x40000,
                                       0x80000, 0x100000, 0x200000, 0x400000};
    if (std::find(std::begin(allowed), std::end(allowed), metadataSize) == std::end(allowed))
        return invalid(
            where,
            QStringLiteral("\"json_size\" %1 is not an allowed metadata size minus 4096").arg(*jsonSize));
    if (*keyslotsSize % 4096 != 0 || *keyslotsSize > Luks2Validator::MaxKeyslotsSize)
        return invalid(where,
                       QStringLiteral("\"keyslots_size\" %1 must be a multiple of 4096 and at most 134217728")
                           .arg(*keyslotsSize));
    const uint64_t segmentOffset = Luks2Validator::minimalSegmentOffset(root);
    if (segmentOffset && (segmentOffset < *keyslotsSize || segmentOffset - *keyslotsSize < 2 * metadataSize))
        return invalid(where, QStringLiteral("\"keyslots_size\" %1 reaches into the data at offset %2")
                                  .arg(*keyslotsSize)
                                  .arg(segmentOffset));
    if (const JsonValue* flags = config->find("flags")) {
        if (!flags->isArray())
            return invalid(where, QStringLiteral("\"flags\" must be an array"));
        for (const JsonValue& flag : flags->elements()) {
            if (!flag.isString())
                return invalid(where, QStringLiteral("\"flags\" must hold strings"));
        }
    }
    return Status::ok();
}

Status validateAreas(const JsonValue& root)
{
    const JsonValue* keyslots = root.find("keyslots");
    const uint64_t metadataSize = Luks2Validator::jsonSize(root) + 4096;
    const uint64_t areaEnd = 2 * metadataSize + Luks2Validator::keyslotsSize(root);
    std::vector<std::pair<QByteArray, Interval>> intervals;
    for (const JsonMember& m : keyslots->members()) {
        const QString where = section("keyslot", m.key);
        const JsonValue* area = nullptr;
        if (Status s = need(where, &m.value, "area", JsonValue::Type::Object, &area); !s)
            return s;
        if (Status s = need(where, area, "type", JsonValue::Type::String, nullptr, "area.type"); !s)
            return s;
        Interval interval = {};
        if (Status s = needDigits(where, area, "offset", "area.offset", &interval.offset); !s)
            return s;
        if (Status s = needDigits(where, area, "size", "area.size", &interval.length); !s)
            return s;
        intervals.push_back({m.key, interval});
    }
    for (size_t i = 0; i < intervals.size(); ++i) {
        const QString where = section("keyslot", intervals[i].first);
        const Interval& a = intervals[i].second;
        if (a.offset < 2 * metadataSize)
            return invalid(where,
                           QStringLiteral("\"area.offset\" %1 lies inside the metadata areas").arg(a.offset));
        if (a.length == 0)
            return invalid(where, QStringLiteral("\"area.size\" must not be zero"));
        if (a.offset > std::numeric_limits<uint64_t>::max() - a.length)
            return invalid(where, QStringLiteral("\"area.offset\" + \"area.size\" overflows"));
        if (a.offset + a.length > areaEnd)
            return invalid(where, QStringLiteral("the area [%1, %2) ends past the keyslots area (%3)")
                                      .arg(a.offset)
                                      .arg(a.offset + a.length)
                                      .arg(areaEnd));
        for (size_t j = 0; j < intervals.size(); ++j) {
            const Interval& b = intervals[j].second;
            if (i == j)
                continue;
            if (b.offset > std::numeric_limits<uint64_t>::max() - b.length)
                return invalid(section("keyslot", intervals[j].first),
                               QStringLiteral("\"area.offset\" + \"area.size\" overflows"));
            if (a.offset >= b.offset && a.offset < b.offset + b.length)
                return invalid(where, QStringLiteral("the area overlaps the area of keyslot %1")
                                          .arg(QString::fromUtf8(intervals[j].first)));
        }
    }
    return Status::ok();
}

Status validateJsonSize(const JsonValue& root, uint64_t jsonAreaSize)
{
    if (Luks2Validator::jsonSize(root) != jsonAreaSize)
        return invalid(QStringLiteral("config"),
                       QStringLiteral("\"json_size\" %1 does not match the binary header's %2")
                           .arg(Luks2Validator::jsonSize(root))
                           .arg(jsonAreaSize));
    if (uint64_t(root.toCompact().size()) > jsonAreaSize)
        return invalid(QStringLiteral("JSON"), QStringLiteral("the metadata does not fit the JSON area"));
    return Status::ok();
}

// luks2_keyslot_validate: the luks2 handler's own checks.
Status validateLuks2Keyslot(const QString& where, const JsonValue& keyslot)
{
    const JsonValue* kdf = nullptr;
    const JsonValue* af = nullptr;
    const JsonValue* area = nullptr;
    if (Status s = need(where, &keyslot, "kdf", JsonValue::Type::Object, &kdf); !s)
        return s;
    if (Status s = need(where, &keyslot, "af", JsonValue::Type::Object, &af); !s)
        return s;
    if (Status s = need(where, &keyslot, "area", JsonValue::Type::Object, &area); !s)
        return s;
    const JsonValue* kdfType = nullptr;
    if (Status s = need(where, kdf, "type", JsonValue::Type::String, &kdfType, "kdf.type"); !s)
        return s;
    const QByteArray type = Luks2Validator::cString(kdfType);
    if (type == "pbkdf2") {
        if (kdf->size() != 4)
            return invalid(where,
                           QStringLiteral("\"kdf\" of type pbkdf2 must hold exactly type, hash, iterations "
                                          "and salt"));
        if (Status s = need(where, kdf, "hash", JsonValue::Type::String, nullptr, "kdf.hash"); !s)
            return s;
        if (Status s = need(where, kdf, "iterations", JsonValue::Type::Int, nullptr, "kdf.iterations"); !s)
            return s;
        if (Status s = need(where, kdf, "salt", JsonValue::Type::String, nullptr, "kdf.salt"); !s)
            return s;
    } else if (type == "argon2i" || type == "argon2id") {
        if (kdf->size() != 5)
            return invalid(where,
                           QStringLiteral("\"kdf\" of type %1 must hold exactly type, time, memory, cpus and "
                                          "salt")
                               .arg(QString::fromUtf8(type)));
        if (Status s = need(where, kdf, "time", JsonValue::Type::Int, nullptr, "kdf.time"); !s)
            return s;
        if (Status s = need(where, kdf, "memory", JsonValue::Type::Int, nullptr, "kdf.memory"); !s)
            return s;
        if (Status s = need(where, kdf, "cpus", JsonValue::Type::Int, nullptr, "kdf.cpus"); !s)
            return s;
        if (Status s = need(where, kdf, "salt", JsonValue::Type::String, nullptr, "kdf.salt"); !s)
            return s;
    }
    const JsonValue* afType = nullptr;
    if (Status s = need(where, af, "type", JsonValue::Type::String, &afType, "af.type"); !s)
        return s;
    if (Luks2Validator::cString(afType) != "luks1")
        return invalid(where, QStringLiteral("\"af.type\" must be \"luks1\""));
    if (Status s = need(where, af, "hash", JsonValue::Type::String, nullptr, "af.hash"); !s)
        return s;
    if (Status s = need(where, af, "stripes", JsonValue::Type::Int, nullptr, "af.stripes"); !s)
        return s;
    const JsonValue* areaType = nullptr;
    if (Status s = need(where, area, "type", JsonValue::Type::String, &areaType, "area.type"); !s)
        return s;
    if (Luks2Validator::cString(areaType) != "raw")
        return invalid(where, QStringLiteral("\"area.type\" must be \"raw\""));
    if (Status s = need(where, area, "encryption", JsonValue::Type::String, nullptr, "area.encryption"); !s)
        return s;
    if (Status s = need(where, area, "key_size", JsonValue::Type::Int, nullptr, "area.key_size"); !s)
        return s;
    if (Status s = need(where, area, "offset", JsonValue::Type::String, nullptr, "area.offset"); !s)
        return s;
    if (Status s = need(where, area, "size", JsonValue::Type::String, nullptr, "area.size"); !s)
        return s;
    return Status::ok();
}

Status validateKeyslotImplementations(const JsonValue& root)
{
    const JsonValue* keyslots = root.find("keyslots");
    int onlineRequirements = 0;
    if (const JsonValue* config = root.find("config")) {
        const JsonValue* requirements = config->find("requirements");
        const JsonValue* mandatory =
            requirements && requirements->isObject() ? requirements->find("mandatory") : nullptr;
        if (mandatory && mandatory->isArray()) {
            for (const JsonValue& element : mandatory->elements()) {
                if (Luks2Validator::cString(&element).startsWith("online-reencrypt"))
                    ++onlineRequirements;
            }
        }
    }
    int reencrypt = 0;
    for (const JsonMember& m : keyslots->members()) {
        const QString where = section("keyslot", m.key);
        const QByteArray type = Luks2Validator::cString(m.value.find("type"));
        if (type == "luks2") {
            if (Status s = validateLuks2Keyslot(where, m.value); !s)
                return s;
            if (Luks2Validator::digestByKeyslot(root, Luks2Validator::idOf(m.key)) < 0)
                return invalid(where, QStringLiteral("the keyslot is not assigned to a digest"));
        } else if (type == "reencrypt") {
            ++reencrypt;
        }
    }
    if (onlineRequirements && reencrypt == 0)
        return invalid(QStringLiteral("JSON"), QStringLiteral("the reencryption keyslot is missing"));
    if (reencrypt && !onlineRequirements)
        return invalid(QStringLiteral("JSON"),
                       QStringLiteral("a reencryption keyslot without the reencryption "
                                      "requirement"));
    if (reencrypt > 1)
        return invalid(QStringLiteral("JSON"), QStringLiteral("more than one reencryption keyslot"));
    return Status::ok();
}

} // namespace

QByteArray Luks2Validator::cString(const JsonValue* value)
{
    if (!value || value->isNull())
        return {};
    QByteArray text = value->toText();
    const qsizetype nul = text.indexOf('\0');
    if (nul >= 0)
        text.truncate(nul);
    return text;
}

bool Luks2Validator::numbered(QByteArrayView text)
{
    for (const char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    }
    return true;
}

std::optional<uint64_t> Luks2Validator::stringToUint64(const JsonValue* value)
{
    const QByteArray text = cString(value);
    char* end = nullptr;
    errno = 0;
    const unsigned long long parsed = std::strtoull(text.constData(), &end, 10);
    if (*end != '\0' || errno != 0)
        return std::nullopt;
    return uint64_t(parsed);
}

int Luks2Validator::idOf(const QByteArray& name)
{
    return int(std::strtol(name.constData(), nullptr, 10));
}

int Luks2Validator::digestByKeyslot(const JsonValue& root, int keyslot)
{
    const JsonValue* digests = root.find("digests");
    if (!digests || !digests->isObject())
        return -1;
    const QByteArray name = QByteArray::number(uint(keyslot));
    for (const JsonMember& m : digests->members()) {
        const JsonValue* keyslots = m.value.isObject() ? m.value.find("keyslots") : nullptr;
        if (keyslots && keyslots->containsString(name))
            return idOf(m.key);
    }
    return -1;
}

int Luks2Validator::digestBySegment(const JsonValue& root, int segment)
{
    const JsonValue* digests = root.find("digests");
    if (!digests || !digests->isObject())
        return -1;
    const QByteArray name = QByteArray::number(segment);
    for (const JsonMember& m : digests->members()) {
        const JsonValue* segments = m.value.isObject() ? m.value.find("segments") : nullptr;
        if (segments && segments->containsString(name))
            return idOf(m.key);
    }
    return -1;
}

int Luks2Validator::defaultSegment(const JsonValue& root)
{
    const JsonValue* segments = root.find("segments");
    if (segments && segments->isObject()) {
        for (const JsonMember& m : segments->members()) {
            const JsonValue* flags = m.value.isObject() ? m.value.find("flags") : nullptr;
            if (flags && flags->containsString("backup-final"))
                return idOf(m.key);
        }
    }
    return 0;
}

bool Luks2Validator::keyslotIsBound(const JsonValue& root, int keyslot)
{
    const int digest = digestByKeyslot(root, keyslot);
    if (digest < 0)
        return false;
    const JsonValue* segments = root.find("segments");
    const int count = segments && segments->isObject() ? int(segments->size()) : 0;
    for (int s = 0; s < count; ++s) {
        if (digestBySegment(root, s) == digest)
            return true;
    }
    return false;
}

bool Luks2Validator::segmentIsBackup(const JsonValue& segment)
{
    return segmentHasFlagPrefix(segment, "backup-");
}

uint64_t Luks2Validator::jsonSize(const JsonValue& root)
{
    const JsonValue* config = root.find("config");
    return config && config->isObject() ? stringToUint64(config->find("json_size")).value_or(0) : 0;
}

uint64_t Luks2Validator::keyslotsSize(const JsonValue& root)
{
    const JsonValue* config = root.find("config");
    return config && config->isObject() ? stringToUint64(config->find("keyslots_size")).value_or(0) : 0;
}

uint64_t Luks2Validator::minimalSegmentOffset(const JsonValue& root)
{
    const JsonValue* segments = root.find("segments");
    if (!segments || !segments->isObject())
        return 0;
    uint64_t minimum = std::numeric_limits<uint64_t>::max();
    for (const JsonMember& m : segments->members()) {
        if (segmentIsBackup(m.value))
            continue;
        const uint64_t offset = m.value.isObject() ? stringToUint64(m.value.find("offset")).value_or(0) : 0;
        if (offset == 0)
            return 0;
        minimum = std::min(minimum, offset);
    }
    return minimum;
}

Status Luks2Validator::validate(const JsonValue& root, uint64_t jsonAreaSize)
{
    if (!root.isObject())
        return invalid(QStringLiteral("JSON"), QStringLiteral("the metadata must be an object"));
    for (auto check : {validateRequirements, validateTokens, validateDigests, validateSegments,
                       validateKeyslotsSection, validateConfig, validateAreas}) {
        if (Status s = check(root); !s)
            return s;
    }
    if (Status s = validateJsonSize(root, jsonAreaSize); !s)
        return s;
    return validateKeyslotImplementations(root);
}

Status Luks2Validator::validateOnLoad(JsonValue& root, uint64_t jsonAreaSize)
{
    Status first = validate(root, jsonAreaSize);
    if (first || !root.isObject())
        return first;
    repairKdf(root);
    return validate(root, jsonAreaSize);
}

void Luks2Validator::repairKdf(JsonValue& root)
{
    JsonValue* keyslots = root.find("keyslots");
    if (!keyslots || !keyslots->isObject())
        return;
    for (const JsonMember& m : keyslots->members()) {
        const QByteArray type = cString(m.value.isObject() ? m.value.find("type") : nullptr);
        if (type != "luks2" && type != "reencrypt")
            continue;
        JsonValue* kdf = keyslots->find(m.key)->find("kdf");
        if (!kdf || !kdf->isObject())
            continue;
        const JsonValue* kdfType = kdf->find("type");
        if (!kdfType || !kdfType->isString())
            continue;
        QList<QByteArrayView> keep;
        const QByteArray name = cString(kdfType);
        if (name == "pbkdf2")
            keep = {"type", "salt", "hash", "iterations"};
        else if (name == "argon2i" || name == "argon2id")
            keep = {"type", "salt", "time", "memory", "cpus"};
        else
            continue;
        QList<QByteArray> drop;
        for (const JsonMember& k : kdf->members()) {
            if (!keep.contains(QByteArrayView(k.key)))
                drop += k.key;
        }
        for (const QByteArray& key : drop)
            kdf->remove(key);
    }
}

} // namespace cryptstack::luks2
