// Memory for key material: locked into RAM where the system allows it (never swapped) and wiped
// before it is freed. Move-only, so a key has exactly one owner.
#pragma once

#include <QString>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace cryptstack {

class SecureBuffer
{
public:
    SecureBuffer() = default;
    explicit SecureBuffer(size_t size);
    ~SecureBuffer();
    SecureBuffer(SecureBuffer&& other) noexcept;
    SecureBuffer& operator=(SecureBuffer&& other) noexcept;
    SecureBuffer(const SecureBuffer&) = delete;
    SecureBuffer& operator=(const SecureBuffer&) = delete;

    // Decodes exactly size bytes from hex (either case); nullopt on a non-hex digit.
    static std::optional<SecureBuffer> fromHex(QStringView hex, size_t size);
    SecureBuffer copy() const;

    uint8_t* data() { return m_data; }
    const uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    std::span<const uint8_t> bytes() const { return {m_data, m_size}; }
    std::span<const uint8_t> slice(size_t offset, size_t length) const { return {m_data + offset, length}; }
    bool isLocked() const { return m_locked; }

    // Overwrites the contents with zeroes (the size stays).
    void wipe();
    // Zeroes any memory that held key material, in a way the compiler cannot drop.
    static void wipe(void* data, size_t size);
    // Lowercase hex, for --showkeys only.
    QString toHex() const;

private:
    void release();

    uint8_t* m_data = nullptr;
    size_t m_size = 0;
    bool m_locked = false;
};

} // namespace cryptstack
