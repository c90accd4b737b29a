// One thread's keyed transforms (one per key of a multi-key table) and IV generator, and the
// per-sector conversion loop (crypt_convert for one piece of a bio). Built once from the key;
// every worker gets a clone, so contexts are never shared between threads.
#pragma once

#include "CipherBackend.h"
#include "IvGenerator.h"

#include <vector>

namespace cryptstack {

struct CryptGeometry
{
    unsigned sectorSize = 512;
    bool ivLargeSectors = false;
    uint64_t ivOffset = 0; // 512-byte units
    size_t ivSize = 0;
};

class CipherSet
{
public:
    CipherSet(CryptGeometry geometry, std::vector<std::unique_ptr<SectorCipher>> transforms,
              std::unique_ptr<IvGenerator> iv);
    std::unique_ptr<CipherSet> clone() const;

    // Converts whole crypto sectors; sector512 is the target-relative 512-byte sector of the
    // first. Reads decrypt in place (in == out); writes encrypt from in (never modified) to out.
    bool convert(bool write, uint64_t sector512, uint8_t* in, uint8_t* out, size_t bytes);

    IvGenerator* ivGenerator() { return m_iv.get(); }
    const std::vector<std::unique_ptr<SectorCipher>>& transforms() const { return m_transforms; }

private:
    CryptGeometry m_geometry;
    std::vector<std::unique_ptr<SectorCipher>> m_transforms;
    std::unique_ptr<IvGenerator> m_iv; // null: the mode takes no IV (ecb)
};

} // namespace cryptstack
