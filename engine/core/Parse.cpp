#include "Parse.h"

#include <limits>

namespace cryptstack {

std::optional<uint64_t> parseU64(const QString& word)
{
    if (word.isEmpty())
        return std::nullopt;
    uint64_t value = 0;
    for (QChar c : word) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        const uint64_t digit = c.unicode() - u'0';
        if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::optional<uint32_t> parseU32(const QString& word)
{
    const auto value = parseU64(word);
    if (!value || *value > std::numeric_limits<uint32_t>::max())
        return std::nullopt;
    return static_cast<uint32_t>(*value);
}

std::optional<uint64_t> parseByteCount(const QString& word)
{
    struct Suffix
    {
        const char16_t* text;
        uint64_t multiplier;
    };
    static const Suffix suffixes[] = {
        {u"KiB", 1ull << 10}, {u"MiB", 1ull << 20}, {u"GiB", 1ull << 30}, {u"TiB", 1ull << 40},
        {u"K", 1ull << 10},   {u"M", 1ull << 20},   {u"G", 1ull << 30},   {u"T", 1ull << 40},
        {u"k", 1ull << 10},   {u"m", 1ull << 20},   {u"g", 1ull << 30},   {u"s", 512},
    };
    for (const Suffix& suffix : suffixes) {
        const QString text = QString::fromUtf16(suffix.text);
        if (word.endsWith(text) && word.size() > text.size()) {
            const auto number = parseU64(word.chopped(text.size()));
            if (!number || *number > std::numeric_limits<uint64_t>::max() / suffix.multiplier)
                return std::nullopt;
            return *number * suffix.multiplier;
        }
    }
    return parseU64(word);
}

} // namespace cryptstack
