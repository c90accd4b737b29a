#include "LmkIv.h"

#include "core/Endian.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cryptstack {

std::unique_ptr<IvGenerator> LmkIv::clone() const
{
    return std::make_unique<LmkIv>(*this);
}

Status LmkIv::init(const SecureBuffer& key, const IvSetup& setup)
{
    m_seed.fill(0);
    // The seed is the first 16 bytes of the extra key part (less if that part is shorter).
    if (m_seeded)
        std::memcpy(m_seed.data(), key.data() + setup.transforms * setup.subkeySize,
                    std::min<size_t>(16, setup.extraSize));
    return Status::ok();
}

std::array<uint8_t, 16> LmkIv::compute(const uint8_t* plaintext, uint64_t sector) const
{
    // Exactly whole MD5 blocks: [seed 64] + blocks 1..31 (496 bytes) + 16 bytes of sector data.
    uint8_t buffer[64 + 512]; // holds the seed: wiped below
    size_t length = 0;
    if (m_seeded) {
        std::memcpy(buffer, m_seed.data(), 64);
        length = 64;
    }
    std::memcpy(buffer + length, plaintext + 16, 496);
    length += 496;
    storeLE32(buffer + length, static_cast<uint32_t>(sector));
    storeLE32(buffer + length + 4, static_cast<uint32_t>((sector >> 32) & 0x00FFFFFF) | 0x80000000u);
    storeLE32(buffer + length + 8, 4024);
    storeLE32(buffer + length + 12, 0);
    length += 16;
    const auto state = md5RawState({buffer, length});
    SecureBuffer::wipe(buffer, sizeof buffer);
    return state;
}

bool LmkIv::generate(SectorRequest& request)
{
    if (request.write) {
        const auto iv = compute(request.in, request.ivSector);
        std::memcpy(request.iv, iv.data(), m_ivSize);
    } else {
        std::memset(request.iv, 0, m_ivSize);
    }
    return true;
}

bool LmkIv::post(SectorRequest& request)
{
    if (request.write)
        return true;
    const auto iv = compute(request.out, request.ivSector);
    for (size_t i = 0; i < m_ivSize; ++i)
        request.out[i] ^= iv[i];
    return true;
}

} // namespace cryptstack
