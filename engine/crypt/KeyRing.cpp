#include "KeyRing.h"

namespace cryptstack {

std::optional<KeyRing::Type> KeyRing::typeFromName(const QString& name)
{
    if (name == u"logon")
        return Type::Logon;
    if (name == u"user")
        return Type::User;
    return std::nullopt;
}

Status KeyRing::add(Type type, const QString& description, SecureBuffer payload)
{
    if (description.isEmpty())
        return Status(ErrorCode::InvalidArgument, QStringLiteral("keyctl: key description is empty"));
    if (type == Type::Logon && !description.contains(u':'))
        // The kernel requires a "service:" prefix on logon keys.
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("keyctl: logon key description \"%1\" needs a \"service:\" prefix")
                          .arg(description));
    for (QChar c : description) {
        if (c.isSpace())
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("keyctl: key description contains whitespace"));
    }
    std::lock_guard lock(m_mutex);
    m_keys.insert_or_assign(description, Entry{type, std::move(payload)});
    return Status::ok();
}

Status KeyRing::unlink(const QString& description)
{
    std::lock_guard lock(m_mutex);
    if (m_keys.erase(description) == 0)
        return Status(ErrorCode::NoSuchDevice, QStringLiteral("keyctl: no key \"%1\"").arg(description));
    return Status::ok();
}

Result<SecureBuffer> KeyRing::lookup(Type type, const QString& description) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_keys.find(description);
    if (it == m_keys.end() || it->second.type != type)
        return Status(ErrorCode::NoSuchDevice, QStringLiteral("no key \"%1\" of that type").arg(description));
    return it->second.payload.copy();
}

QStringList KeyRing::descriptions() const
{
    std::lock_guard lock(m_mutex);
    QStringList names;
    for (const auto& [name, entry] : m_keys)
        names += name;
    return names;
}

} // namespace cryptstack
