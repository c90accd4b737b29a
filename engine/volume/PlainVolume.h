// cryptsetup's plain mode (reference/luks.md §6): no header; the cipher, key size, passphrase hash
// and geometry come from the command line, and the key from the passphrase (hashed) or a key file
// (used as it is). The result is the same CryptActivation a LUKS volume gives, for VolumeMapper.
#pragma once

#include "crypt/SecureBuffer.h"
#include "formats/LuksVolume.h"

#include <span>

namespace cryptstack {

struct PlainOptions
{
    QString cipher = QStringLiteral("aes-cbc-essiv:sha256"); // -c, as cryptsetup parses it
    size_t keyBits = 256;                                    // -s
    // -h: a hash name, "name:N" (only N bytes hashed, the rest zero), or "plain" / empty for none.
    QString hash = QStringLiteral("ripemd160");
    uint64_t offset = 0; // --offset, 512-byte sectors into the device
    uint64_t skip = 0;   // --skip, the IV offset in 512-byte sectors
    uint64_t size = 0;   // --size in 512-byte sectors; 0: to the end of the device
    unsigned sectorSize = 512;
    bool ivLargeSectors = false;
};

namespace PlainVolume {

// crypt_parse_name_and_mode: "aes" and "aes-plain" become aes-cbc-plain, "null" cipher_null-ecb;
// anything without a cipher name: InvalidArgument "No known cipher specification pattern detected.".
Result<QString> normalizeCipher(const QString& spec);

// Checks the options as cryptsetup does (key size, sector size, iv_large_sectors) and describes
// the mapping. keyringDescription stays empty: plain keys go into the table as hex.
Result<CryptActivation> activation(const PlainOptions& options);

// The volume key from a passphrase or key-file bytes: hashed with options.hash
// (H(P) || H("A"P) || H("AA"P) …), or with no hash the bytes themselves, zero-padded to the key size.
Result<SecureBuffer> volumeKey(const PlainOptions& options, std::span<const uint8_t> passphrase);

} // namespace PlainVolume

} // namespace cryptstack
