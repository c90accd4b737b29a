// From a parsed cipher spec and a key to a keyed CipherSet: the transform checks of the kernel's
// crypt_alloc_tfms and crypt_ctr_ivmode (prepare), then keying every transform and the IV
// generator (build). The crypt target and the formats' keyslot encryption both go through here,
// so a spec means the same on disk as in a table line. Errors carry the kernel's ti->error texts.
#pragma once

#include "CipherSet.h"
#include "CipherSpec.h"
#include "IvGenerator.h"
#include "SecureBuffer.h"

#include <memory>

namespace cryptstack {

class CipherSetBuilder
{
public:
    // Empty: no transforms (an AEAD spec the target recognises but never runs).
    CipherSetBuilder() = default;

    // Checks that mode(cipher) exists, the IV mode is known and fits it, and splits a key of
    // keySize bytes between the transforms and the IV mode. AEAD specs are not accepted here.
    static Result<CipherSetBuilder> prepare(const CipherSpec& spec, size_t keySize);

    // Keys the transforms and the IV generator with key (keySize bytes). Key refusals give
    // "Error decoding and setting key", IV generator refusals the factory's text.
    Result<std::unique_ptr<CipherSet>> build(const SecureBuffer& key, unsigned sectorSize,
                                             bool ivLargeSectors, uint64_t ivOffset) const;

    // The IV mode in use: empty when the chain mode takes no IV (ecb).
    const QString& ivMode() const { return m_ivMode; }
    size_t ivSize() const { return m_ivSize; }

private:
    CipherSpec m_spec;
    size_t m_keySize = 0;
    size_t m_ivSize = 0;
    size_t m_modeBlockSize = 0;
    QString m_ivMode;
    IvGeneratorFactory::KeySplit m_split{1, 0};
};

} // namespace cryptstack
