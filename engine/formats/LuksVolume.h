// What every LUKS version offers the front ends (the cryptsetup verbs): unlock a keyslot, add
// and remove keyslots, report the table cryptsetup would build, dump the header. Luks1Volume and
// Luks2Volume implement it; verbs that exist for one version only (LUKS2 config, tokens, JSON
// dump) are on the concrete class.
//
// Every method that changes the header re-validates what it writes and writes in cryptsetup's
// crash-safe order; a failed call leaves the device unchanged.
#pragma once

#include "HeaderDevice.h"
#include "KdfParams.h"
#include "core/Result.h"
#include "crypt/SecureBuffer.h"

#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>

namespace cryptstack {

// One keyslot opened: which slot, and the volume key it holds.
struct UnlockedKey
{
    int keyslot = -1;
    SecureBuffer volumeKey;
};

struct AddKeyslotOptions
{
    std::optional<int> keyslot; // -S/--key-slot; else the lowest free
    KdfRequest kdf;
    // LUKS2 only.
    QString keyslotCipher;       // --keyslot-cipher; empty: the segment's cipher (or the fallback)
    size_t keyslotKeyBytes = 0;  // --keyslot-key-size / 8
    std::optional<int> priority; // 0 ignore, 1 normal, 2 prefer
    const std::atomic_bool* cancel = nullptr;
};

// The dm-crypt table cryptsetup builds for the volume (reference/luks.md §7): the caller adds the
// length, the key word and the device.
// Runs with the metadata update lock held, right before a new header is written over the device
// (a conversion moves key material and saves a backup here); a failure stops the write.
using BeforeHeaderWrite = std::function<Status(HeaderDevice& device)>;

struct CryptActivation
{
    QString cipher; // e.g. aes-xts-plain64
    size_t keyBytes = 0;
    uint64_t ivOffset = 0; // 512-byte sectors
    uint64_t dataOffsetSectors = 0;
    unsigned sectorSize = 512;
    QStringList optionWords;    // in cryptsetup's order: allow_discards … sector_size:N
    QString keyringDescription; // LUKS2: "cryptsetup:<UUID>-d<digest>", for the key word
};

class LuksVolume
{
public:
    virtual ~LuksVolume();

    // Reads whichever LUKS version the header device holds (reference/luks.md §4.2 item 8).
    // Not LUKS: InvalidArgument "Device <path> is not a valid LUKS device."; a header that fails a
    // check: Corruption with the check's message.
    static Result<std::unique_ptr<LuksVolume>> load(std::unique_ptr<HeaderDevice> device);
    // Ends the volume and hands back its device (a LUKS1<->LUKS2 conversion builds the new
    // volume over the same device).
    static std::unique_ptr<HeaderDevice> takeDevice(std::unique_ptr<LuksVolume> volume);

    virtual int version() const = 0;
    virtual QString uuid() const = 0;
    virtual size_t volumeKeyBytes() const = 0;
    virtual int keyslotLimit() const = 0; // 8 or 32
    virtual bool isKeyslotActive(int keyslot) const = 0;
    virtual QString cipherSpec() const = 0; // dm form
    virtual CryptActivation activation() const = 0;
    HeaderDevice& device() { return *m_device; }
    const HeaderDevice& device() const { return *m_device; }

    // Tries keyslots as cryptsetup does. Wrong passphrase: WrongPassphrase "No key available
    // with this passphrase."; nothing to try: InvalidArgument "No usable keyslot is available.".
    virtual Result<UnlockedKey> unlock(std::span<const uint8_t> passphrase, std::optional<int> keyslot) = 0;
    // Checks a volume key against the digest (luksAddKey --volume-key-file, luksFormat).
    virtual Status verifyVolumeKey(const SecureBuffer& volumeKey) const = 0;
    // Stores the volume key under a new passphrase; returns the keyslot used.
    virtual Result<int> addKeyslot(const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                                   const AddKeyslotOptions& options) = 0;
    // Wipes the keyslot's material and disables it (luksKillSlot, luksRemoveKey).
    virtual Status destroyKeyslot(int keyslot) = 0;
    // luksChangeKey: returns the keyslot that now holds the new passphrase. options.keyslot equal
    // to opened.keyslot rewrites that slot in place. Otherwise LUKS1 uses the lowest free slot
    // (else the same one) and destroys the old; LUKS2 keeps the old id (see Luks2Volume).
    virtual Result<int> changeKeyslot(const UnlockedKey& opened, std::span<const uint8_t> newPassphrase,
                                      const AddKeyslotOptions& options) = 0;
    virtual Status setUuid(const QString& uuid) = 0;
    // luksDump's text (deviceName as given on the command line).
    virtual QString dump(const QString& deviceName) const = 0;
    // Bytes luksHeaderBackup copies: the whole header including keyslot areas.
    virtual uint64_t headerBytes() const = 0;
    // erase: wipes every keyslot area and disables every keyslot.
    virtual Status eraseAllKeyslots() = 0;
    // What the load noticed and the user should be told without failing (a damaged LUKS2 header
    // copy that was not used, an unknown flag), one line each.
    const QStringList& warnings() const { return m_warnings; }

protected:
    explicit LuksVolume(std::unique_ptr<HeaderDevice> device) : m_device(std::move(device)) {}
    std::unique_ptr<HeaderDevice> m_device;
    QStringList m_warnings;
};

} // namespace cryptstack
