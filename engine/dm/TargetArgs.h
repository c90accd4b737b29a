// The kernel's dm_arg_set helpers: shift words off a constructor's argument list and read bounded
// unsigned numbers, failing with the caller's error text (dm_read_arg, dm_read_arg_group).
#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace cryptstack {

class TargetArgs
{
public:
    explicit TargetArgs(QStringList words) : m_words(std::move(words)) {}

    int remaining() const { return static_cast<int>(m_words.size()) - m_position; }
    // The next word, or an empty optional when none is left (dm_shift_arg returning NULL).
    std::optional<QString> shift();

    struct Range
    {
        uint32_t min;
        uint32_t max;
        const char* error;
    };
    // dm_read_arg: the next word as a decimal in [min, max]; otherwise sets error and fails.
    std::optional<uint32_t> read(const Range& range, QString* error);
    // dm_read_arg_group: a count in range that must not exceed the words left (same error text).
    std::optional<uint32_t> readGroup(const Range& range, QString* error);

private:
    QStringList m_words;
    int m_position = 0;
};

} // namespace cryptstack
