// The key of a plain dm-crypt mapping from a passphrase (cryptsetup's crypt_plain_hash and
// process_key; reference/luks.md §6.1).
#pragma once

#include "core/Result.h"
#include "crypt/SecureBuffer.h"

#include <QString>

#include <span>

namespace cryptstack::PlainKey {

// hashSpec is "name" or "name:N" (only the first N bytes hashed, the rest zero; N > keyBytes is
// an error). "plain" copies the passphrase, which must then hold at least N (or keyBytes) bytes.
// Any other name: the first bytes of H(P) || H("A"||P) || H("AA"||P) || ….
// Errors (InvalidArgument): "Hash algorithm <hashSpec> not supported." for an unknown hash, "Key
// processing error (using hash <hashSpec>)." for everything else.
Result<SecureBuffer> derive(const QString& hashSpec, std::span<const uint8_t> passphrase, size_t keyBytes);

// No hash (a key file, or the CLI's --hash plain): the first keyBytes bytes of the input, a
// shorter input zero-padded.
Result<SecureBuffer> withoutHash(std::span<const uint8_t> input, size_t keyBytes);

} // namespace cryptstack::PlainKey
