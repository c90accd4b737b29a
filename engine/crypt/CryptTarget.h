// dm-crypt: "<cipher> <key> <iv_offset> <device> <offset> [<#opt_params> <opt_params>…]".
// Construction follows the kernel's crypt_ctr check for check, with its error texts; status prints
// the table in the kernel's field and option order; "key set" and "key wipe" work only while the
// device is suspended, and resume is refused without a valid key. The data path is CryptPipeline.
#pragma once

#include "CipherSetBuilder.h"
#include "CipherSpec.h"
#include "CryptPipeline.h"
#include "IvGenerator.h"
#include "SecureBuffer.h"
#include "dm/Target.h"

namespace cryptstack {

class CryptTarget final : public Target
{
public:
    static Result<std::unique_ptr<Target>> create(const TargetContext& context, const QStringList& words);
    ~CryptTarget() override;

    void map(Bio* bio) override;
    QString status(StatusType type, bool showKeys) const override;
    Result<QString> message(const QStringList& words) override;
    Status setEngineOption(const QString& option, const QString& value) override;
    QStringList waits() const override;
    void failWaits() override;
    void postsuspend() override;
    Status preresume() override;
    void resume() override;
    QList<DeviceArea> devices() const override;
    uint32_t logicalBlockSize() const override { return m_sectorSize; }

    CryptMetrics metrics() const;
    // The per-bio trace ring (empty unless "set NAME trace on").
    std::vector<TraceEvent> traceEvents() const;
    bool isAsync() const;

private:
    CryptTarget() = default;
    Status parseOptions(const QStringList& words);
    Status allocateCiphers();
    Status setKey(const QString& keyWord);
    Result<std::unique_ptr<CipherSet>> buildCipherSet() const;
    QString keyText(bool showKeys) const;

    TargetContext m_context;
    CipherSpec m_spec;
    CryptFlags m_flags;
    unsigned m_sectorSize = 512;
    bool m_ivLargeSectors = false;
    uint32_t m_integrityTagSize = 0; // integrity:<bytes>:<type>; 0 = none
    QString m_integrityType;
    uint32_t m_integrityKeySize = 0; // integrity_key_size:<n>, 0 = not given

    size_t m_keySize = 0;
    SecureBuffer m_key;           // wiped after use for keyring keys, as the kernel does
    QString m_keyringDescription; // "<type>:<description>" for a keyring key
    bool m_keyValid = false;
    bool m_suspended = false;

    CipherSetBuilder m_ciphers; // empty for an AEAD spec

    uint64_t m_ivOffset = 0;
    DeviceRef m_device;
    uint64_t m_start = 0;
    std::unique_ptr<CryptPipeline> m_pipeline;
};

} // namespace cryptstack
