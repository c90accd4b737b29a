#include "CipherSet.h"

#include <bit>

namespace cryptstack {

CipherSet::CipherSet(CryptGeometry geometry, std::vector<std::unique_ptr<SectorCipher>> transforms,
                     std::unique_ptr<IvGenerator> iv)
    : m_geometry(geometry), m_transforms(std::move(transforms)), m_iv(std::move(iv))
{}

std::unique_ptr<CipherSet> CipherSet::clone() const
{
    std::vector<std::unique_ptr<SectorCipher>> transforms;
    for (const auto& transform : m_transforms)
        transforms.push_back(transform->clone());
    return std::make_unique<CipherSet>(m_geometry, std::move(transforms), m_iv ? m_iv->clone() : nullptr);
}

bool CipherSet::convert(bool write, uint64_t sector512, uint8_t* in, uint8_t* out, size_t bytes)
{
    const unsigned size = m_geometry.sectorSize;
    const unsigned step = size >> 9;
    const unsigned largeShift = static_cast<unsigned>(std::countr_zero(step));
    const uint64_t keyMask = m_transforms.size() - 1;
    uint8_t iv[32] = {};
    SectorRequest request;
    request.iv = iv;
    request.write = write;
    request.bytes = size;
    request.firstTransform = m_transforms.front().get();
    const bool preprocess = write && m_iv && m_iv->preprocessesWrites();
    for (size_t done = 0; done < bytes; done += size, sector512 += step) {
        // cc_sector counts 512-byte units from the target start plus iv_offset; the key index
        // always uses it, the IV uses it shifted only with iv_large_sectors.
        const uint64_t ccSector = sector512 + m_geometry.ivOffset;
        SectorCipher& transform = *m_transforms[ccSector & keyMask];
        request.transform = static_cast<unsigned>(ccSector & keyMask);
        request.ivSector = m_geometry.ivLargeSectors ? ccSector >> largeShift : ccSector;
        request.in = in + done;
        request.out = out + done;
        if (m_iv && !m_iv->generate(request))
            return false;
        const uint8_t* source = preprocess ? request.out : request.in;
        const bool ok = write ? transform.encrypt(iv, source, request.out, size)
                              : transform.decrypt(iv, request.in, request.out, size);
        if (!ok || (m_iv && !m_iv->post(request)))
            return false;
    }
    return true;
}

} // namespace cryptstack
