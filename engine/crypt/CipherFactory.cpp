// CipherFactory: maps the kernel's mode(cipher) names to OpenSSL EVP, libgcrypt or our own modes (and
// our own Twofish for 192-bit keys), and refuses exactly what the kernel refuses (key sizes, xts/lrw
// over 64-bit blocks).
#include "crypt/CipherBackend.h"

#include "crypt/CbcMode.h"
#include "crypt/CtrMode.h"
#include "crypt/EcbBlockCipher.h"
#include "crypt/EcbMode.h"
#include "crypt/GcryptSectorCipher.h"
#include "crypt/LrwMode.h"
#include "crypt/NullBlockCipher.h"
#include "crypt/OpenSslLibrary.h"
#include "crypt/OpenSslSectorCipher.h"
#include "crypt/PcbcMode.h"
#include "crypt/TwofishBlockCipher.h"
#include "crypt/XtsMode.h"

#include <gcrypt.h>
#include <openssl/crypto.h>

#include <string>

namespace cryptstack::CipherFactory {

namespace {

enum class Mode { Ecb, Cbc, Ctr, Xts, Lrw, Pcbc };

struct CipherInfo
{
    const char* name;
    size_t blockSize;
    size_t minKey; // accepted key lengths: minKey..maxKey in steps of keyStep (the kernel's setkey)
    size_t maxKey;
    size_t keyStep;
};

// Key sizes as the kernel's setkey accepts them: serpent pads any key up to 32 bytes, cast5 and
// blowfish are variable-length, and des3_ede accepts degenerate keys outside FIPS mode.
constexpr CipherInfo kCiphers[] = {
    {"aes", 16, 16, 32, 8},      {"serpent", 16, 0, 32, 1}, {"twofish", 16, 16, 32, 8},
    {"camellia", 16, 16, 32, 8}, {"cast5", 8, 5, 16, 1},    {"blowfish", 8, 4, 56, 1},
    {"des3_ede", 8, 24, 24, 1},  {"sm4", 16, 16, 16, 1},    {"aria", 16, 16, 32, 8},
    {"cipher_null", 1, 0, 0, 1},
};

const CipherInfo* findCipher(const QString& name)
{
    for (const CipherInfo& info : kCiphers) {
        if (name == QLatin1String(info.name))
            return &info;
    }
    return nullptr;
}

std::optional<Mode> parseMode(const QString& mode)
{
    static const std::pair<const char*, Mode> modes[] = {{"ecb", Mode::Ecb}, {"cbc", Mode::Cbc},
                                                         {"ctr", Mode::Ctr}, {"xts", Mode::Xts},
                                                         {"lrw", Mode::Lrw}, {"pcbc", Mode::Pcbc}};
    for (const auto& [name, value] : modes) {
        if (mode == QLatin1String(name))
            return value;
    }
    return std::nullopt;
}

bool keyAccepted(const CipherInfo& info, size_t length)
{
    return length >= info.minKey && length <= info.maxKey && (length - info.minKey) % info.keyStep == 0;
}

// What the kernel's templates refuse to instantiate: xts and lrw need 16-byte blocks (xts.c, lrw.c),
// ctr needs blocks of at least 4 bytes, a multiple of 4 (ctr.c).
bool modeInstantiates(const CipherInfo& info, Mode mode)
{
    switch (mode) {
    case Mode::Xts:
    case Mode::Lrw:
        return info.blockSize == 16;
    case Mode::Ctr:
        return info.blockSize >= 4 && info.blockSize % 4 == 0;
    default:
        return true;
    }
}

size_t modeIvSize(const CipherInfo& info, Mode mode)
{
    switch (mode) {
    case Mode::Ecb:
        return 0;
    case Mode::Xts:
    case Mode::Lrw:
        return 16;
    default:
        return info.blockSize;
    }
}

// Key bytes that are wiped when they go out of scope.
struct SecretBytes
{
    std::vector<uint8_t> bytes;
    SecretBytes(std::span<const uint8_t> data) : bytes(data.begin(), data.end()) {}
    ~SecretBytes()
    {
        if (!bytes.empty())
            OPENSSL_cleanse(bytes.data(), bytes.size());
    }
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
};

// The kernel (as the Serpent specification) pads a short serpent key with one 0x01 byte and zeros to
// 32 bytes; libgcrypt pads by 32-bit words only, so it always gets the padded 32-byte key.
void appendSerpentKey(std::vector<uint8_t>& out, std::span<const uint8_t> key)
{
    out.insert(out.end(), key.begin(), key.end());
    if (key.size() < 32) {
        out.push_back(0x01);
        out.resize(out.size() + 31 - key.size(), 0);
    }
}

QString combination(const CipherInfo& info, const char* mode)
{
    return QStringLiteral("%1(%2)").arg(QLatin1String(mode), QLatin1String(info.name));
}

// OpenSSL 3.0's name for mode(cipher) with this key, if a loaded provider has it.
std::optional<std::string> openSslName(const CipherInfo& info, Mode mode, std::span<const uint8_t> key)
{
    const std::string cipher = info.name;
    const char* suffix = mode == Mode::Ecb   ? "ECB"
                         : mode == Mode::Cbc ? "CBC"
                         : mode == Mode::Ctr ? "CTR"
                                             : "XTS";
    const std::string bits = std::to_string(key.size() * 8);
    std::string name;
    if (mode == Mode::Xts) {
        // Only AES-128/256-XTS exist; OpenSSL also refuses identical key halves for encryption, which
        // the kernel accepts outside FIPS mode, so those go to libgcrypt.
        const size_t half = key.size() / 2;
        if (cipher != "aes" || (half != 16 && half != 32) ||
            CRYPTO_memcmp(key.data(), key.data() + half, half) == 0)
            return std::nullopt;
        name = "AES-" + std::to_string(half * 8) + "-XTS";
    } else if (cipher == "aes" || cipher == "camellia" || cipher == "aria") {
        std::string upper = cipher == "aes" ? "AES" : cipher == "camellia" ? "CAMELLIA" : "ARIA";
        name = upper + "-" + bits + "-" + suffix;
    } else if (cipher == "sm4") {
        name = std::string("SM4-") + suffix;
    } else if (mode == Mode::Ctr) {
        return std::nullopt; // no ctr for the 64-bit block ciphers in OpenSSL
    } else if (cipher == "des3_ede") {
        name = std::string("DES-EDE3-") + suffix;
    } else if (cipher == "blowfish" && OpenSslLibrary::legacyAvailable()) {
        name = std::string("BF-") + suffix;
    } else if (cipher == "cast5" && OpenSslLibrary::legacyAvailable()) {
        name = std::string("CAST5-") + suffix;
    } else {
        return std::nullopt;
    }
    if (!OpenSslLibrary::cipher(name.c_str()))
        return std::nullopt;
    return name;
}

// libgcrypt 1.10's algorithm for this cipher and (per-half for xts) key length, if it has one.
std::optional<int> gcryptAlgorithm(const CipherInfo& info, size_t keyLength)
{
    const std::string cipher = info.name;
    if (cipher == "aes")
        return keyLength == 16   ? GCRY_CIPHER_AES128
               : keyLength == 24 ? GCRY_CIPHER_AES192
                                 : GCRY_CIPHER_AES256;
    if (cipher == "serpent")
        return GCRY_CIPHER_SERPENT256; // given the padded 32-byte key
    if (cipher == "twofish") {
        if (keyLength == 24)
            return std::nullopt; // libgcrypt's twofish takes 128- and 256-bit keys only
        return keyLength == 16 ? GCRY_CIPHER_TWOFISH128 : GCRY_CIPHER_TWOFISH;
    }
    if (cipher == "camellia")
        return keyLength == 16   ? GCRY_CIPHER_CAMELLIA128
               : keyLength == 24 ? GCRY_CIPHER_CAMELLIA192
                                 : GCRY_CIPHER_CAMELLIA256;
    if (cipher == "sm4")
        return GCRY_CIPHER_SM4;
    if (cipher == "des3_ede")
        return GCRY_CIPHER_3DES;
    if (cipher == "blowfish")
        return GCRY_CIPHER_BLOWFISH;
    if (cipher == "cast5" && keyLength == 16)
        return GCRY_CIPHER_CAST5; // libgcrypt's cast5 has no short-key (12-round) variant
    return std::nullopt;
}

int gcryptMode(Mode mode)
{
    switch (mode) {
    case Mode::Ecb:
        return GCRY_CIPHER_MODE_ECB;
    case Mode::Cbc:
        return GCRY_CIPHER_MODE_CBC;
    case Mode::Ctr:
        return GCRY_CIPHER_MODE_CTR;
    default:
        return GCRY_CIPHER_MODE_XTS;
    }
}

// mode(cipher) through libgcrypt; null if libgcrypt lacks the cipher at this key length.
Result<std::unique_ptr<SectorCipher>> gcryptCipher(const CipherInfo& info, Mode mode,
                                                   std::span<const uint8_t> key)
{
    const size_t perCipherKey = mode == Mode::Xts ? key.size() / 2 : key.size();
    const auto algorithm = gcryptAlgorithm(info, perCipherKey);
    if (!algorithm)
        return std::unique_ptr<SectorCipher>();
    SecretBytes prepared(std::span<const uint8_t>{});
    // Room for the largest prepared key (two padded 32-byte serpent keys) before the first byte
    // goes in: a vector that grows frees its old buffer unwiped, with key bytes in it.
    prepared.bytes.reserve(std::max<size_t>(key.size(), 64));
    if (QLatin1String(info.name) == QLatin1String("serpent")) {
        appendSerpentKey(prepared.bytes, key.first(perCipherKey));
        if (mode == Mode::Xts)
            appendSerpentKey(prepared.bytes, key.subspan(perCipherKey));
    } else {
        prepared.bytes.assign(key.begin(), key.end());
    }
    auto cipher = GcryptSectorCipher::create(*algorithm, gcryptMode(mode), prepared.bytes);
    if (!cipher)
        return cipher.status();
    return std::unique_ptr<SectorCipher>(std::move(cipher).value());
}

// mode(cipher) from a library, for ecb/cbc/ctr/xts; null if neither library has the combination.
// AES goes to libgcrypt first: its AES-NI/VAES code takes each sector's IV with a copy, while
// OpenSSL 3.0 re-initialises its context through provider parameter lookups for every sector,
// which made its AES-XTS 1.5x (4096-byte sectors) to 2.6x (512-byte) slower here; see
// docs/PERFORMANCE.md. The other ciphers go to OpenSSL first, libgcrypt otherwise.
Result<std::unique_ptr<SectorCipher>> libraryCipher(const CipherInfo& info, Mode mode,
                                                    std::span<const uint8_t> key)
{
    std::optional<Status> gcryptRefused; // for AES: libgcrypt's answer, if it had no cipher to give
    if (QLatin1String(info.name) == QLatin1String("aes")) {
        auto cipher = gcryptCipher(info, mode, key);
        if (cipher && *cipher)
            return cipher;
        if (!cipher)
            gcryptRefused = cipher.status(); // e.g. a libgcrypt without the mode: OpenSSL may have it
    }
    if (const auto name = openSslName(info, mode, key)) {
        auto cipher = OpenSslSectorCipher::create(name->c_str(), info.blockSize, key);
        if (!cipher)
            return cipher.status();
        return std::unique_ptr<SectorCipher>(std::move(cipher).value());
    }
    if (gcryptRefused)
        return *gcryptRefused;
    return gcryptCipher(info, mode, key);
}

// Our own Twofish for the 192-bit keys libgcrypt lacks; libgcrypt's (faster) for 128 and 256 bits.
bool usesOwnTwofish(const CipherInfo& info, size_t perCipherKey)
{
    return QLatin1String(info.name) == QLatin1String("twofish") && perCipherKey == 24;
}

Result<std::unique_ptr<BlockCipher>> makeBlockCipher(const CipherInfo& info, std::span<const uint8_t> key)
{
    if (info.blockSize == 1)
        return std::unique_ptr<BlockCipher>(std::make_unique<NullBlockCipher>());
    if (usesOwnTwofish(info, key.size()))
        return std::unique_ptr<BlockCipher>(std::make_unique<TwofishBlockCipher>(key));
    auto ecb = libraryCipher(info, Mode::Ecb, key);
    if (!ecb)
        return ecb.status();
    if (!*ecb)
        return Status(
            ErrorCode::NotSupported,
            QStringLiteral("%1 with a %2-byte key is not available (neither OpenSSL nor libgcrypt has it)")
                .arg(QLatin1String(info.name))
                .arg(key.size()));
    return std::unique_ptr<BlockCipher>(std::make_unique<EcbBlockCipher>(std::move(ecb).value()));
}

const char* modeName(Mode mode)
{
    static const char* names[] = {"ecb", "cbc", "ctr", "xts", "lrw", "pcbc"};
    return names[static_cast<int>(mode)];
}

} // namespace

Result<std::unique_ptr<SectorCipher>> createSectorCipher(const QString& cipher, const QString& mode,
                                                         std::span<const uint8_t> key)
{
    const CipherInfo* info = findCipher(cipher);
    if (!info)
        return Status(ErrorCode::NotSupported, QStringLiteral("Unknown cipher \"%1\"").arg(cipher));
    const auto m = parseMode(mode);
    if (!m)
        return Status(ErrorCode::NotSupported, QStringLiteral("Unknown chain mode \"%1\"").arg(mode));
    const QString what = combination(*info, modeName(*m));
    if (!modeInstantiates(*info, *m))
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("%1: the kernel cannot instantiate %2 over a %3-bit block cipher")
                          .arg(what, QLatin1String(modeName(*m)))
                          .arg(info->blockSize * 8));

