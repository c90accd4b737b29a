// The CLI's three streams. Commands never touch stdin/stdout/stderr directly, so tests run them
// in-process over buffers.
#pragma once

#include <QIODevice>
#include <QString>

#include <mutex>

namespace cryptstack::cli {

class Console
{
public:
    Console(QIODevice* in, QIODevice* out, QIODevice* err) : m_in(in), m_out(out), m_err(err) {}
    virtual ~Console() = default;

    QIODevice* in() const { return m_in; }
    QIODevice* out() const { return m_out; }
    QIODevice* err() const { return m_err; }

    void print(const QString& text) { m_out->write(text.toUtf8()); }
    void printLine(const QString& text) { print(text + u'\n'); }
    // One line on stderr, prefixed with the program's name.
    void error(const QString& text) { writeError((QStringLiteral("cryptstack: ") + text + u'\n').toUtf8()); }
    // Raw bytes to stderr; safe from any thread (the stall watchdog reports from its own).
    void writeError(const QByteArray& bytes)
    {
        std::lock_guard lock(m_errMutex);
        m_err->write(bytes);
    }
    // Whether stdin is an interactive terminal (the shell then keeps going after an error).
    virtual bool inputIsInteractive() const { return false; }

private:
    QIODevice* m_in;
    QIODevice* m_out;
    QIODevice* m_err;
    std::mutex m_errMutex;
};

} // namespace cryptstack::cli
