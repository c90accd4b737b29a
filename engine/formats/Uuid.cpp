#include "Uuid.h"

#include "SecureRandom.h"

#include <array>

namespace cryptstack::Uuid {

namespace {

constexpr qsizetype TextLength = 36;

bool isHyphenPosition(qsizetype i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

QString format(const std::array<uint8_t, 16>& bytes)
{
    static const char digits[] = "0123456789abcdef";
    QString text;
    text.reserve(TextLength);
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (isHyphenPosition(text.size()))
            text += u'-';
        text += QLatin1Char(digits[bytes[i] >> 4]);
        text += QLatin1Char(digits[bytes[i] & 15]);
    }
    return text;
}

} // namespace

QString generate()
{
    std::array<uint8_t, 16> bytes{};
    if (!SecureRandom::fill(bytes)) {
        // getrandom(2) does not fail once the pool is initialised; never hand out a fixed UUID.
        qFatal("Uuid::generate: no random bytes");
    }
    bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    return format(bytes);
}

std::optional<QString> canonical(const QString& text)
{
    // libuuid's uuid_parse: exactly 36 characters, hyphens at 8-4-4-4-12, hex digits of either
    // case elsewhere; any version and variant.
    if (text.size() != TextLength)
        return std::nullopt;
    for (qsizetype i = 0; i < TextLength; ++i) {
        const char16_t c = text.at(i).unicode();
        const bool hex = (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
        if (isHyphenPosition(i) ? c != u'-' : !hex)
            return std::nullopt;
    }
    return text.toLower();
}

} // namespace cryptstack::Uuid
