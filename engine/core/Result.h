// Errors are values: every fallible engine call returns a Status or a Result<T> carrying a code
// (mapped to cryptsetup's exit codes by the front ends) and one line for a person.
#pragma once

#include <QString>

#include <optional>
#include <utility>

namespace cryptstack {

enum class ErrorCode {
    Ok,
    InvalidArgument, // wrong parameters, bad table line, malformed input
    NotSupported,
    Corruption, // on-disk data fails a check
    IOError,
    WrongPassphrase,
    PermissionDenied,
    NoMemory,
    NoSuchDevice, // a named device or image does not exist / cannot be used
    Busy,         // device in use, or already exists
};

class [[nodiscard]] Status
{
public:
    Status() = default;
    Status(ErrorCode code, QString message) : m_code(code), m_message(std::move(message)) {}

    static Status ok() { return {}; }

    bool isOk() const { return m_code == ErrorCode::Ok; }
    explicit operator bool() const { return isOk(); }
    ErrorCode code() const { return m_code; }
    const QString& message() const { return m_message; }

    // Adds context in front of the message: "device \"top\": " + "linear: Invalid device sector".
    Status prefixed(const QString& context) const
    {
        return isOk() ? *this : Status(m_code, context + m_message);
    }

private:
    ErrorCode m_code = ErrorCode::Ok;
    QString m_message;
};

template <typename T> class [[nodiscard]] Result
{
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Status error) : m_status(std::move(error)) { Q_ASSERT(!m_status.isOk()); }
    Result(ErrorCode code, QString message) : m_status(code, std::move(message)) {}

    bool isOk() const { return m_status.isOk(); }
    explicit operator bool() const { return isOk(); }
    const Status& status() const { return m_status; }
    const QString& message() const { return m_status.message(); }

    T& value() & { return *m_value; }
    const T& value() const& { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    T* operator->() { return &*m_value; }
    const T* operator->() const { return &*m_value; }
    T& operator*() { return *m_value; }

private:
    std::optional<T> m_value;
    Status m_status;
};

} // namespace cryptstack
