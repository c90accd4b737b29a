// tcw: TrueCrypt before 4.1 — CBC with IV = seed xor sector, and a CRC32-derived whitening xored
// over the ciphertext (removed before decryption on reads, applied after encryption on writes).
#pragma once

#include "IvGenerator.h"

#include <array>

namespace cryptstack {

class TcwIv final : public IvGenerator
{
public:
    explicit TcwIv(size_t ivSize) : m_ivSize(ivSize) {}
    TcwIv(const TcwIv&) = default;
    ~TcwIv() override { wipe(); }

    std::unique_ptr<IvGenerator> clone() const override { return std::make_unique<TcwIv>(*this); }
    Status init(const SecureBuffer& key, const IvSetup& setup) override;
    void wipe() override;
    bool generate(SectorRequest& request) override;
    bool post(SectorRequest& request) override;

private:
    void whiten(uint8_t* sector, uint64_t ivSector) const;

    size_t m_ivSize;
    std::array<uint8_t, 16> m_seed{};
    std::array<uint8_t, 16> m_whitening{};
};

} // namespace cryptstack
