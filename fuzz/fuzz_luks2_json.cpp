// The LUKS2 JSON parser and validator. Input: JSON text (as in a JSON area). A parsed value prints
// (compact and pretty) to text that parses back and settles after one re-parse; an
// object goes through the load-time validation (with its kdf auto-fix) and, when that passes, the
// lookups unlock and activation use, and a second validation must pass unchanged.
#include "FuzzSupport.h"
#include "formats/luks2/Luks2Validator.h"

namespace cryptstack::fuzz {

namespace {

using luks2::JsonValue;
using luks2::Luks2Validator;

constexpr const char* Name = "luks2_json";
constexpr uint64_t JsonAreaSize = 16384 - 4096; // cryptsetup's default metadata size

// Printed text parses again, and after that one re-parse the text is stable. Like json-c, a value
// may change once: "5e+" is a double printed as "5", and "1222…2E" (109 digits) a double printed
// as "1222…2" — both parse back as integers, the second clamped to 18446744073709551615.
void checkPrinted(const QByteArray& printed, const char* how)
{
    size_t end = 0;
    auto again = JsonValue::parse(printed, &end);
    CRYPTSTACK_FUZZ_CHECK(Name, again.isOk(),
                          QStringLiteral("%1 output does not parse: %2\n%3")
                              .arg(QLatin1String(how), again.message(), QString::fromUtf8(printed)));
    CRYPTSTACK_FUZZ_CHECK(Name, end <= size_t(printed.size()), QStringLiteral("end offset past the text"));
    const QByteArray settled = again.value().toCompact();
    auto third = JsonValue::parse(settled);
    CRYPTSTACK_FUZZ_CHECK(
        Name, third.isOk() && third.value().toCompact() == settled && third.value() == again.value(),
        QStringLiteral("%1 output does not settle after one re-parse:\n%2")
            .arg(QLatin1String(how), QString::fromUtf8(printed)));
}

void exerciseGetters(const JsonValue& value, int depth)
{
    (void)value.toInt64();
    (void)value.toInt();
    (void)value.toText();
    (void)value.size();
    if (depth > 2)
        return;
    for (const JsonValue& element : value.elements())
        exerciseGetters(element, depth + 1);
    for (const luks2::JsonMember& member : value.members()) {
        CRYPTSTACK_FUZZ_CHECK(
            Name, value.find(member.key) == &member.value,
            QStringLiteral("find() does not return member \"%1\"").arg(QString::fromUtf8(member.key)));
        exerciseGetters(member.value, depth + 1);
    }
}

void exerciseValidated(const JsonValue& root)
{
    for (int i = 0; i < Luks2Validator::MaxKeyslots; ++i) {
        (void)Luks2Validator::digestByKeyslot(root, i);
        (void)Luks2Validator::keyslotIsBound(root, i);
    }
    for (int i = 0; i < Luks2Validator::MaxSegments; ++i)
        (void)Luks2Validator::digestBySegment(root, i);
    (void)Luks2Validator::defaultSegment(root);
    (void)Luks2Validator::jsonSize(root);
    (void)Luks2Validator::keyslotsSize(root);
    (void)Luks2Validator::minimalSegmentOffset(root);
}

} // namespace

int luks2Json(const uint8_t* data, size_t size)
{
    const QByteArrayView text(reinterpret_cast<const char*>(data), qsizetype(size));
    size_t end = 0;
    auto parsed = JsonValue::parse(text, &end);
    if (!parsed) {
        CRYPTSTACK_FUZZ_CHECK(Name, !parsed.message().isEmpty(), QStringLiteral("error without a message"));
        return 0;
    }
    CRYPTSTACK_FUZZ_CHECK(Name, end <= size,
                          QStringLiteral("end offset %1 past the input (%2)").arg(end).arg(size));
    const JsonValue& value = parsed.value();
    checkPrinted(value.toCompact(), "compact");
    checkPrinted(value.toPretty(), "pretty");
    exerciseGetters(value, 0);
    JsonValue copy = value;
    CRYPTSTACK_FUZZ_CHECK(Name, copy == value, QStringLiteral("a copy differs from its original"));

    if (!value.isObject())
        return 0;
    const uint64_t areaSize = std::max<uint64_t>(JsonAreaSize, size + 1);
    if (!Luks2Validator::validateOnLoad(copy, areaSize))
        return 0;
    exerciseValidated(copy);
    const Status second = Luks2Validator::validate(copy, areaSize);
    CRYPTSTACK_FUZZ_CHECK(
        Name, second.isOk(),
        QStringLiteral("metadata accepted on load fails validation: %1").arg(second.message()));
    checkPrinted(copy.toCompact(), "validated compact");
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::luks2Json)
