// md5RawState: MD5's compression function over whole blocks without padding, for the lmk IV generator.
// OpenSSL's MD5_Update on whole 64-byte blocks runs exactly the compression function and leaves the
// chaining state in MD5_CTX's A..D words; that low-level API is deprecated in 3.0 but still the
// only public way to reach it, hence the suppression in this file alone.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypt/CipherBackend.h"

#include <openssl/crypto.h>
#include <openssl/md5.h>

namespace cryptstack {

std::array<uint8_t, 16> md5RawState(std::span<const uint8_t> wholeBlocks)
{
    Q_ASSERT(wholeBlocks.size() % MD5_CBLOCK == 0);
    MD5_CTX ctx;
    MD5_Init(&ctx);
    // Whole blocks only: nothing stays buffered, so A..D are the state after the last block.
    MD5_Update(&ctx, wholeBlocks.data(), wholeBlocks.size() - wholeBlocks.size() % MD5_CBLOCK);
    std::array<uint8_t, 16> state{};
    const MD5_LONG words[4] = {ctx.A, ctx.B, ctx.C, ctx.D};
    for (size_t w = 0; w < 4; ++w) {
        for (size_t b = 0; b < 4; ++b)
            state[w * 4 + b] = static_cast<uint8_t>(words[w] >> (8 * b));
    }
    OPENSSL_cleanse(&ctx, sizeof(ctx));
    return state;
}

} // namespace cryptstack
