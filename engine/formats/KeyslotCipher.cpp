#include "KeyslotCipher.h"

#include "CipherNames.h"
#include "crypt/CipherSetBuilder.h"

#include <cstring>

namespace cryptstack {

namespace {

constexpr size_t UnitBytes = 512; // keyslot material is always processed in 512-byte sectors

} // namespace

KeyslotCipher::KeyslotCipher(std::unique_ptr<CipherSet> ciphers) : m_ciphers(std::move(ciphers)) {}
KeyslotCipher::~KeyslotCipher() = default;
KeyslotCipher::KeyslotCipher(KeyslotCipher&&) noexcept = default;
KeyslotCipher& KeyslotCipher::operator=(KeyslotCipher&&) noexcept = default;

Result<KeyslotCipher> KeyslotCipher::create(const QString& spec, std::span<const uint8_t> key)
{
    const auto names = CipherNames::split(spec);
    const QString dmSpec = names ? names->joined() : spec;
    const Status refused(ErrorCode::NotSupported,
                         QStringLiteral("Cannot use %1 cipher for keyslot encryption.").arg(dmSpec));
    if (!names)
        return refused;
    auto parsed = CipherSpec::parse(dmSpec, false);
    // Random IVs and AEAD need per-sector metadata a keyslot area does not have.
    if (!parsed || parsed->aead || parsed->ivMode == u"random")
        return refused;
    // cryptsetup's backends key cipher_null with nothing, whatever the KDF produced.
    const bool null = CipherNames::isCipherNull(parsed->cipher);
    SecureBuffer keyCopy(null ? 0 : key.size());
    if (!null)
        std::memcpy(keyCopy.data(), key.data(), key.size());
    auto builder = CipherSetBuilder::prepare(parsed.value(), keyCopy.size());
    if (!builder)
        return refused;
    // IV sector numbers start at 0 at the material's first byte (iv_offset 0, 512-byte sectors).
    auto ciphers = builder->build(keyCopy, UnitBytes, false, 0);
    if (!ciphers)
        return refused;
    return KeyslotCipher(std::move(ciphers.value()));
}

Status KeyslotCipher::encrypt(std::span<const uint8_t> in, std::span<uint8_t> out)
{
    if (in.size() != out.size() || in.size() % UnitBytes)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Keyslot material must be whole 512-byte sectors."));
    // CipherSet reads in and never writes it when encrypting.
    if (!m_ciphers->convert(true, 0, const_cast<uint8_t*>(in.data()), out.data(), in.size()))
        return Status(ErrorCode::IOError, QStringLiteral("Keyslot encryption failed."));
    return Status::ok();
}

Status KeyslotCipher::decrypt(std::span<const uint8_t> in, std::span<uint8_t> out)
{
    if (in.size() != out.size() || in.size() % UnitBytes)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Keyslot material must be whole 512-byte sectors."));
    // Decryption runs in place, as for a read through the crypt target.
    if (in.data() != out.data())
        std::memmove(out.data(), in.data(), in.size());
    if (!m_ciphers->convert(false, 0, out.data(), out.data(), out.size()))
        return Status(ErrorCode::IOError, QStringLiteral("Keyslot decryption failed."));
    return Status::ok();
}

} // namespace cryptstack
