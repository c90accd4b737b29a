// The IV modes by name: key splitting (crypt_ctr_ivmode) and the ctr hook's checks.
#include "CounterIv.h"
#include "EboivIv.h"
#include "ElephantIv.h"
#include "EssivIv.h"
#include "LmkIv.h"
#include "TcwIv.h"

#include <bit>

namespace cryptstack::IvGeneratorFactory {

Result<KeySplit> keySplit(const QString& ivMode, size_t keySize, unsigned transforms, size_t ivSize)
{
    KeySplit split{transforms, 0};
    if (ivMode == u"elephant") {
        split.keyParts = 2;
        split.extraSize = keySize / 2;
        if (split.extraSize > 32) // ELEPHANT_MAX_KEY_SIZE; the kernel sets no text of its own
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Unknown error"));
    } else if (ivMode == u"lmk") {
        // Version 3 (one extra part, the seed) is recognised by the key's length.
        if (keySize % split.keyParts) {
            split.keyParts++;
            split.extraSize = keySize / split.keyParts;
        }
    } else if (ivMode == u"tcw") {
        split.keyParts += 2;
        split.extraSize = ivSize + 16;
    }
    return split;
}

Result<std::unique_ptr<IvGenerator>> create(const QString& ivMode, const IvSetup& setup, QString* detail)
{
    auto refuse = [detail](const char* why) {
        *detail = QLatin1String(why);
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Error creating IV"));
    };
    using Kind = CounterIv::Kind;
    if (ivMode == u"plain")
        return std::unique_ptr<IvGenerator>(std::make_unique<CounterIv>(Kind::Plain, setup.ivSize));
    if (ivMode == u"plain64")
        return std::unique_ptr<IvGenerator>(std::make_unique<CounterIv>(Kind::Plain64, setup.ivSize));
    if (ivMode == u"plain64be")
        return std::unique_ptr<IvGenerator>(std::make_unique<CounterIv>(Kind::Plain64Be, setup.ivSize));
    if (ivMode == u"null")
        return std::unique_ptr<IvGenerator>(std::make_unique<CounterIv>(Kind::Null, setup.ivSize));
    if (ivMode == u"benbi") {
        const size_t block = setup.modeBlockSize;
        if (!std::has_single_bit(block))
            return refuse("cypher blocksize is not a power of 2");
        if (block > 512)
            return refuse("cypher blocksize is > 512");
        const unsigned shift = 9 - static_cast<unsigned>(std::countr_zero(block));
        return std::unique_ptr<IvGenerator>(std::make_unique<CounterIv>(Kind::Benbi, setup.ivSize, shift));
    }
    if (ivMode == u"essiv")
        return std::unique_ptr<IvGenerator>(
            std::make_unique<EssivIv>(setup.cipher, setup.options, setup.ivSize));
    if (ivMode == u"lmk") {
        if (setup.sectorSize != 512)
            return refuse("Unsupported sector size for LMK");
        return std::unique_ptr<IvGenerator>(std::make_unique<LmkIv>(setup.ivSize, setup.extraSize > 0));
    }
    if (ivMode == u"tcw") {
        if (setup.sectorSize != 512)
            return refuse("Unsupported sector size for TCW");
        if (setup.keySize <= setup.ivSize + 16)
            return refuse("Wrong key size for TCW");
        return std::unique_ptr<IvGenerator>(std::make_unique<TcwIv>(setup.ivSize));
    }
    if (ivMode == u"eboiv" || ivMode == u"elephant") {
        if (setup.modeBlockSize != setup.ivSize)
            return refuse("Block size of EBOIV cipher does not match IV size of block cipher");
        if (ivMode == u"eboiv")
            return std::unique_ptr<IvGenerator>(std::make_unique<EboivIv>(setup.ivSize, setup.sectorSize));
        return std::unique_ptr<IvGenerator>(std::make_unique<ElephantIv>(setup.ivSize, setup.sectorSize));
    }
    return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid IV mode"));
}

} // namespace cryptstack::IvGeneratorFactory
