// A LUKS2 volume (reference/luks.md §3–§5, §7, §8.2) as cryptsetup 2.6.1 reads and writes it.
//
// Loading never writes: when one header copy is damaged or older, the good one is used and a line
// in warnings() says so; repair() then rewrites the bad copy exactly as cryptsetup's automatic
// recovery does (a fresh salt, the seqid unchanged, the good copy's JSON area byte for byte).
// A load failure reads "Device <path> is not a valid LUKS device." on its first line; the
// following lines say why each copy was refused (InvalidArgument when no copy had a LUKS2
// signature, Corruption when one did but failed a check).
//
// Every change goes through commit(): drop digests that reference nothing, validate, take the
// exclusive lock, refuse a concurrent update (the on-disk primary seqid moved), seqid + 1, then
// primary and secondary each as "header with zero csum → JSON area → header with csum → fsync".
// Key material is written before the commit that references it and wiped before the commit that
// drops it.
#pragma once

#include "JsonValue.h"
#include "Luks2BinaryHeader.h"
#include "Luks2FormatOptions.h"
#include "formats/LuksVolume.h"

namespace cryptstack {

class Luks2Volume final : public LuksVolume
{
public:
    static Result<std::unique_ptr<Luks2Volume>> load(std::unique_ptr<HeaderDevice> device);
    // luksFormat without the first keyslot (commits seqid 2); call addKeyslot next (seqid 3).
    // Messages for the user that are not errors (small keyslots area, no room for data) go to
    // warnings().
    static Result<std::unique_ptr<Luks2Volume>> format(std::unique_ptr<HeaderDevice> device,
                                                       const Luks2FormatOptions& options,
                                                       const SecureBuffer& volumeKey);
    // A header pair for ready-made metadata over whatever the device holds (LUKS1->LUKS2
    // conversion): validates, takes the update lock, runs beforeCommit (the caller moves the key
    // material into place), then commits seqid 2 with a fresh salt per copy, as format does.
    static Result<std::unique_ptr<Luks2Volume>> create(std::unique_ptr<HeaderDevice> device,
                                                       luks2::JsonValue metadata, const QString& uuid,
                                                       uint64_t hdrSize,
                                                       const BeforeHeaderWrite& beforeCommit);

    int version() const override { return 2; }
    QString uuid() const override;
    size_t volumeKeyBytes() const override;
    int keyslotLimit() const override { return 32; }
    bool isKeyslotActive(int keyslot) const override;
    QString cipherSpec() const override;
    // The default segment's table (iv_tweak and a fixed segment size are ignored, as in 2.6.1).
    // Call checkRequirements() first: activation must fail when it does.
    CryptActivation activation() const override;

    Result<UnlockedKey> unlock(std::span<const uint8_t> passphrase, std::optional<int> keyslot) override;
    Status verifyVolumeKey(const SecureBuffer& volumeKey) const override;
    Result<int> addKeyslot(const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                           const AddKeyslotOptions& options) override;
    Status destroyKeyslot(int keyslot) override;
    Result<int> changeKeyslot(const UnlockedKey& opened, std::span<const uint8_t> newPassphrase,
                              const AddKeyslotOptions& options) override;
    Status setUuid(const QString& uuid) override;
    // luksDump's stdout, final newline included (deviceName is not part of the LUKS2 dump).
    QString dump(const QString& deviceName) const override;
    uint64_t headerBytes() const override;
    Status eraseAllKeyslots() override;

    // luksDump --dump-json-metadata: json-c's pretty form (cryptsetup prints no final newline).
    QString dumpJson() const;
    // cryptsetup repair: rewrites a damaged or older copy from the good one. Nothing to do: ok.
    Status repair();
    bool hasDamagedCopy() const { return m_badCopy >= 0; }
    // "Unmet LUKS2 requirements detected." when config.requirements.mandatory is not empty
    // (we implement no reencryption). Every metadata change checks it itself.
    Status checkRequirements() const;

    uint64_t seqid() const { return m_header.seqid; }
    uint64_t hdrSize() const { return m_header.hdrSize; }
    QString label() const;
    QString subsystem() const;
    // cryptsetup config --label / --subsystem (at most 47 bytes each).
    Status setLabel(const QString& label);
    Status setSubsystem(const QString& subsystem);
    // crypt_set_label, what cryptsetup config --label/--subsystem calls: both in one commit, so
    // the one not given is cleared (verified).
    Status setLabels(const QString& label, const QString& subsystem);
    // cryptsetup config --priority: 0 ignore, 1 normal (the member is removed), 2 prefer.
    Status setPriority(int keyslot, int priority);
    int priority(int keyslot) const;
    // config.flags as stored, and --persistent: replaces them (known flags in cryptsetup's order).
    QStringList persistentFlags() const;
    Status setPersistentFlags(const QStringList& flags);
    // The metadata as loaded (after the in-memory kdf auto-fix).
    const luks2::JsonValue& metadata() const { return m_json; }

private:
    explicit Luks2Volume(std::unique_ptr<HeaderDevice> device) : LuksVolume(std::move(device)) {}

    struct Opened;
    Opened openKeyslot(int keyslot, std::span<const uint8_t> passphrase) const;
    Status commit(bool checkSeqid = true);
    Status writeCopy(int copy, const QByteArray& area);
    Result<std::pair<uint64_t, uint64_t>> allocateArea(size_t keyBytes) const;
    Status storeKeyslot(int keyslot, const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                        const AddKeyslotOptions& options);
    Status wipeArea(int keyslot);
    void removeKeyslotReferences(int keyslot);
    const luks2::JsonValue* keyslotJson(int keyslot) const;
    Status ensureSalts();

    luks2::Luks2BinaryHeader m_header; // the fields shared by both copies
    std::array<std::array<uint8_t, luks2::Luks2BinaryHeader::SaltSize>, 2> m_salts = {};
    std::array<bool, 2> m_needsSalt = {false, false};
    luks2::JsonValue m_json;
    QByteArray m_goodArea; // the JSON area of the copy in use, raw, for repair()
    int m_badCopy = -1;    // 0 primary, 1 secondary
};

} // namespace cryptstack
