#include "PlainKey.h"

#include "HashContext.h"

#include <algorithm>
#include <cstring>

namespace cryptstack::PlainKey {

namespace {

constexpr qsizetype MaxHashSpec = 256; // PLAIN_HASH_LEN_MAX

// "%zd" as sscanf reads it: optional whitespace and sign, then digits; trailing text ignored.
// A negative value wraps to a huge size_t, which the N > K check then refuses.
std::optional<size_t> leadingNumber(QStringView text)
{
    qsizetype i = 0;
    while (i < text.size() && text.at(i).isSpace())
        ++i;
    bool negative = false;
    if (i < text.size() && (text.at(i) == u'+' || text.at(i) == u'-'))
        negative = text.at(i++) == u'-';
    const qsizetype digits = i;
    size_t value = 0;
    for (; i < text.size() && text.at(i) >= u'0' && text.at(i) <= u'9'; ++i) {
        const size_t digit = static_cast<size_t>(text.at(i).unicode() - u'0');
        if (value > (SIZE_MAX - digit) / 10)
            return SIZE_MAX;
        value = value * 10 + digit;
    }
    if (i == digits)
        return std::nullopt;
    return negative ? size_t(0) - value : value;
}

} // namespace

Result<SecureBuffer> derive(const QString& hashSpec, std::span<const uint8_t> passphrase, size_t keyBytes)
{
    const Status failed(ErrorCode::InvalidArgument,
                        QStringLiteral("Key processing error (using hash %1).").arg(hashSpec));
    if (keyBytes == 0 || hashSpec.size() >= MaxHashSpec)
        return failed;
    QString name = hashSpec;
    size_t hashBytes = keyBytes;
    if (const qsizetype colon = hashSpec.indexOf(u':'); colon >= 0) {
        name = hashSpec.left(colon);
        const auto length = leadingNumber(QStringView(hashSpec).mid(colon + 1));
        if (!length || *length > keyBytes)
            return failed;
        hashBytes = *length;
    }
    SecureBuffer key(keyBytes); // zeroed: the padding after hashBytes stays zero
    if (name == u"plain") {
        if (passphrase.size() < hashBytes)
            return failed;
        if (hashBytes)
            std::memcpy(key.data(), passphrase.data(), hashBytes);
        return key;
    }
    auto created = HashContext::create(name);
    if (!created)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Hash algorithm %1 not supported.").arg(hashSpec));
    HashContext& hash = created.value();
    // Round r hashes r ASCII 'A's and the passphrase, with a fresh context per round (the
    // hashalot trick that keeps zero bytes out of the key).
    static const uint8_t As[] = {'A'};
    size_t done = 0;
    for (size_t round = 0; done < hashBytes; ++round) {
        if (!hash.init())
            return failed;
        for (size_t i = 0; i < round; ++i) {
            if (!hash.update(As))
                return failed;
        }
        const size_t length = std::min(hash.size(), hashBytes - done);
        if (!hash.update(passphrase) || !hash.finish({key.data() + done, length}))
            return failed;
        done += length;
    }
    return key;
}

Result<SecureBuffer> withoutHash(std::span<const uint8_t> input, size_t keyBytes)
{
    if (keyBytes == 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Key size cannot be zero."));
    SecureBuffer key(keyBytes);
    if (!input.empty())
        std::memcpy(key.data(), input.data(), std::min(input.size(), keyBytes));
    return key;
}

} // namespace cryptstack::PlainKey
