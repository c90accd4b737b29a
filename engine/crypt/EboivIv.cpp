#include "EboivIv.h"

#include "core/Endian.h"

#include <cstring>

namespace cryptstack {

bool EboivIv::generate(SectorRequest& request)
{
    uint8_t offset[32] = {};
    storeLE64(offset, request.ivSector * m_sectorSize);
    const uint8_t zeros[32] = {};
    return request.firstTransform->encrypt(offset, zeros, request.iv, m_ivSize);
}

} // namespace cryptstack