    // Key layout: xts takes two equal halves, lrw the cipher key followed by a 16-byte tweak key.
    const bool keyOk = *m == Mode::Xts   ? key.size() % 2 == 0 && keyAccepted(*info, key.size() / 2)
                       : *m == Mode::Lrw ? key.size() >= 16 && keyAccepted(*info, key.size() - 16)
                                         : keyAccepted(*info, key.size());
    if (!keyOk)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 refuses a %2-byte key").arg(what).arg(key.size()));

    if (*m == Mode::Lrw) {
        auto block = makeBlockCipher(*info, key.first(key.size() - 16));
        if (!block)
            return block.status().prefixed(what + QStringLiteral(": "));
        return std::unique_ptr<SectorCipher>(
            std::make_unique<LrwMode>(std::move(block).value(), key.last<16>()));
    }
    if (*m == Mode::Pcbc || info->blockSize == 1) {
        // pcbc has no library implementation; cipher_null's 1-byte blocks neither.
        auto block = makeBlockCipher(*info, key);
        if (!block)
            return block.status().prefixed(what + QStringLiteral(": "));
        if (*m == Mode::Pcbc)
            return std::unique_ptr<SectorCipher>(std::make_unique<PcbcMode>(std::move(block).value()));
        if (*m == Mode::Cbc)
            return std::unique_ptr<SectorCipher>(std::make_unique<CbcMode>(std::move(block).value()));
        return std::unique_ptr<SectorCipher>(std::make_unique<EcbMode>(std::move(block).value()));
    }

