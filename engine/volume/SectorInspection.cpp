#include "SectorInspection.h"

#include "crypt/CipherSetBuilder.h"
#include "crypt/CipherSpec.h"
#include "formats/HeaderDevice.h"

#include <bit>

namespace cryptstack {

uint64_t SectorInspection::sectorCount(const CryptActivation& activation, uint64_t imageBytes)
{
    const uint64_t start = activation.dataOffsetSectors * 512;
    if (activation.sectorSize == 0 || imageBytes <= start)
        return 0;
    return (imageBytes - start) / activation.sectorSize;
}

Result<InspectedSector> SectorInspection::inspect(const HeaderDevice& device,
                                                  const CryptActivation& activation,
                                                  const SecureBuffer& volumeKey, uint64_t sector)
{
    InspectedSector result;
    result.sector = sector;
    result.sectorSize = activation.sectorSize;
    result.cipherSpec = activation.cipher;
    result.ivOffset = activation.ivOffset;
    result.ivLargeSectors = activation.optionWords.contains(QStringLiteral("iv_large_sectors"));
    const unsigned size = activation.sectorSize;
    if (size < 512 || (size & (size - 1)) != 0)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("sector size %1 is not a power of two of at least 512").arg(size));
    const uint64_t count = sectorCount(activation, device.size());
    if (sector >= count)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("sector %1 is past the end of the data (%2 sectors of %3 bytes)")
                          .arg(sector)
                          .arg(count)
                          .arg(size));
    auto spec = CipherSpec::parse(activation.cipher, false);
    if (!spec)
        return spec.status().prefixed(QStringLiteral("cipher %1: ").arg(activation.cipher));
    result.cipher = spec->cipher;
    result.chainMode = spec->chainMode;
    result.ivOptions = spec->ivOptions;
    result.keyCount = spec->keyCount;
    auto builder = CipherSetBuilder::prepare(*spec, volumeKey.size());
    if (!builder)
        return builder.status().prefixed(QStringLiteral("cipher %1: ").arg(activation.cipher));
    result.ivMode = builder->ivMode();
    auto cipherSet = builder->build(volumeKey, size, result.ivLargeSectors, activation.ivOffset);
    if (!cipherSet)
        return cipherSet.status().prefixed(QStringLiteral("cipher %1: ").arg(activation.cipher));

    result.sector512 = sector * (size / 512);
    result.imageOffset = activation.dataOffsetSectors * 512 + sector * size;
    result.ciphertext = QByteArray(qsizetype(size), '\0');
    auto* cipherBytes = reinterpret_cast<uint8_t*>(result.ciphertext.data());
    if (Status status = device.read(result.imageOffset, {cipherBytes, size}); !status)
        return status;

    // The same numbers CipherSet::convert derives, for display.
    const uint64_t ccSector = result.sector512 + activation.ivOffset;
    const unsigned largeShift = static_cast<unsigned>(std::countr_zero(size >> 9));
    result.ivSector = result.ivLargeSectors ? ccSector >> largeShift : ccSector;
    const auto& transforms = (*cipherSet)->transforms();
    result.transform = static_cast<unsigned>(ccSector & (transforms.size() - 1));

    // The IV as the generator makes it for this sector, from a clone so the decryption below
    // starts from the same generator state.
    std::unique_ptr<CipherSet> ivProbe = (*cipherSet)->clone();
    if (IvGenerator* generator = ivProbe->ivGenerator()) {
        QByteArray scratch = result.ciphertext;
        uint8_t iv[32] = {};
        SectorRequest request;
        request.iv = iv;
        request.ivSector = result.ivSector;
        request.transform = result.transform;
        request.write = false;
        request.in = reinterpret_cast<uint8_t*>(scratch.data());
        request.out = request.in;
        request.bytes = size;
        request.firstTransform = ivProbe->transforms().front().get();
        if (!generator->generate(request))
            return Status(ErrorCode::IOError,
                          QStringLiteral("the %1 IV generator failed").arg(result.ivMode));
        result.iv = QByteArray(reinterpret_cast<const char*>(iv), qsizetype(builder->ivSize()));
        SecureBuffer::wipe(iv, sizeof iv);
    }

    result.plaintext = result.ciphertext;
    auto* plain = reinterpret_cast<uint8_t*>(result.plaintext.data());
    if (!(*cipherSet)->convert(false, result.sector512, plain, plain, size))
        return Status(ErrorCode::IOError, QStringLiteral("decrypting sector %1 failed").arg(sector));
    return result;
}

} // namespace cryptstack
