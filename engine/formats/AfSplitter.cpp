#include "AfSplitter.h"

#include "HashContext.h"
#include "SecureRandom.h"
#include "crypt/SecureBuffer.h"

namespace cryptstack::AfSplitter {

namespace {

constexpr size_t MaxDigest = 64;

// D_H(x) in place (af.c diffuse): block j becomes H(BE32(j) || block j), the last partial block's
// digest truncated to its length.
bool diffuse(HashContext& hash, std::span<uint8_t> buffer)
{
    const size_t digest = hash.size();
    uint8_t out[MaxDigest];
    bool ok = true;
    for (size_t offset = 0, block = 0; ok && offset < buffer.size(); offset += digest, ++block) {
        const size_t length = std::min(digest, buffer.size() - offset);
        const uint8_t counter[4] = {static_cast<uint8_t>(block >> 24), static_cast<uint8_t>(block >> 16),
                                    static_cast<uint8_t>(block >> 8), static_cast<uint8_t>(block)};
        ok = hash.init() && hash.update(counter) && hash.update(buffer.subspan(offset, length)) &&
             hash.finish({out, length});
        if (ok)
            std::copy_n(out, length, buffer.begin() + static_cast<std::ptrdiff_t>(offset));
    }
    SecureBuffer::wipe(out, sizeof out);
    return ok;
}

void xorInto(std::span<uint8_t> buffer, std::span<const uint8_t> stripe)
{
    for (size_t i = 0; i < buffer.size(); ++i)
        buffer[i] ^= stripe[i];
}

Result<HashContext> prepare(size_t keyBytes, unsigned stripes, const QString& hash, size_t material)
{
    if (keyBytes == 0 || stripes == 0)
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("Invalid AF parameters (key %1 bytes, %2 stripes).").arg(keyBytes).arg(stripes));
    if (material < splitBytes(keyBytes, stripes))
        return Status(ErrorCode::InvalidArgument, QStringLiteral("AF material buffer too small."));
    auto created = HashContext::create(hash);
    if (!created)
        return created.status();
    if (created->size() > MaxDigest)
        return Status(ErrorCode::NotSupported, QStringLiteral("Hash algorithm %1 not supported.").arg(hash));
    return created;
}

Status hashFailed(const QString& hash)
{
    return Status(ErrorCode::NotSupported, QStringLiteral("Hash %1 failed in the AF diffuser.").arg(hash));
}

} // namespace

size_t splitBytes(size_t keyBytes, unsigned stripes)
{
    return keyBytes * stripes;
}

size_t splitSectors(size_t keyBytes, unsigned stripes)
{
    return (splitBytes(keyBytes, stripes) + 511) / 512;
}

Status split(std::span<const uint8_t> key, unsigned stripes, const QString& hash, std::span<uint8_t> out)
{
    auto context = prepare(key.size(), stripes, hash, out.size());
    if (!context)
        return context.status();
    const size_t length = key.size();
    SecureBuffer buffer(length);
    std::span<uint8_t> work(buffer.data(), length);
    // s_0 … s_{S-2} random, each folded into the running diffusion; s_{S-1} = buffer XOR key.
    if (Status status = SecureRandom::fill(out.first(length * (stripes - 1))); !status)
        return status;
    for (unsigned i = 0; i + 1 < stripes; ++i) {
        xorInto(work, out.subspan(i * length, length));
        if (!diffuse(*context, work))
            return hashFailed(hash);
    }
    std::span<uint8_t> last = out.subspan((stripes - 1) * length, length);
    for (size_t i = 0; i < length; ++i)
        last[i] = work[i] ^ key[i];
    return Status::ok();
}

Status merge(std::span<const uint8_t> in, unsigned stripes, const QString& hash, std::span<uint8_t> key)
{
    auto context = prepare(key.size(), stripes, hash, in.size());
    if (!context)
        return context.status();
    const size_t length = key.size();
    SecureBuffer buffer(length);
    std::span<uint8_t> work(buffer.data(), length);
    for (unsigned i = 0; i + 1 < stripes; ++i) {
        xorInto(work, in.subspan(i * length, length));
        if (!diffuse(*context, work))
            return hashFailed(hash);
    }
    std::span<const uint8_t> last = in.subspan((stripes - 1) * length, length);
    for (size_t i = 0; i < length; ++i)
        key[i] = work[i] ^ last[i];
    return Status::ok();
}

} // namespace cryptstack::AfSplitter