    auto library = libraryCipher(*info, *m, key);
    if (!library)
        return library.status().prefixed(what + QStringLiteral(": "));
    if (*library)
        return std::move(library).value();

    // Neither library has this combination: our own mode over the library's block cipher, or over our
    // own Twofish for 192-bit keys.
    if (*m == Mode::Ecb || *m == Mode::Cbc) {
        auto block = makeBlockCipher(*info, key);
        if (!block)
            return block.status().prefixed(what + QStringLiteral(": "));
        if (*m == Mode::Cbc)
            return std::unique_ptr<SectorCipher>(std::make_unique<CbcMode>(std::move(block).value()));
        return std::unique_ptr<SectorCipher>(std::make_unique<EcbMode>(std::move(block).value()));
    }
    if (*m == Mode::Ctr) {
        auto block = makeBlockCipher(*info, key);
        if (!block)
            return block.status().prefixed(what + QStringLiteral(": "));
        return std::unique_ptr<SectorCipher>(std::make_unique<CtrMode>(std::move(block).value()));
    }
    if (*m == Mode::Xts) {
        const size_t half = key.size() / 2;
        auto data = makeBlockCipher(*info, key.first(half));
        if (!data)
            return data.status().prefixed(what + QStringLiteral(": "));
        auto tweak = makeBlockCipher(*info, key.subspan(half));
        if (!tweak)
            return tweak.status().prefixed(what + QStringLiteral(": "));
        return std::unique_ptr<SectorCipher>(
            std::make_unique<XtsMode>(std::move(data).value(), std::move(tweak).value()));
    }
    return Status(
        ErrorCode::NotSupported,
        QStringLiteral("%1 with a %2-byte key is not available (neither OpenSSL nor libgcrypt has it)")
            .arg(what)
            .arg(key.size()));
}

Result<std::unique_ptr<BlockCipher>> createBlockCipher(const QString& cipher, std::span<const uint8_t> key)
{
    const CipherInfo* info = findCipher(cipher);
    if (!info)
        return Status(ErrorCode::NotSupported, QStringLiteral("Unknown cipher \"%1\"").arg(cipher));
    if (!keyAccepted(*info, key.size()))
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("%1 refuses a %2-byte key").arg(cipher).arg(key.size()));
    return makeBlockCipher(*info, key);
}

std::optional<size_t> blockSize(const QString& cipher)
{
    const CipherInfo* info = findCipher(cipher);
    if (!info)
        return std::nullopt;
    return info->blockSize;
}

std::optional<size_t> ivSize(const QString& cipher, const QString& mode)
{
    const CipherInfo* info = findCipher(cipher);
    const auto m = parseMode(mode);
    if (!info || !m || !modeInstantiates(*info, *m))
        return std::nullopt;
    return modeIvSize(*info, *m);
}

} // namespace cryptstack::CipherFactory
