#include "KeyslotVerbs.h"

#include "formats/Pbkdf.h"

namespace cryptstack::cli {

QList<OptionSpec> keyslotCipherOptions()
{
    return {{QStringLiteral("keyslot-cipher"),
             {},
             QStringLiteral("SPEC"),
             QStringLiteral("LUKS2 keyslot cipher")},
            {QStringLiteral("keyslot-key-size"),
             {},
             QStringLiteral("BITS"),
             QStringLiteral("LUKS2 keyslot key size")}};
}

Status checkPbkdfOptions(const KdfRequest& kdf, int luksVersion)
{
    KdfRequest request = kdf;
    request.hash.clear(); // the hash is checked where it is used, with its own message
    if (luksVersion == 1)
        request.type.clear(); // LUKS1 always derives with PBKDF2
    const Status checked = Pbkdf::validate(
        request, luksVersion == 1 ? QStringLiteral("pbkdf2") : QStringLiteral("argon2id"), {});
    if (checked)
        return checked;
    return Status(checked.code(), checked.message() + QStringLiteral("\nFailed to set pbkdf parameters."));
}

Result<AddKeyslotOptions> addKeyslotOptions(const ArgParser& arguments, const LuksVolume* volume)
{
    AddKeyslotOptions options;
    auto slot = keySlotOption(arguments);
    if (!slot)
        return slot.status();
    options.keyslot = *slot;
    auto kdf = kdfRequestOption(arguments);
    if (!kdf)
        return kdf.status();
    options.kdf = *kdf;
    if (volume) {
        if (Status checked = checkPbkdfOptions(options.kdf, volume->version()); !checked)
            return checked;
    }
    const bool cipherGiven = arguments.isSet(QStringLiteral("keyslot-cipher")) ||
                             arguments.isSet(QStringLiteral("keyslot-key-size"));
    // cryptsetup's option check, before any device is looked at (verified).
    if (arguments.isSet(QStringLiteral("keyslot-cipher")) !=
        arguments.isSet(QStringLiteral("keyslot-key-size")))
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("Options --keyslot-cipher and --keyslot-key-size must be used together."));
    if (cipherGiven && volume && volume->version() != 2)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Keyslot encryption parameters can be set only for LUKS2 device."));
    options.keyslotCipher = arguments.value(QStringLiteral("keyslot-cipher"));
    auto bits = numberOption(arguments, QStringLiteral("keyslot-key-size"));
    if (!bits)
        return bits.status();
    if (*bits % 8)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Key size must be a multiple of 8 bits"));
    options.keyslotKeyBytes = static_cast<size_t>(*bits / 8);
    return options;
}

} // namespace cryptstack::cli
