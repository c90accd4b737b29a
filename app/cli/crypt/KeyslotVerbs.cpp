#include "KeyslotVerbs.h"

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
    const bool cipherGiven = arguments.isSet(QStringLiteral("keyslot-cipher")) ||
                             arguments.isSet(QStringLiteral("keyslot-key-size"));
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
