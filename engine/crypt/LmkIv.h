// lmk: loop-AES compatible IVs, the raw MD5 state over the sector's blocks 1..31 and its number
// (with a seed for loop-AES v3). Writes derive the IV from the plaintext; reads decrypt with a
// zero IV and post() repairs block 0 from the decrypted rest.
#pragma once

#include "IvGenerator.h"

#include <array>
#include <optional>

namespace cryptstack {

class LmkIv final : public IvGenerator
{
public:
    LmkIv(size_t ivSize, bool seeded) : m_ivSize(ivSize), m_seeded(seeded) {}
    LmkIv(const LmkIv&) = default;
    ~LmkIv() override { wipe(); }

    std::unique_ptr<IvGenerator> clone() const override;
    Status init(const SecureBuffer& key, const IvSetup& setup) override;
    void wipe() override { SecureBuffer::wipe(m_seed.data(), m_seed.size()); }
    bool generate(SectorRequest& request) override;
    bool post(SectorRequest& request) override;

private:
    std::array<uint8_t, 16> compute(const uint8_t* plaintext, uint64_t sector) const;

    size_t m_ivSize;
    bool m_seeded;
    std::array<uint8_t, 64> m_seed{}; // first 16 bytes from the key's extra part, rest zero
};

} // namespace cryptstack
