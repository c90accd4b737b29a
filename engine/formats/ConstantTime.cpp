#include "ConstantTime.h"

#include <openssl/crypto.h>

namespace cryptstack {

bool constantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b)
{
    // The lengths of digests are public; only the contents must not leak through timing.
    if (a.size() != b.size())
        return false;
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace cryptstack
