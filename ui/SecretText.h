// Passphrases typed into the GUI: the line edit's text turned into a SecureBuffer (UTF-8, as
// cryptsetup reads a terminal) with every temporary copy made on the way wiped, and the edits
// cleared when a dialog is done with them.
#pragma once

#include "core/Result.h"
#include "crypt/SecureBuffer.h"

class QLineEdit;

namespace cryptstack::SecretText {

SecureBuffer fromEdit(const QLineEdit* edit);
// Clears the edit (and wipes the copy this function reads back). Qt keeps its own undo copy, which
// clear() drops too.
void clear(QLineEdit* edit);
// Reads a key file's bytes (at most 8 MiB, as cryptsetup) into a SecureBuffer. Run off the GUI thread.
Result<SecureBuffer> readKeyFile(const QString& path);

} // namespace cryptstack::SecretText
