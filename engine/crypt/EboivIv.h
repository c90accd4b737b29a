// eboiv: BitLocker's IV, the bulk transform (tfms[0]) encrypting one zero block with the sector's
// byte offset as its IV.
#pragma once

#include "IvGenerator.h"

namespace cryptstack {

class EboivIv : public IvGenerator
{
public:
    EboivIv(size_t ivSize, unsigned sectorSize) : m_ivSize(ivSize), m_sectorSize(sectorSize) {}

    std::unique_ptr<IvGenerator> clone() const override { return std::make_unique<EboivIv>(*this); }
    bool generate(SectorRequest& request) override;

protected:
    size_t m_ivSize;
    unsigned m_sectorSize;
};

} // namespace cryptstack
