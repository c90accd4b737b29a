#include "TcwIv.h"

#include "core/Endian.h"

#include <cstring>

namespace cryptstack {

namespace {

// The kernel's raw crc32_le: reflected polynomial 0xEDB88320, seed 0, no final inversion.
uint32_t rawCrc32(const uint8_t* data, size_t length)
{
    uint32_t crc = 0;
    for (size_t i = 0; i < length; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

} // namespace

Status TcwIv::init(const SecureBuffer& key, const IvSetup&)
{
    // The key ends with [IV seed: iv_size bytes][whitening: 16 bytes].
    const size_t offset = key.size() - m_ivSize - 16;
    m_seed.fill(0);
    std::memcpy(m_seed.data(), key.data() + offset, m_ivSize);
    std::memcpy(m_whitening.data(), key.data() + offset + m_ivSize, 16);
    return Status::ok();
}

void TcwIv::wipe()
{
    SecureBuffer::wipe(m_seed.data(), m_seed.size());
    SecureBuffer::wipe(m_whitening.data(), m_whitening.size());
}

void TcwIv::whiten(uint8_t* sector, uint64_t ivSector) const
{
    uint8_t number[8];
    storeLE64(number, ivSector);
    uint8_t buffer[16];
    for (int i = 0; i < 8; ++i) {
        buffer[i] = m_whitening[i] ^ number[i];
        buffer[8 + i] = m_whitening[8 + i] ^ number[i];
    }
    for (int group = 0; group < 4; ++group)
        storeLE32(buffer + 4 * group, rawCrc32(buffer + 4 * group, 4));
    for (int i = 0; i < 4; ++i) {
        buffer[i] ^= buffer[12 + i];
        buffer[4 + i] ^= buffer[8 + i];
    }
    for (size_t chunk = 0; chunk < 512; chunk += 8) {
        for (int i = 0; i < 8; ++i)
            sector[chunk + i] ^= buffer[i];
    }
}

bool TcwIv::generate(SectorRequest& request)
{
    if (!request.write)
        whiten(request.in, request.ivSector); // remove the whitening from the ciphertext first
    uint8_t number[8];
    storeLE64(number, request.ivSector);
    for (size_t i = 0; i < m_ivSize; ++i)
        request.iv[i] = m_seed[i] ^ number[i % 8];
    return true;
}

bool TcwIv::post(SectorRequest& request)
{
    if (request.write)
        whiten(request.out, request.ivSector);
    return true;
}

} // namespace cryptstack
