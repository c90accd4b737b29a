#include "EssivIv.h"

#include "core/Endian.h"

#include <cstring>

namespace cryptstack {

std::unique_ptr<IvGenerator> EssivIv::clone() const
{
    auto copy = std::make_unique<EssivIv>(m_cipher, m_hash, m_ivSize);
    for (const auto& cipher : m_saltCiphers)
        copy->m_saltCiphers.push_back(cipher->clone());
    return copy;
}

Status EssivIv::init(const SecureBuffer& key, const IvSetup& setup)
{
    m_saltCiphers.clear();
    for (unsigned i = 0; i < setup.transforms; ++i) {
        auto salt = HashFactory::digest(m_hash, key.slice(i * setup.subkeySize, setup.subkeySize));
        if (!salt)
            return salt.status();
        auto cipher = CipherFactory::createBlockCipher(m_cipher, salt.value());
        std::fill(salt->begin(), salt->end(), uint8_t{0});
        if (!cipher)
            return cipher.status();
        m_saltCiphers.push_back(std::move(cipher.value()));
    }
    return Status::ok();
}

bool EssivIv::generate(SectorRequest& request)
{
    std::memset(request.iv, 0, m_ivSize);
    storeLE64(request.iv, request.ivSector);
    m_saltCiphers[request.transform]->encrypt(request.iv, request.iv, m_ivSize);
    return true;
}

} // namespace cryptstack
