#include "CipherSpec.h"

#include "core/Parse.h"

#include <QRegularExpression>

namespace cryptstack {

namespace {

constexpr qsizetype MaxAlgorithmName = 128; // CRYPTO_MAX_ALG_NAME

Status invalid(const char* text)
{
    return Status(ErrorCode::InvalidArgument, QLatin1String(text));
}

Status allocationFailed()
{
    return Status(ErrorCode::NotSupported, QStringLiteral("Error allocating crypto tfm"));
}

Result<CipherSpec> parseLegacy(const QString& text, bool aeadRequested)
{
    if (text.contains(u'(') || aeadRequested)
        return invalid("Bad cipher specification");
    CipherSpec spec;
    spec.text = text;
    // strsep on '-': cipher[:keycount], chainmode, then ivmode up to ':' and the rest as ivopts.
    const qsizetype firstDash = text.indexOf(u'-');
    const QString head = firstDash < 0 ? text : text.left(firstDash);
    const QString rest = firstDash < 0 ? QString() : text.mid(firstDash + 1);
    const qsizetype colon = head.indexOf(u':');
    spec.cipher = colon < 0 ? head : head.left(colon);
    if (colon >= 0) {
        const auto count = parseU32(head.mid(colon + 1));
        if (!count || *count == 0 || (*count & (*count - 1)))
            return invalid("Bad cipher key count specification");
        spec.keyCount = *count;
    }
    bool hasChainMode = firstDash >= 0;
    bool ivOptionsGiven = false;
    QString ivPart;
    if (hasChainMode) {
        const qsizetype secondDash = rest.indexOf(u'-');
        spec.chainMode = secondDash < 0 ? rest : rest.left(secondDash);
        // strsep leaves ivmode NULL only when there is no second dash, and ivopts NULL only when
        // there is no colon: "aes-cbc-" has an empty, not a missing, IV mode.
        spec.ivModeGiven = secondDash >= 0;
        if (secondDash >= 0) {
            ivPart = rest.mid(secondDash + 1);
            const qsizetype ivColon = ivPart.indexOf(u':');
            spec.ivMode = ivColon < 0 ? ivPart : ivPart.left(ivColon);
            if (ivColon >= 0) {
                spec.ivOptions = ivPart.mid(ivColon + 1);
                ivOptionsGiven = true;
            }
        }
    }
    // The original mapping format: "aes" or "aes-plain" mean aes-cbc-plain.
    if (!hasChainMode || (spec.chainMode == u"plain" && !spec.ivModeGiven)) {
        spec.chainMode = QStringLiteral("cbc");
        spec.ivMode = QStringLiteral("plain");
        spec.ivModeGiven = true;
    }
    if (spec.chainMode != u"ecb" && !spec.ivModeGiven)
        return invalid("IV mechanism required");
    if (spec.ivMode == u"essiv" && !ivOptionsGiven)
        return invalid("Digest algorithm missing for ESSIV mode");
    const qsizetype apiLength =
        spec.ivMode == u"essiv"
            ? QStringLiteral("essiv(%1(%2),%3)").arg(spec.chainMode, spec.cipher, spec.ivOptions).size()
            : spec.chainMode.size() + spec.cipher.size() + 2;
    if (apiLength >= MaxAlgorithmName)
        return Status(ErrorCode::NoMemory, QStringLiteral("Cannot allocate cipher strings"));
    return spec;
}

Result<CipherSpec> parseCapi(const QString& text, bool aeadRequested)
{
    CipherSpec spec;
    spec.text = text;
    spec.capi = true;
    QString api = text.mid(5); // after "capi:"
    // ivopts after the last ':', ivmode after the last '-' of what remains.
    if (const qsizetype colon = api.lastIndexOf(u':'); colon >= 0) {
        spec.ivOptions = api.mid(colon + 1);
        api.truncate(colon);
    }
    if (const qsizetype dash = api.lastIndexOf(u'-'); dash >= 0) {
        spec.ivMode = api.mid(dash + 1);
        spec.ivModeGiven = true;
        api.truncate(dash);
    }
    if (spec.ivMode == u"lmk")
        spec.keyCount = 64;
    if (spec.ivMode == u"essiv") {
        if (spec.ivOptions.isEmpty())
            return invalid("Digest algorithm missing for ESSIV mode");
        if (QStringLiteral("essiv(%1,%2)").arg(api, spec.ivOptions).size() >= MaxAlgorithmName)
            return Status(ErrorCode::NoMemory, QStringLiteral("Cannot allocate cipher string"));
    }
    if (aeadRequested) {
        // The AEAD transforms the kernel offers for dm-crypt integrity; they are recognised so
        // that construction fails later, where the kernel's would, for want of tag space.
        static const QRegularExpression aeadSpec(QStringLiteral(
            R"(^(gcm\((aes|sm4|aria|camellia)\)|rfc4309\(ccm\(aes\)\)|rfc7539\(chacha20,poly1305\)|)"
            R"(authenc\(hmac\((sha1|sha256|sha512)\),(xts|cbc)\((aes|serpent|twofish)\)\)|aegis128)$)"));
        if (api.startsWith(u"authenc(") && !api.contains(u','))
            return invalid("Invalid AEAD cipher spec");
        if (!aeadSpec.match(api).hasMatch())
            return allocationFailed();
        spec.aead = true;
        spec.cipher = api;
        return spec;
    }
    // A skcipher: mode(cipher), or the essiv(mode(cipher),hash) template written out.
    static const QRegularExpression essivTemplate(QStringLiteral(R"(^essiv\((\w+)\((\w+)\),(\w+)\)$)"));
    static const QRegularExpression modeOfCipher(QStringLiteral(R"(^(\w+)\((\w+)\)$)"));
    if (const auto match = essivTemplate.match(api); match.hasMatch()) {
        if (!spec.ivMode.isEmpty() && spec.ivMode != u"plain64")
            return allocationFailed();
        spec.chainMode = match.captured(1);
        spec.cipher = match.captured(2);
        spec.ivMode = QStringLiteral("essiv");
        spec.ivModeGiven = true;
        spec.ivOptions = match.captured(3);
        return spec;
    }
    const auto match = modeOfCipher.match(api);
    if (!match.hasMatch())
        return allocationFailed();
    spec.chainMode = match.captured(1);
    spec.cipher = match.captured(2);
    return spec;
}

} // namespace

Result<CipherSpec> CipherSpec::parse(const QString& text, bool aeadRequested)
{
    if (text.startsWith(u"capi:"))
        return parseCapi(text, aeadRequested);
    return parseLegacy(text, aeadRequested);
}

} // namespace cryptstack
