#include "PassphraseReader.h"

#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace cryptstack::cli {

namespace {

Status failure(const char* message, ErrorCode code = ErrorCode::InvalidArgument)
{
    return Status(code, QString::fromUtf8(message));
}

// A growing buffer for key bytes whose every old allocation is wiped (SecureBuffer's destructor).
class KeyAccumulator
{
public:
    explicit KeyAccumulator(size_t initial) : m_buffer(std::max<size_t>(initial, 1)) {}
    uint8_t* reserve(size_t more)
    {
        if (m_size + more > m_buffer.size()) {
            SecureBuffer bigger(std::max(m_buffer.size() * 2, m_size + more));
            std::memcpy(bigger.data(), m_buffer.data(), m_size);
            m_buffer = std::move(bigger);
        }
        return m_buffer.data() + m_size;
    }
    void commit(size_t bytes) { m_size += bytes; }
    size_t size() const { return m_size; }
    uint8_t last() const { return m_buffer.data()[m_size - 1]; }
    void dropLast() { m_buffer.data()[--m_size] = 0; }
    SecureBuffer take()
    {
        SecureBuffer exact(m_size);
        if (m_size)
            std::memcpy(exact.data(), m_buffer.data(), m_size);
        return exact;
    }

private:
    SecureBuffer m_buffer;
    size_t m_size = 0;
};

// One line from the terminal with echo off, as cryptsetup's interactive_pass does.
Result<SecureBuffer> readTerminalLine(int fd, const QByteArray& prompt)
{
    termios original{};
    if (::tcgetattr(fd, &original) != 0)
        return failure("Error reading passphrase from terminal.");
    termios silent = original;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    if (!prompt.isEmpty() && ::write(fd, prompt.constData(), static_cast<size_t>(prompt.size())) < 0)
        return failure("Error reading passphrase from terminal.");
    ::tcsetattr(fd, TCSAFLUSH, &silent);
    KeyAccumulator line(PassphraseReader::MaxInteractiveChars + 1);
    bool ended = false;
    while (line.size() <= static_cast<size_t>(PassphraseReader::MaxInteractiveChars)) {
        uint8_t* at = line.reserve(1);
        const ssize_t got = ::read(fd, at, 1);
        if (got <= 0)
            break;
        if (*at == '\n') {
            *at = 0;
            ended = true;
            break;
        }
        line.commit(1);
    }
    ::tcsetattr(fd, TCSAFLUSH, &original);
    if (::write(fd, "\n", 1) < 0) {
        // Nothing to do: the passphrase was read.
    }
    if (!ended && line.size() == 0)
        return failure("Error reading passphrase from terminal.");
    // cryptsetup keeps the first 512 characters of a longer line.
    SecureBuffer result = line.take();
    if (result.size() > static_cast<size_t>(PassphraseReader::MaxInteractiveChars)) {
        SecureBuffer cut(PassphraseReader::MaxInteractiveChars);
        std::memcpy(cut.data(), result.data(), cut.size());
        return cut;
    }
    return result;
}

} // namespace

bool PassphraseReader::interactive(const KeySource& source) const
{
    return source.isStdin() &&
           (m_console.inputIsInteractive() || (!m_stdinUsable && source.keyFile.isEmpty()));
}

Result<SecureBuffer> PassphraseReader::read(const KeySource& source, const QString& prompt, bool verify)
{
    if (interactive(source)) {
        if (source.keyfileOffset)
            return failure("Cannot use offset with terminal input.");
        return readTerminal(prompt, verify);
    }
    if (source.isStdin()) {
        if (!m_stdinUsable)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("-d -: stdin holds the shell's commands; give the key in a file"));
        // No -d: one line, the newline dropped; -d -: the bytes as they are.
        return readStream(*m_console.in(), source, source.keyFile.isEmpty(), false, 0);
    }
    const QFileInfo info(source.keyFile);
    QFile file(source.keyFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return failure("Failed to open key file.");
    if (::isatty(file.handle()))
        return failure("Cannot read keyfile from a terminal.");
    if (!info.exists())
        return failure("Failed to stat key file.");
    const bool regular = info.isFile();
    const uint64_t bytes = regular ? static_cast<uint64_t>(info.size()) : 0;
    if (regular && source.keyfileOffset > bytes)
        return failure("Cannot seek to requested keyfile offset.");
    return readStream(file, source, false, regular, bytes);
}

Result<SecureBuffer> PassphraseReader::readTerminal(const QString& prompt, bool verify)
{
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (!m_stdinUsable)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("no terminal to ask for the passphrase: give it with -d KEY-FILE"));
        return failure("Error reading passphrase from terminal.");
    }
    auto first = readTerminalLine(fd, prompt.toUtf8());
    if (first && verify) {
        auto second = readTerminalLine(fd, QByteArrayLiteral("Verify passphrase: "));
        if (!second) {
            ::close(fd);
            return second.status();
        }
        if (second->size() != first->size() ||
            std::memcmp(second->data(), first->data(), first->size()) != 0) {
            ::close(fd);
            return failure("Passphrases do not match.", ErrorCode::PermissionDenied);
        }
    }
    ::close(fd);
    return first;
}

Result<SecureBuffer> PassphraseReader::readStream(QIODevice& in, const KeySource& source, bool stopAtNewline,
                                                  bool regularFile, uint64_t fileBytes)
{
    const bool unlimited = source.keyfileSize == 0;
    const uint64_t limit = unlimited ? MaxKeyFileBytes + 1 : source.keyfileSize;
    // Discard --keyfile-offset bytes (a file seeks; a stream is read and dropped).
    if (source.keyfileOffset) {
        if (regularFile) {
            if (!in.seek(static_cast<qint64>(source.keyfileOffset)))
                return failure("Cannot seek to requested keyfile offset.");
        } else {
            uint64_t left = source.keyfileOffset;
            SecureBuffer scratch(4096);
            while (left) {
                const qint64 got = in.read(reinterpret_cast<char*>(scratch.data()),
                                           static_cast<qint64>(std::min<uint64_t>(left, scratch.size())));
                if (got <= 0)
                    return failure("Cannot seek to requested keyfile offset.");
                left -= static_cast<uint64_t>(got);
            }
        }
    }
    const uint64_t expected = regularFile ? std::min(limit, fileBytes - source.keyfileOffset) : 4096;
    KeyAccumulator key(static_cast<size_t>(std::min<uint64_t>(expected, limit)));
    bool newline = false;
    while (key.size() < limit) {
        // Line input goes one byte at a time, so nothing after the newline is consumed.
        const size_t want =
            stopAtNewline ? 1 : static_cast<size_t>(std::min<uint64_t>(limit - key.size(), 65536));
        uint8_t* at = key.reserve(want);
        const qint64 got = in.read(reinterpret_cast<char*>(at), static_cast<qint64>(want));
        if (got <= 0)
            break;
        key.commit(static_cast<size_t>(got));
        if (stopAtNewline && key.last() == '\n') {
            key.dropLast();
            newline = true;
            break;
        }
    }
    if (key.size() == 0 && !regularFile && !newline)
        return failure("Nothing to read on input.", ErrorCode::IOError); // EPIPE; luksKillSlot tells it apart
    if (unlimited && key.size() == limit)
        return failure("Maximum keyfile size exceeded.");
    if (!unlimited && key.size() != limit)
        return failure("Cannot read requested amount of data.");
    return key.take();
}

} // namespace cryptstack::cli
