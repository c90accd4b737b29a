#include "SecureBuffer.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

namespace cryptstack {

SecureBuffer::SecureBuffer(size_t size) : m_size(size)
{
    if (size == 0)
        return;
    m_data = static_cast<uint8_t*>(std::calloc(size, 1));
    if (!m_data)
        throw std::bad_alloc();
    // Best effort: an unprivileged process may exceed RLIMIT_MEMLOCK; the key is still wiped.
    m_locked = ::mlock(m_data, size) == 0;
}

SecureBuffer::~SecureBuffer()
{
    release();
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : m_data(other.m_data), m_size(other.m_size), m_locked(other.m_locked)
{
    other.m_data = nullptr;
    other.m_size = 0;
    other.m_locked = false;
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = other.m_data;
        m_size = other.m_size;
        m_locked = other.m_locked;
        other.m_data = nullptr;
        other.m_size = 0;
        other.m_locked = false;
    }
    return *this;
}

void SecureBuffer::release()
{
    if (!m_data)
        return;
    OPENSSL_cleanse(m_data, m_size);
    if (m_locked)
        ::munlock(m_data, m_size);
    std::free(m_data);
    m_data = nullptr;
    m_size = 0;
    m_locked = false;
}

void SecureBuffer::wipe()
{
    if (m_data)
        OPENSSL_cleanse(m_data, m_size);
}

void SecureBuffer::wipe(void* data, size_t size)
{
    OPENSSL_cleanse(data, size);
}

std::optional<SecureBuffer> SecureBuffer::fromHex(QStringView hex, size_t size)
{
    if (static_cast<size_t>(hex.size()) < size * 2)
        return std::nullopt;
    auto nibble = [](QChar c) -> int {
        const char16_t u = c.unicode();
        if (u >= u'0' && u <= u'9')
            return u - u'0';
        if (u >= u'a' && u <= u'f')
            return u - u'a' + 10;
        if (u >= u'A' && u <= u'F')
            return u - u'A' + 10;
        return -1;
    };
    SecureBuffer buffer(size);
    for (size_t i = 0; i < size; ++i) {
        const int high = nibble(hex[static_cast<qsizetype>(2 * i)]);
        const int low = nibble(hex[static_cast<qsizetype>(2 * i + 1)]);
        if (high < 0 || low < 0)
            return std::nullopt;
        buffer.m_data[i] = static_cast<uint8_t>(high << 4 | low);
    }
    return buffer;
}

SecureBuffer SecureBuffer::copy() const
{
    SecureBuffer other(m_size);
    if (m_size)
        std::memcpy(other.m_data, m_data, m_size);
    return other;
}

QString SecureBuffer::toHex() const
{
    static const char digits[] = "0123456789abcdef";
    QString text(static_cast<qsizetype>(m_size * 2), Qt::Uninitialized);
    for (size_t i = 0; i < m_size; ++i) {
        text[static_cast<qsizetype>(2 * i)] = QLatin1Char(digits[m_data[i] >> 4]);
        text[static_cast<qsizetype>(2 * i + 1)] = QLatin1Char(digits[m_data[i] & 0xf]);
    }
    return text;
}

} // namespace cryptstack
