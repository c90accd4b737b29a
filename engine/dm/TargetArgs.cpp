#include "TargetArgs.h"

#include "core/Parse.h"

namespace cryptstack {

std::optional<QString> TargetArgs::shift()
{
    if (remaining() <= 0)
        return std::nullopt;
    return m_words.at(m_position++);
}

std::optional<uint32_t> TargetArgs::read(const Range& range, QString* error)
{
    const std::optional<QString> word = shift();
    const std::optional<uint32_t> value = word ? parseU32(*word) : std::nullopt;
    if (!value || *value < range.min || *value > range.max) {
        *error = QLatin1String(range.error);
        return std::nullopt;
    }
    return value;
}

std::optional<uint32_t> TargetArgs::readGroup(const Range& range, QString* error)
{
    const std::optional<uint32_t> count = read(range, error);
    if (count && *count > static_cast<uint32_t>(remaining())) {
        *error = QLatin1String(range.error); // the kernel reports a too-large count with the range's text
        return std::nullopt;
    }
    return count;
}

} // namespace cryptstack
