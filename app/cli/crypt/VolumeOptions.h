// The options the cryptsetup verbs share (--type, --header, -S, -d, --keyfile-offset/size, plain
// geometry, activation flags, PBKDF), parsed with cryptsetup's checks and messages, and the steps
// every verb takes the same way: load the LUKS header, unlock a keyslot with a passphrase (three
// tries at a terminal), and describe the mapping for VolumeMapper.
#pragma once

#include "CryptCommand.h"
#include "formats/KdfParams.h"
#include "formats/LuksVolume.h"
#include "volume/PlainVolume.h"
#include "volume/VolumeMapper.h"

namespace cryptstack::cli {

namespace VolumeOptionSpecs {
QList<OptionSpec> keyFile();       // -d/--key-file, --keyfile-offset, --keyfile-size
QList<OptionSpec> newKeyFile();    // --new-keyfile-offset, --new-keyfile-size
QList<OptionSpec> keySlot();       // -S/--key-slot
QList<OptionSpec> header();        // --header
QList<OptionSpec> type();          // --type
QList<OptionSpec> volumeKeyFile(); // --volume-key-file (and cryptsetup's old name --master-key-file)
// -c, -s, -h, the data offset (named offsetOption: "offset", or "plain-offset" where --offset
// means a byte position), -p/--skip, the mapping length (named sizeOption: "size" with -b, or
// "plain-size" where --size means something else), --sector-size, --iv-large-sectors.
QList<OptionSpec> plain(const QString& offsetOption = QStringLiteral("offset"),
                        const QString& sizeOption = QStringLiteral("size"));
QList<OptionSpec> activationFlags(); // --allow-discards, --perf-*, -r/--readonly, --disable-keyring
QList<OptionSpec>
pbkdf(); // --pbkdf, -i/--iter-time, --pbkdf-force-iterations, --pbkdf-memory, --pbkdf-parallel
// Everything a verb that opens a volume takes (open, read, write, the shell's open).
QList<OptionSpec> open(const QString& offsetOption = QStringLiteral("offset"),
                       const QString& sizeOption = QStringLiteral("size"));
} // namespace VolumeOptionSpecs

// A number option; absent gives the default. Errors name the option.
Result<uint64_t> numberOption(const ArgParser& arguments, const QString& name, uint64_t defaultValue = 0);
Result<std::optional<int>> keySlotOption(const ArgParser& arguments);
// -d/--keyfile-offset/--keyfile-size, or with newKey the positional new key file and
// --new-keyfile-offset/--new-keyfile-size.
Result<KeySource> keySourceOption(const ArgParser& arguments);
Result<KeySource> newKeySource(const ArgParser& arguments, const QString& newKeyFile);
Result<KdfRequest> kdfRequestOption(const ArgParser& arguments);

struct VolumeOptions
{
    QString image;  // the data device (an image file)
    QString header; // --header; empty: the image holds the header
    QString type;   // luks (any version), luks1, luks2 or plain
    std::optional<int> keySlot;
    KeySource key;
    PlainOptions plain;
    bool hashGiven = false;
    bool keyfileSizeGiven = false;
    ActivationFlags flags;
    bool disableKeyring = false;
    bool testPassphrase = false;

    QString headerPath() const { return header.isEmpty() ? image : header; }
    bool isPlain() const { return type == u"plain"; }
};

// Parses the open options with cryptsetup's verify_open checks.
Result<VolumeOptions> parseVolumeOptions(const ArgParser& arguments, const QString& image,
                                         const QString& offsetOption = QStringLiteral("offset"),
                                         const QString& sizeOption = QStringLiteral("size"));

// Where the LUKS header lives: --header FILE when given, else the image itself.
QString headerPathOf(const ArgParser& arguments, const QString& image);

// Loads a LUKS header as crypt_load does, except that it never writes: a damaged LUKS2 copy is
// reported on stderr (the volume's warnings) and left for "repair". requestedType: "" / "luks" any
// version, "luks1" or "luks2" only that one (else "Device <path> is not a valid LUKS device.").
// forWrite opens the device read-write, else read-only.
Result<std::unique_ptr<LuksVolume>> loadLuks(CryptContext& context, const QString& headerPath,
                                             const QString& requestedType, bool forWrite);

// Reads a passphrase and unlocks a keyslot (three tries at a terminal, each failure reported);
// with -v prints "Key slot N unlocked.". prompt empty: "Enter passphrase for <image>: ".
Result<UnlockedKey> unlockLuks(CryptContext& context, LuksVolume& volume, const KeySource& key,
                               std::optional<int> keySlot, const QString& prompt);

// Writes a volume key file (mode 0600) as tools_write_mk does.
Status writeVolumeKeyFile(const QString& path, const SecureBuffer& key);
// Reads exactly keyBytes from a volume key file as tools_read_mk does.
Result<SecureBuffer> readVolumeKeyFile(const QString& path, size_t keyBytes);

// An unlocked volume ready for VolumeMapper: the mapping and its key.
struct UnlockedVolume
{
    MappingRequest request;
    SecureBuffer key;
};

// Unlocks the volume the options describe (LUKS or plain) for a mapping called name.
Result<UnlockedVolume> unlockVolume(CryptContext& context, const VolumeOptions& options, const QString& name);

} // namespace cryptstack::cli
