// One-time libgcrypt initialisation.
#include "crypt/GcryptLibrary.h"

#include <gcrypt.h>

#include <mutex>

namespace cryptstack::GcryptLibrary {

void ensureInitialised()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // gcry_check_version must be the first call; it also initialises the library.
        gcry_check_version(nullptr);
        if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
            // Keys live in ordinary memory like the rest of the engine's key material (wiped on
            // release); the secure-memory pool is small and would need privileges to lock.
            gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
            gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
        }
    });
}

} // namespace cryptstack::GcryptLibrary
