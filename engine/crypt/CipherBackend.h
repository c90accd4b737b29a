// The cipher backend: keyed block ciphers and mode(cipher) sector ciphers, built from OpenSSL EVP
// where it has the combination, from libgcrypt where OpenSSL lacks it (serpent, twofish, xts of
// camellia/sm4 …), and from the project's own mode code (lrw, pcbc, and xts/ctr where neither
// library has them) over a raw block cipher, or over our own Twofish for the 192-bit keys no library
// takes. No library header appears here.
//
// Every object is used by one thread at a time; a worker thread gets its own copy with clone(),
// which keeps the key schedule and only the IV changes per sector.
#pragma once

#include "core/Result.h"

#include <QString>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace cryptstack {

// One keyed block cipher, ECB: for IV generators (ESSIV, EBOIV, Elephant) and own chain modes.
class BlockCipher
{
public:
    virtual ~BlockCipher() = default;
    virtual size_t blockSize() const = 0;
    // bytes must be a multiple of blockSize(); in may equal out.
    virtual void encrypt(const uint8_t* in, uint8_t* out, size_t bytes) = 0;
    virtual void decrypt(const uint8_t* in, uint8_t* out, size_t bytes) = 0;
    virtual std::unique_ptr<BlockCipher> clone() const = 0;
};

// mode(cipher) keyed once: each call processes one data unit (a crypto sector) starting from the
// given IV, exactly as the kernel's skcipher does for one request.
class SectorCipher
{
public:
    virtual ~SectorCipher() = default;
    virtual size_t ivSize() const = 0;    // 0 for ecb
    virtual size_t blockSize() const = 0; // the underlying cipher's block size
    // bytes is a multiple of blockSize() (any length for ctr); in may equal out; iv has ivSize()
    // bytes (null when ivSize() is 0). Returns false only on a backend failure.
    virtual bool encrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) = 0;
    virtual bool decrypt(const uint8_t* iv, const uint8_t* in, uint8_t* out, size_t bytes) = 0;
    virtual std::unique_ptr<SectorCipher> clone() const = 0;
};

namespace CipherFactory {

// Cipher names as the kernel spells them: aes, serpent, twofish, camellia, cast5, blowfish,
// des3_ede, sm4, aria, cipher_null. Modes: ecb, cbc, xts, ctr, lrw, pcbc.
// Errors: NotSupported for an unknown cipher or mode or a combination the kernel refuses (xts or
// lrw over a 64-bit block cipher); InvalidArgument for a key length the transform refuses.
Result<std::unique_ptr<SectorCipher>> createSectorCipher(const QString& cipher, const QString& mode,
                                                         std::span<const uint8_t> key);
Result<std::unique_ptr<BlockCipher>> createBlockCipher(const QString& cipher, std::span<const uint8_t> key);
// The block size of a known cipher, without a key.
std::optional<size_t> blockSize(const QString& cipher);
// The IV size mode(cipher) takes, without a key (0 for ecb); nullopt if unsupported.
std::optional<size_t> ivSize(const QString& cipher, const QString& mode);

} // namespace CipherFactory

namespace HashFactory {

// Hash names as cryptsetup and the kernel spell them: sha1, sha224, sha256, sha384, sha512,
// ripemd160, whirlpool (wp512), wp256, wp384 (whirlpool truncated), md5, sm3.
std::optional<size_t> digestSize(const QString& hash);
Result<std::vector<uint8_t>> digest(const QString& hash, std::span<const uint8_t> data);

} // namespace HashFactory

// MD5's compression function over whole 64-byte blocks from the standard initial state, without
// padding or finalisation, returning the four state words serialised little-endian (16 bytes).
// The loop-AES compatible "lmk" IV generator needs exactly this.
std::array<uint8_t, 16> md5RawState(std::span<const uint8_t> wholeBlocks);

} // namespace cryptstack
