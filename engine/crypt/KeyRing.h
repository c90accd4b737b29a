// The engine's keyring: what the kernel keyring is to dm-crypt. A table key written
// ":<size>:<logon|user>:<description>" is looked up here; the shell's keyctl adds and unlinks keys.
// Logon keys cannot be read back, as in the kernel.
#pragma once

#include "SecureBuffer.h"
#include "core/Result.h"

#include <QMap>

#include <map>
#include <mutex>

namespace cryptstack {

class KeyRing
{
public:
    enum class Type { Logon, User };
    static std::optional<Type> typeFromName(const QString& name);

    Status add(Type type, const QString& description, SecureBuffer payload);
    Status unlink(const QString& description);
    // A copy of the payload of a key of this type and description.
    Result<SecureBuffer> lookup(Type type, const QString& description) const;
    QStringList descriptions() const;

private:
    struct Entry
    {
        Type type;
        SecureBuffer payload;
    };
    mutable std::mutex m_mutex;
    std::map<QString, Entry> m_keys;
};

} // namespace cryptstack
