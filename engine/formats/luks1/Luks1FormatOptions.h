// What luksFormat --type luks1 passes to Luks1Volume::format (cryptsetup's crypt_format with
// struct crypt_params_luks1, plus the CLI's --offset/--uuid and PBKDF options).
#pragma once

#include "formats/KdfParams.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace cryptstack {

struct Luks1FormatOptions
{
    // Already split and normalised as cryptsetup's crypt_parse_name_and_mode does ("aes",
    // "xts-plain64"); at most 31 characters each.
    QString cipherName = QStringLiteral("aes");
    QString cipherMode = QStringLiteral("xts-plain64");
    QString hash = QStringLiteral("sha256"); // --hash; stored lower-cased
    QString uuid;                            // --uuid; empty: a random one
    // --offset, in 512-byte sectors: a multiple of 8, and 0 or at least the header size.
    std::optional<uint64_t> payloadOffsetSectors;
    // --align-payload, in 512-byte sectors (0: the 1 MiB default). With a detached header it is
    // the data offset itself.
    uint64_t alignPayloadSectors = 0;
    // --header: the header device holds no data; the payload offset counts on the data device.
    bool detachedHeader = false;
    // Only type (pbkdf2; argon2 falls back with a warning), iterTimeMs and forcedIterations
    // matter: they set the MK digest iterations (exactly 1000 when forced).
    KdfRequest kdf;
    // luksFormat's sequence: the header goes to disk with the first keyslot (the next
    // addKeyslot), not here, so a crash before that keyslot is stored leaves no LUKS header
    // instead of a valid one that no passphrase opens. The returned volume exists only in memory
    // until then.
    bool headerWithFirstKeyslot = false;
};

} // namespace cryptstack
