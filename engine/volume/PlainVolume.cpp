#include "PlainVolume.h"

#include "formats/CipherNames.h"
#include "formats/PlainKey.h"

namespace cryptstack::PlainVolume {

Result<QString> normalizeCipher(const QString& spec)
{
    const auto parts = CipherNames::split(spec);
    if (!parts)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("No known cipher specification pattern detected."));
    return parts->joined();
}

Result<CryptActivation> activation(const PlainOptions& options)
{
    auto cipher = normalizeCipher(options.cipher);
    if (!cipher)
        return cipher.status();
    if (options.keyBits % 8 != 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Key size must be a multiple of 8 bits"));
    const size_t keyBytes = options.keyBits / 8;
    if (keyBytes > 1024)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid key size."));
    const unsigned sector = options.sectorSize;
    if (sector < 512 || sector > 4096 || (sector & (sector - 1)) != 0)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Unsupported encryption sector size."));
    if (options.ivLargeSectors && sector <= 512)
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("Large IV sectors option is supported only for opening plain type device "
                           "with sector size larger than 512 bytes."));
    // The data area's alignment to the sector size is checked against the device (VolumeMapper).
    CryptActivation result;
    result.cipher = *cipher;
    result.keyBytes = CipherNames::isCipherNull(CipherNames::split(*cipher)->cipher) ? 0 : keyBytes;
    result.ivOffset = options.skip;
    result.dataOffsetSectors = options.offset;
    result.sectorSize = sector;
    if (options.ivLargeSectors)
        result.optionWords += QStringLiteral("iv_large_sectors");
    return result;
}

Result<SecureBuffer> volumeKey(const PlainOptions& options, std::span<const uint8_t> passphrase)
{
    const size_t keyBytes = options.keyBits / 8;
    if (options.hash.isEmpty() || options.hash == u"plain")
        return PlainKey::withoutHash(passphrase, keyBytes);
    return PlainKey::derive(options.hash, passphrase, keyBytes);
}

} // namespace cryptstack::PlainVolume
