// elephant: BitLocker AES-CBC with the Elephant diffuser (Vista/7). The IV is eboiv's; around the
// cipher, each sector is xored with a 32-byte sector key from the tweak key (the key's second half)
// and mixed by diffusers A and B.
#pragma once

#include "EboivIv.h"

namespace cryptstack {

class ElephantIv final : public EboivIv
{
public:
    ElephantIv(size_t ivSize, unsigned sectorSize) : EboivIv(ivSize, sectorSize) {}

    std::unique_ptr<IvGenerator> clone() const override;
    Status init(const SecureBuffer& key, const IvSetup& setup) override;
    void wipe() override;
    bool generate(SectorRequest& request) override;
    bool post(SectorRequest& request) override;
    bool preprocessesWrites() const override { return true; }

private:
    void diffuse(SectorRequest& request);

    std::unique_ptr<BlockCipher> m_tweakCipher;
};

} // namespace cryptstack
