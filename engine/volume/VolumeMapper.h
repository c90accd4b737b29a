// Turns an unlocked volume into a mapped device: the dm-crypt table line cryptsetup 2.6.1 loads
// (reference/luks.md §7) — length, cipher, key word, iv_offset, the data image as the device word,
// offset and the option words in cryptsetup's order — created in a DeviceRegistry, and removed
// again by close. Both front ends map volumes through here.
//
// Keys: a LUKS2 volume key goes into the registry's KeyRing as logon key
// "cryptsetup:<UUID>-d<digest>" and the table names it (":64:logon:cryptsetup:…"), as cryptsetup
// does with the kernel keyring; the key is unlinked again once the target holds it (cryptsetup's
// thread keyring dies with its process the same way). LUKS1 and plain keys go into the line as hex,
// as cryptsetup passes them to device-mapper. Known limit: that hex text is a QString; every copy
// built here is wiped before it is released, but the registry's parsed table may keep its own.
#pragma once

#include "dm/DeviceRegistry.h"
#include "formats/LuksVolume.h"

#include <optional>

namespace cryptstack {

// The activation flags a user adds on the command line (cryptsetup open's --allow-discards,
// --perf-*, --readonly). They join the volume's own option words without duplicates.
struct ActivationFlags
{
    bool allowDiscards = false;
    bool sameCpuCrypt = false;
    bool submitFromCryptCpus = false;
    bool noReadWorkqueue = false;
    bool noWriteWorkqueue = false;
    bool readOnly = false; // sets the device read-only; does not change the line
};

struct MappingRequest
{
    QString name;       // the mapped device's name
    QString dataDevice; // the data image path: the table's device word, exactly as given
    QString volumeType; // "LUKS1", "LUKS2" or "PLAIN", for the dm UUID
    QString volumeUuid; // the LUKS UUID (empty for plain)
    CryptActivation activation;
    std::optional<uint64_t> lengthSectors; // plain --size; otherwise device size − offset
    ActivationFlags flags;
    bool useKeyring = true; // when the activation names a keyring description (LUKS2)
};

class VolumeMapper
{
public:
    explicit VolumeMapper(DeviceRegistry& registry) : m_registry(registry) {}

    // The option words in cryptsetup's order: allow_discards same_cpu_crypt
    // submit_from_crypt_cpus no_read_workqueue no_write_workqueue iv_large_sectors
    // sector_size:<S> (volume's words and the user's flags merged).
    static QStringList optionWords(const CryptActivation& activation, const ActivationFlags& flags);
    // The dm UUID cryptsetup gives the device: CRYPT-LUKS2-<uuid without hyphens>-<name>,
    // CRYPT-PLAIN-<name>.
    static QString dmUuid(const MappingRequest& request);
    // The mapping length in 512-byte sectors, with cryptsetup's geometry errors.
    static Result<uint64_t> lengthSectors(const MappingRequest& request);
    // The table line that open() loads, with the key word written out (hex or keyring reference).
    // The caller wipes the text with wipeText() when done.
    static Result<QString> tableLine(const MappingRequest& request, const SecureBuffer& volumeKey);

    // Creates the mapped device. A taken name: Busy "Device <name> already exists.".
    Result<std::shared_ptr<MappedDevice>> open(const MappingRequest& request, const SecureBuffer& volumeKey);
    // Removes the device. Unknown name: NoSuchDevice "Device <name> is not active.".
    Status close(const QString& name);

    // Overwrites a string that held key material (best effort: only this copy).
    static void wipeText(QString& text);
    static void wipeText(QStringList& texts);

private:
    DeviceRegistry& m_registry;
};

} // namespace cryptstack
