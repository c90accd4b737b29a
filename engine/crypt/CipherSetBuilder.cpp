#include "CipherSetBuilder.h"

#include <QHash>
#include <QStringList>

#include <bit>

namespace cryptstack {

namespace {

bool knownIvMode(const QString& mode)
{
    static const QStringList modes{
        QStringLiteral("plain"), QStringLiteral("plain64"),  QStringLiteral("plain64be"),
        QStringLiteral("essiv"), QStringLiteral("benbi"),    QStringLiteral("null"),
        QStringLiteral("eboiv"), QStringLiteral("elephant"), QStringLiteral("lmk"),
        QStringLiteral("tcw"),   QStringLiteral("random")};
    return modes.contains(mode);
}

// The largest key each block cipher takes (the kernel's cia_max_keysize): the essiv template
// refuses a hash whose digest is longer than this when it is allocated.
size_t maxKeySize(const QString& cipher)
{
    static const QHash<QString, size_t> sizes = {
        {QStringLiteral("aes"), 32},      {QStringLiteral("serpent"), 32}, {QStringLiteral("twofish"), 32},
        {QStringLiteral("camellia"), 32}, {QStringLiteral("cast5"), 16},   {QStringLiteral("blowfish"), 56},
        {QStringLiteral("des3_ede"), 24}, {QStringLiteral("sm4"), 16},     {QStringLiteral("aria"), 32},
    };
    return sizes.value(cipher, 0);
}

} // namespace

Result<CipherSetBuilder> CipherSetBuilder::prepare(const CipherSpec& spec, size_t keySize)
{
    const Status failed(ErrorCode::NotSupported, QStringLiteral("Error allocating crypto tfm"));
    if (spec.aead)
        return failed;
    CipherSetBuilder builder;
    builder.m_spec = spec;
    builder.m_keySize = keySize;
    const auto ivSize = CipherFactory::ivSize(spec.cipher, spec.chainMode);
    const auto blockSize = CipherFactory::blockSize(spec.cipher);
    if (!ivSize || !blockSize)
        return failed;
    // The skcipher's block size: ctr is a stream mode (block size 1 in the kernel).
    builder.m_modeBlockSize = spec.chainMode == u"ctr" ? 1 : *blockSize;
    if (spec.ivMode == u"essiv") {
        // The essiv template: the hash must exist and the inner IV must be one cipher block.
        const auto digest = HashFactory::digestSize(spec.ivOptions);
        if (!digest || *digest > maxKeySize(spec.cipher) || *ivSize != *blockSize)
            return failed;
    }
    builder.m_ivSize = *ivSize ? std::max<size_t>(*ivSize, 8) : 0;
    builder.m_ivMode = builder.m_ivSize ? spec.ivMode : QString(); // "Selected cipher does not support IVs"
    if (builder.m_ivSize && spec.ivModeGiven && !knownIvMode(builder.m_ivMode))
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid IV mode"));
    auto split = IvGeneratorFactory::keySplit(builder.m_ivMode, keySize, spec.keyCount, builder.m_ivSize);
    if (!split)
        return split.status();
    builder.m_split = split.value();
    return builder;
}

Result<std::unique_ptr<CipherSet>> CipherSetBuilder::build(const SecureBuffer& key, unsigned sectorSize,
                                                           bool ivLargeSectors, uint64_t ivOffset) const
{
    const Status keyFailed(ErrorCode::InvalidArgument, QStringLiteral("Error decoding and setting key"));
    Q_ASSERT(key.size() == m_keySize);
    const unsigned transforms = m_spec.keyCount;
    const size_t subkey = (m_keySize - m_split.extraSize) >> std::countr_zero(transforms);
    std::vector<std::unique_ptr<SectorCipher>> list;
    for (unsigned i = 0; i < transforms; ++i) {
        auto cipher =
            CipherFactory::createSectorCipher(m_spec.cipher, m_spec.chainMode, key.slice(i * subkey, subkey));
        if (!cipher)
            return keyFailed;
        list.push_back(std::move(cipher.value()));
    }
    std::unique_ptr<IvGenerator> iv;
    if (!m_ivMode.isEmpty() && m_ivMode != u"random") {
        IvSetup setup;
        setup.cipher = m_spec.cipher;
        setup.options = m_spec.ivOptions;
        setup.ivSize = m_ivSize;
        setup.modeBlockSize = m_modeBlockSize;
        setup.sectorSize = sectorSize;
        setup.transforms = transforms;
        setup.subkeySize = subkey;
        setup.keySize = m_keySize;
        setup.extraSize = m_split.extraSize;
        if (m_ivMode == u"essiv") {
            // The salt keys the IV cipher inside the essiv transform's setkey.
            std::vector<uint8_t> zeroSalt(*HashFactory::digestSize(m_spec.ivOptions), 0);
            if (!CipherFactory::createBlockCipher(m_spec.cipher, zeroSalt))
                return keyFailed;
        }
        QString detail;
        auto created = IvGeneratorFactory::create(m_ivMode, setup, &detail);
        if (!created)
            return created.status();
        iv = std::move(created.value());
        if (!iv->init(key, setup))
            return Status(ErrorCode::InvalidArgument, QStringLiteral("Error initialising IV"));
    }
    CryptGeometry geometry{sectorSize, ivLargeSectors, ivOffset, m_ivSize};
    return std::make_unique<CipherSet>(geometry, std::move(list), std::move(iv));
}

} // namespace cryptstack
