#include "CipherNames.h"

namespace cryptstack::CipherNames {

namespace {

constexpr qsizetype MaxPart = 32; // MAX_CIPHER_LEN

bool isSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r' || c == u'\v' || c == u'\f';
}

} // namespace

std::optional<NameAndMode> split(const QString& spec)
{
    // sscanf("%[^-]-%s"): a non-empty name up to the first '-', then the mode up to whitespace.
    const qsizetype dash = spec.indexOf(u'-');
    const QString name = dash < 0 ? spec : spec.left(dash);
    if (name.isEmpty() || name.size() > MaxPart)
        return std::nullopt;
    qsizetype start = dash < 0 ? spec.size() : dash + 1;
    while (start < spec.size() && isSpace(spec.at(start)))
        ++start;
    qsizetype end = start;
    while (end < spec.size() && !isSpace(spec.at(end)))
        ++end;
    QString mode = spec.mid(start, end - start);
    if (mode.size() > MaxPart)
        return std::nullopt;

    if (mode.isEmpty() && (spec == u"null" || spec == u"cipher_null"))
        return NameAndMode{QStringLiteral("cipher_null"), QStringLiteral("ecb")};
    const bool modeGiven = !mode.isEmpty();
    if (!modeGiven || mode == u"plain")
        mode = QStringLiteral("cbc-plain");
    // With a mode, a key count ("aes:2-…") must not be zero (atoi: a non-number counts as zero).
    if (const qsizetype colon = name.indexOf(u':'); modeGiven && colon >= 0) {
        qsizetype digits = colon + 1;
        while (digits < name.size() && name.at(digits).isDigit())
            ++digits;
        if (name.mid(colon + 1, digits - colon - 1).toUInt() == 0)
            return std::nullopt;
    }
    return NameAndMode{name, mode};
}

std::optional<NameAndMode> normalise(const QString& cipher, const QString& mode)
{
    return split(mode.isEmpty() ? cipher : cipher + u'-' + mode);
}

bool isCipherNull(const QString& cipher)
{
    return cipher == u"cipher_null" || cipher == u"null";
}

} // namespace cryptstack::CipherNames
