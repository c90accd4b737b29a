// An IV generator of the crypt target (the kernel's iv_gen_ops): generate() runs before the
// cipher on each crypto sector, post() after it. Generators that keep derived keys or cipher
// contexts are cloned per worker thread, like the sector ciphers.
#pragma once

#include "CipherBackend.h"
#include "SecureBuffer.h"

#include <memory>

namespace cryptstack {

// What a generator sees for one crypto sector.
struct SectorRequest
{
    uint8_t* iv = nullptr;  // ivSize bytes, filled by generate()
    uint64_t ivSector = 0;  // after iv_offset and, with iv_large_sectors, in sector_size units
    unsigned transform = 0; // index of the transform (multi-key) this sector uses
    bool write = false;
    uint8_t* in = nullptr; // the sector's input; for reads it is also the output (in place)
    uint8_t* out = nullptr;
    size_t bytes = 0;                       // sector_size
    SectorCipher* firstTransform = nullptr; // tfms[0], which eboiv encrypts its IV with
};

// The constructor-time facts a generator checks (the kernel's iv ctr hook) and the key layout it
// derives its own keys from (the init hook).
struct IvSetup
{
    QString cipher;           // e.g. "aes"
    QString options;          // ivopts, e.g. the ESSIV hash
    size_t ivSize = 0;        // at least 8 when non-zero
    size_t modeBlockSize = 0; // the skcipher's block size (1 for ctr)
    unsigned sectorSize = 512;
    unsigned transforms = 1; // tfms_count
    size_t subkeySize = 0;   // per-transform key bytes
    size_t keySize = 0;      // the whole key
    size_t extraSize = 0;    // key bytes reserved for the IV mode at the end of the key
};

class IvGenerator
{
public:
    virtual ~IvGenerator() = default;
    virtual std::unique_ptr<IvGenerator> clone() const = 0;
    // Derives the generator's keys from the volume key (init) — also after "key set".
    virtual Status init(const SecureBuffer& key, const IvSetup& setup)
    {
        (void)key, (void)setup;
        return Status::ok();
    }
    // Forgets derived keys (the wipe hook, on "key wipe").
    virtual void wipe() {}
    virtual bool generate(SectorRequest& request) = 0;
    virtual bool post(SectorRequest& request)
    {
        (void)request;
        return true;
    }
    // Whether generate() writes the preprocessed plaintext into out for writes, so the cipher
    // then runs out -> out (elephant's CRYPT_ENCRYPT_PREPROCESS).
    virtual bool preprocessesWrites() const { return false; }
};

namespace IvGeneratorFactory {

// Key material the IV mode reserves at the end of the key, and the key parts it implies
// (crypt_ctr_ivmode). Fails with the kernel's error for a malformed elephant key.
struct KeySplit
{
    unsigned keyParts;
    size_t extraSize;
};
Result<KeySplit> keySplit(const QString& ivMode, size_t keySize, unsigned transforms, size_t ivSize);

// The ctr hook: validates and builds the generator ("Error creating IV" on refusal; the specific
// reason goes to the detail string). Unknown modes give "Invalid IV mode".
Result<std::unique_ptr<IvGenerator>> create(const QString& ivMode, const IvSetup& setup, QString* detail);

} // namespace IvGeneratorFactory

} // namespace cryptstack
