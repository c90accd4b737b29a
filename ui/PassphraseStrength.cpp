#include "PassphraseStrength.h"

#include <QCoreApplication>

#include <algorithm>
#include <array>
#include <cmath>

namespace cryptstack::PassphraseStrength {

namespace {

// The most frequent passwords in public breach lists; enough to catch the obvious choices.
constexpr std::array CommonPasswords = {
    "123456",    "password", "12345678", "qwerty",   "123456789",  "12345",      "1234",     "111111",
    "1234567",   "dragon",   "123123",   "baseball", "abc123",     "football",   "monkey",   "letmein",
    "696969",    "shadow",   "master",   "666666",   "qwertyuiop", "123321",     "mustang",  "1234567890",
    "michael",   "654321",   "superman", "1qaz2wsx", "7777777",    "121212",     "000000",   "qazwsx",
    "123qwe",    "killer",   "trustno1", "jordan",   "jennifer",   "zxcvbnm",    "asdfgh",   "hunter",
    "buster",    "soccer",   "harley",   "batman",   "andrew",     "tigger",     "sunshine", "iloveyou",
    "charlie",   "robert",   "thomas",   "hockey",   "ranger",     "daniel",     "starwars", "klaster",
    "112233",    "george",   "computer", "michelle", "jessica",    "pepper",     "zaq1zaq1", "passw0rd",
    "welcome",   "admin",    "login",    "princess", "solo",       "access",     "flower",   "hello",
    "secret",    "changeme", "default",  "root",     "toor",       "test",       "guest",    "qwerty123",
    "password1", "letmein1", "welcome1", "admin123", "p@ssw0rd",   "cryptsetup", "luks",     "linux",
};

} // namespace

bool isCommon(const QString& passphrase)
{
    QString core = passphrase.toLower();
    // "password!" and "2024password" are still "password".
    qsizetype start = 0;
    qsizetype end = core.size();
    while (end > start && !core.at(end - 1).isLetter())
        --end;
    while (start < end && !core.at(start).isLetter())
        ++start;
    const QString stripped = core.mid(start, end - start);
    for (const char* common : CommonPasswords) {
        const QLatin1StringView word(common);
        if (core == word || (!stripped.isEmpty() && stripped == word))
            return true;
    }
    return false;
}

PassphraseScore score(const QString& passphrase)
{
    PassphraseScore result;
    if (passphrase.isEmpty()) {
        result.words = QCoreApplication::translate("PassphraseStrength", "empty");
        return result;
    }
    bool lower = false, upper = false, digit = false, symbol = false, other = false;
    for (const QChar c : passphrase) {
        if (c.unicode() > 127)
            other = true;
        else if (c.isLower())
            lower = true;
        else if (c.isUpper())
            upper = true;
        else if (c.isDigit())
            digit = true;
        else
            symbol = true;
    }
    const int alphabet =
        (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (symbol ? 33 : 0) + (other ? 100 : 0);
    double bits = passphrase.size() * std::log2(std::max(alphabet, 2));
    // Repeating one character adds almost nothing.
    int distinct = 0;
    QString seen;
    for (const QChar c : passphrase) {
        if (!seen.contains(c)) {
            seen += c;
            ++distinct;
        }
    }
    if (distinct <= 2)
        bits = std::min(bits, 10.0);
    result.common = isCommon(passphrase);
    if (result.common)
        bits = std::min(bits, 5.0);
    // 80 bits and more is as strong as the meter goes.
    result.percent = std::clamp(static_cast<int>(bits * 100 / 80), 0, 100);
    if (result.common)
        result.words = QCoreApplication::translate("PassphraseStrength", "very weak: a very common password");
    else if (bits < 28)
        result.words = QCoreApplication::translate("PassphraseStrength", "very weak");
    else if (bits < 40)
        result.words = QCoreApplication::translate("PassphraseStrength", "weak");
    else if (bits < 60)
        result.words = QCoreApplication::translate("PassphraseStrength", "fair");
    else if (bits < 80)
        result.words = QCoreApplication::translate("PassphraseStrength", "strong");
    else
        result.words = QCoreApplication::translate("PassphraseStrength", "very strong");
    return result;
}

} // namespace cryptstack::PassphraseStrength
