// One line of a device-mapper table, "<start> <length> <target> [<args>…]", split the way the
// kernel's dm_split_args splits it (whitespace separates words; a backslash escapes the next
// character, so "a\ b" is one word).
#pragma once

#include "core/Result.h"

#include <QString>
#include <QStringList>

#include <cstdint>

namespace cryptstack {

struct TableLine
{
    uint64_t start = 0;
    uint64_t length = 0;
    QString type;
    QStringList words;

    static Result<TableLine> parse(const QString& text);
};

QStringList splitTableWords(const QString& text);
// Escapes whitespace and backslashes so that splitTableWords gives the word back.
QString escapeTableWord(const QString& word);

} // namespace cryptstack
