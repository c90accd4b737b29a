// Scores a passphrase for the strength meter: length and character classes give an estimate of
// the search space in bits, and a passphrase from a small built-in list of very common passwords
// (or one of them with digits or punctuation around it) scores near zero. A guide for a person,
// not a guarantee: it knows nothing about words or keyboard patterns beyond that list.
#pragma once

#include <QString>

namespace cryptstack {

struct PassphraseScore
{
    int percent = 0; // 0–100 for the meter
    QString words;   // "very weak" … "very strong", translated
    bool common = false;
};

namespace PassphraseStrength {

PassphraseScore score(const QString& passphrase);
// Whether the passphrase (lower-cased, digits and punctuation at the ends ignored) is on the list.
bool isCommon(const QString& passphrase);

} // namespace PassphraseStrength

} // namespace cryptstack
