// Cipher names as cryptsetup splits and normalises them (crypt_parse_name_and_mode; reference/
// luks.md §2.4): "aes" alone and "aes-plain" mean aes-cbc-plain, "null" and "cipher_null" mean
// cipher_null-ecb. LUKS1 stores the two parts in separate header fields, LUKS2 the joined form.
#pragma once

#include <QString>

#include <optional>

namespace cryptstack::CipherNames {

struct NameAndMode
{
    QString cipher; // may carry a key count, "aes:2"
    QString mode;   // chain mode and IV, "xts-plain64"

    QString joined() const { return cipher + u'-' + mode; } // the dm form
};

// A --cipher value or a LUKS2 encryption string. nullopt when cryptsetup refuses it: empty, no
// cipher name before the first '-', a zero key count, or a part longer than 32 characters.
std::optional<NameAndMode> split(const QString& spec);
// LUKS1's cipherName and cipherMode fields, normalised the same way.
std::optional<NameAndMode> normalise(const QString& cipher, const QString& mode);
// cipher_null takes no key: keyslots and digests use it with an empty key.
bool isCipherNull(const QString& cipher);

} // namespace cryptstack::CipherNames
