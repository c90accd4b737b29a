// Table lines: the input is UTF-8 text, one table line per '\n'. Every line goes through
// TableLine::parse (and its words through escape → split unchanged); up to TableHarness::MaxLines
// lines are built as one table over memory devices, printed, built again and printed identically,
// and read and written through a MappedDevice.
#include "FuzzSupport.h"
#include "TableHarness.h"
#include "dm/TableLine.h"

namespace cryptstack::fuzz {

namespace {

constexpr const char* Name = "table_line";

void checkLine(const QString& text)
{
    auto line = TableLine::parse(text);
    const QStringList words = splitTableWords(text);
    if (!line) {
        CRYPTSTACK_FUZZ_CHECK(Name, !line.message().isEmpty(), QStringLiteral("error without a message"));
        return;
    }
    CRYPTSTACK_FUZZ_CHECK(
        Name, words.size() >= 3 && line->words.size() == words.size() - 3,
        QStringLiteral("parse kept %1 of %2 words").arg(line->words.size()).arg(words.size()));
    QStringList escaped;
    for (const QString& word : words) {
        CRYPTSTACK_FUZZ_CHECK(Name, !word.isEmpty(), QStringLiteral("empty word from splitTableWords"));
        escaped += escapeTableWord(word);
    }
    const QString joined = escaped.join(u' ');
    CRYPTSTACK_FUZZ_CHECK(Name, splitTableWords(joined) == words,
                          QStringLiteral("escape → split changed the words of \"%1\"").arg(text));
    auto again = TableLine::parse(joined);
    CRYPTSTACK_FUZZ_CHECK(Name,
                          again && again->start == line->start && again->length == line->length &&
                              again->type == line->type && again->words == line->words,
                          QStringLiteral("escaped line parses differently: \"%1\"").arg(joined));
}

} // namespace

int tableLine(const uint8_t* data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    const QStringList lines = text.split(u'\n');
    for (const QString& line : lines)
        checkLine(line);
    if (lines.size() > TableHarness::MaxLines)
        return 0;
    TableHarness harness(Name);
    const QString name = QStringLiteral("fuzz");
    auto table = harness.build(name, lines, false);
    if (!table) {
        CRYPTSTACK_FUZZ_CHECK(Name, !table.message().isEmpty(), QStringLiteral("error without a message"));
        return 0;
    }
    harness.checkRoundTrip(*table.value(), name, false);
    harness.exerciseIo(table.value(), name);
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::tableLine)
