// One-time libgcrypt initialisation for the cipher backend.
#pragma once

namespace cryptstack::GcryptLibrary {

// Initialises libgcrypt once per process (version check, no secure memory, initialisation
// finished) unless the application already did. Thread-safe; call before any other gcry_* call.
void ensureInitialised();

} // namespace cryptstack::GcryptLibrary
