// A LUKS1 volume (reference/luks.md §1): the checked header and the device that holds it, with
// cryptsetup 2.6.1's verbs in its order of checks and writes. Every change validates the new
// header before the first byte is written; a failed call leaves the device as it was.
#pragma once

#include "Luks1FormatOptions.h"
#include "Luks1Header.h"
#include "formats/LuksVolume.h"

namespace cryptstack {

// One line of `cryptsetup repair` output: errors go to stderr, verbose lines to stdout (-v).
struct Luks1RepairLine
{
    bool verbose = false;
    QString text;
};

struct Luks1RepairResult
{
    QList<Luks1RepairLine> lines;
    bool written = false; // the header was rewritten
};

class Luks1Volume final : public LuksVolume
{
public:
    // Reads and checks the header (§1.9). Not LUKS1: InvalidArgument "Device <path> is not a
    // valid LUKS device."; a failed check: that check's message (Corruption, or NotSupported
    // for the version and hash).
    static Result<std::unique_ptr<Luks1Volume>> load(std::unique_ptr<HeaderDevice> device);
    // luksFormat --type luks1 with the given volume key (§1.4, §1.5, §1.1): no keyslot yet.
    // "Device too small for activation" is a warning (warnings()), not an error.
    static Result<std::unique_ptr<Luks1Volume>> format(std::unique_ptr<HeaderDevice> device,
                                                       const Luks1FormatOptions& options,
                                                       const SecureBuffer& volumeKey);
    // cryptsetup repair (§1.9 item 6) on a header that may not load; the device must be
    // writable. Fails with "Repair failed." (and the lines so far in the message) when the
    // damage is not one of the known kinds.
    static Result<Luks1RepairResult> repair(HeaderDevice& device);
    // Writes header over whatever the device holds (LUKS2->LUKS1 conversion): validates it and
    // checks the device size, takes the update lock, runs beforeWrite (the caller puts the key
    // material in place), then writes the 1024 bytes as every LUKS1 header update does.
    static Result<std::unique_ptr<Luks1Volume>> create(std::unique_ptr<HeaderDevice> device,
                                                       const Luks1Header& header,
                                                       const BeforeHeaderWrite& beforeWrite);

    int version() const override { return 1; }
    QString uuid() const override { return m_header.uuid; }
    size_t volumeKeyBytes() const override { return m_header.keyBytes; }
    int keyslotLimit() const override { return Luks1Header::KeyslotCount; }
    bool isKeyslotActive(int keyslot) const override;
    QString cipherSpec() const override { return m_header.cipherSpec(); }
    CryptActivation activation() const override;

    Result<UnlockedKey> unlock(std::span<const uint8_t> passphrase, std::optional<int> keyslot) override;
    Status verifyVolumeKey(const SecureBuffer& volumeKey) const override;
    Result<int> addKeyslot(const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                           const AddKeyslotOptions& options) override;
    Status destroyKeyslot(int keyslot) override;
    Result<int> changeKeyslot(const UnlockedKey& opened, std::span<const uint8_t> newPassphrase,
                              const AddKeyslotOptions& options) override;
    Status setUuid(const QString& uuid) override;
    QString dump(const QString& deviceName) const override;
    uint64_t headerBytes() const override;
    Status eraseAllKeyslots() override;

    // For luksDump --dump-volume-key, the GUI and a converter.
    const Luks1Header& header() const { return m_header; }
    Luks1Keyslot::State keyslotState(int keyslot) const;
    const QString& cipherName() const { return m_header.cipherName; }
    const QString& cipherMode() const { return m_header.cipherMode; }
    const QString& hashSpec() const { return m_header.hashSpec; }
    uint32_t payloadOffset() const { return m_header.payloadOffset; }
    // Byte range of a keyslot's material on the header device.
    uint64_t keyMaterialOffset(int keyslot) const { return m_header.keyMaterialByteOffset(keyslot); }
    uint64_t keyMaterialBytes() const { return m_header.keyMaterialBytes(); }

private:
    Luks1Volume(std::unique_ptr<HeaderDevice> device, Luks1Header header);

    static Result<Luks1Header> readHeader(const HeaderDevice& device);
    // Re-validates, grows a too-small regular file (LUKS_write_phdr's fallocate), writes the
    // 1024 bytes, syncs, and re-reads the header as cryptsetup does; returns what it read.
    static Result<Luks1Header> writeHeader(HeaderDevice& device, const Luks1Header& header);
    Result<SecureBuffer> openKeyslot(int keyslot, std::span<const uint8_t> passphrase) const;
    // LUKS_set_key on slot, which must be disabled: KDF, salt, AF split, encrypt, write the
    // material, then the header with the slot enabled.
    Status storeKey(int keyslot, const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                    const KdfParams& kdf);
    Result<KdfParams> resolveKdf(const AddKeyslotOptions& options);
    Status wipeKeyMaterial(int keyslot);
    Status checkWritable() const;

    Luks1Header m_header;
};

} // namespace cryptstack
