// Reads passphrases and key files the way cryptsetup 2.6's tools_get_key and
// crypt_keyfile_device_read do (reference/luks.md §6.2, §9.2):
//  - a terminal: the prompt on /dev/tty with echo off, one line of at most 512 characters, asked
//    twice when verifying ("Verify passphrase: ", "Passphrases do not match.");
//  - stdin that is not a terminal: up to the first newline, which is dropped;
//  - -d FILE: the raw bytes from --keyfile-offset, --keyfile-size of them or the whole file
//    (at most 8192 KiB); -d - reads stdin the same way, newlines included.
// Everything lands in a SecureBuffer and is never logged. Passphrases are never taken from the
// command line.
#pragma once

#include "Console.h"
#include "core/Result.h"
#include "crypt/SecureBuffer.h"

namespace cryptstack::cli {

struct KeySource
{
    QString keyFile;            // -d; empty: the terminal or stdin
    uint64_t keyfileOffset = 0; // --keyfile-offset
    uint64_t keyfileSize = 0;   // --keyfile-size; 0: no limit (up to the maximum)

    bool isStdin() const { return keyFile.isEmpty() || keyFile == u"-"; }
};

class PassphraseReader
{
public:
    static constexpr uint64_t MaxKeyFileBytes = 8192 * 1024;
    static constexpr int MaxInteractiveChars = 512;

    // stdinUsable: false in the shell, whose stdin carries the commands (the terminal and key
    // files still work).
    explicit PassphraseReader(Console& console, bool stdinUsable = true)
        : m_console(console), m_stdinUsable(stdinUsable)
    {}

    // Whether reading from this source asks a person at a terminal (and may be retried).
    bool interactive(const KeySource& source) const;
    // prompt is written to the terminal only. verify: ask twice on a terminal.
    Result<SecureBuffer> read(const KeySource& source, const QString& prompt, bool verify = false);

private:
    Result<SecureBuffer> readTerminal(const QString& prompt, bool verify);
    Result<SecureBuffer> readStream(QIODevice& in, const KeySource& source, bool stopAtNewline,
                                    bool regularFile, uint64_t fileBytes);

    Console& m_console;
    bool m_stdinUsable;
};

} // namespace cryptstack::cli
