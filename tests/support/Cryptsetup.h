// The real cryptsetup as the reference in tests: running it, formatting scratch images with a
// KDF cheap enough for tests, and reading fields out of its luksDump.
#pragma once

#include "ExternalTool.h"

namespace cryptstack::test {

// PBKDF2 with 1000 iterations: formats and unlocks in milliseconds.
extern const QStringList CheapKdf;

ToolRun cryptsetup(const QStringList& arguments, const QByteArray& input = {});

// Creates a zero-filled file of `bytes` at path and runs luksFormat on it with the key file, the
// cheap KDF and formatOptions. False (cryptsetup's complaint logged) if any step fails.
bool formatWithCryptsetup(const QString& path, qint64 bytes, const QString& keyFile,
                          const QStringList& formatOptions);

// The value after "label:" on its own line of luksDump's text, trimmed; empty if absent.
QString dumpValue(const QByteArray& dump, const QString& label);

} // namespace cryptstack::test
