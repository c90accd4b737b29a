#include "CounterIv.h"

#include "core/Endian.h"

#include <cstring>

namespace cryptstack {

bool CounterIv::generate(SectorRequest& request)
{
    uint8_t* iv = request.iv;
    std::memset(iv, 0, m_ivSize);
    switch (m_kind) {
    case Kind::Plain:
        storeLE32(iv, static_cast<uint32_t>(request.ivSector));
        break;
    case Kind::Plain64:
        storeLE64(iv, request.ivSector);
        break;
    case Kind::Plain64Be:
        storeBE64(iv + m_ivSize - 8, request.ivSector);
        break;
    case Kind::Benbi:
        storeBE64(iv + m_ivSize - 8, (request.ivSector << m_benbiShift) + 1);
        break;
    case Kind::Null:
        break;
    }
    return true;
}

} // namespace cryptstack
