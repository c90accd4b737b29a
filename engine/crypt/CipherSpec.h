// The crypt target's cipher argument, parsed as the kernel parses it: the legacy form
// cipher[:keycount]-chainmode-ivmode[:ivopts] (crypt_ctr_cipher_old) and the crypto API form
// capi:<spec>-ivmode[:ivopts] (crypt_ctr_cipher_new). Errors carry the kernel's ti->error texts.
#pragma once

#include "core/Result.h"

#include <QString>

namespace cryptstack {

struct CipherSpec
{
    QString text; // exactly as given; printed back verbatim by status
    bool capi = false;
    QString cipher;           // block cipher name, e.g. "aes"
    QString chainMode;        // ecb, cbc, xts, ctr, lrw, pcbc
    QString ivMode;           // as given; see ivModeGiven
    bool ivModeGiven = false; // "aes-cbc-" gives an empty IV mode, "aes-ecb" none
    QString ivOptions;        // e.g. the ESSIV hash
    unsigned keyCount = 1;    // tfms_count
    // A capi AEAD spec (gcm, authenc, rfc4309, rfc7539): recognised so construction fails where
    // the kernel's would without integrity metadata, never run.
    bool aead = false;

    // aeadRequested: the table has integrity:<n>:aead (the legacy form then is refused).
    static Result<CipherSpec> parse(const QString& text, bool aeadRequested);
};

} // namespace cryptstack
