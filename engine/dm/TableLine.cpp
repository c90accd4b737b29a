#include "TableLine.h"

#include "core/Parse.h"

namespace cryptstack {

QStringList splitTableWords(const QString& text)
{
    QStringList words;
    QString current;
    bool inWord = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'\\' && i + 1 < text.size()) {
            current += text.at(++i);
            inWord = true;
        } else if (c.isSpace()) {
            if (inWord)
                words.append(current);
            current.clear();
            inWord = false;
        } else {
            current += c;
            inWord = true;
        }
    }
    if (inWord)
        words.append(current);
    return words;
}

QString escapeTableWord(const QString& word)
{
    QString escaped;
    for (QChar c : word) {
        if (c.isSpace() || c == u'\\')
            escaped += u'\\';
        escaped += c;
    }
    return escaped;
}

Result<TableLine> TableLine::parse(const QString& text)
{
    QStringList words = splitTableWords(text);
    if (words.size() < 3)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Invalid format: expected \"<start> <length> <target> [<args>...]\""));
    TableLine line;
    const auto start = parseU64(words.at(0));
    if (!start)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Invalid start sector \"%1\"").arg(words.at(0)));
    const auto length = parseU64(words.at(1));
    if (!length)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid length \"%1\"").arg(words.at(1)));
    line.start = *start;
    line.length = *length;
    line.type = words.at(2);
    line.words = words.mid(3);
    return line;
}

} // namespace cryptstack
