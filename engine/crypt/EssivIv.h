// essiv:<hash>: the plain64 value encrypted with the block cipher keyed by hash(transform key), one
// salt cipher per transform (the kernel's essiv template wraps each transform separately).
#pragma once

#include "IvGenerator.h"

#include <vector>

namespace cryptstack {

class EssivIv final : public IvGenerator
{
public:
    EssivIv(QString cipher, QString hash, size_t ivSize)
        : m_cipher(std::move(cipher)), m_hash(std::move(hash)), m_ivSize(ivSize)
    {}

    std::unique_ptr<IvGenerator> clone() const override;
    Status init(const SecureBuffer& key, const IvSetup& setup) override;
    void wipe() override { m_saltCiphers.clear(); }
    bool generate(SectorRequest& request) override;

private:
    QString m_cipher;
    QString m_hash;
    size_t m_ivSize;
    std::vector<std::unique_ptr<BlockCipher>> m_saltCiphers;
};

} // namespace cryptstack
