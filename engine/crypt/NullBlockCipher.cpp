// The kernel's cipher_null: encryption and decryption copy.
#include "crypt/NullBlockCipher.h"

#include <cstring>

namespace cryptstack {

void NullBlockCipher::encrypt(const uint8_t* in, uint8_t* out, size_t bytes)
{
    if (in != out)
        std::memmove(out, in, bytes);
}

void NullBlockCipher::decrypt(const uint8_t* in, uint8_t* out, size_t bytes)
{
    encrypt(in, out, bytes);
}

} // namespace cryptstack
