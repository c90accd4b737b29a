#include "ElephantIv.h"

#include "core/Endian.h"

#include <bit>
#include <cstring>
#include <vector>

namespace cryptstack {

namespace {

constexpr int RotationsA[4] = {9, 0, 13, 0};
constexpr int RotationsB[4] = {0, 10, 0, 25};

// d[k] += d[k-2] ^ rotl(d[k-5], RA[k%4]), five passes, k ascending (the decrypt direction).
void diffuserADecrypt(std::vector<uint32_t>& d)
{
    const size_t n = d.size();
    for (int pass = 0; pass < 5; ++pass) {
        for (size_t k = 0; k < n; ++k)
            d[k] += d[(k + n - 2) % n] ^ std::rotl(d[(k + n - 5) % n], RotationsA[k % 4]);
    }
}

void diffuserAEncrypt(std::vector<uint32_t>& d)
{
    const size_t n = d.size();
    for (int pass = 0; pass < 5; ++pass) {
        for (size_t k = n; k-- > 0;)
            d[k] -= d[(k + n - 2) % n] ^ std::rotl(d[(k + n - 5) % n], RotationsA[k % 4]);
    }
}

// d[k] += d[k+2] ^ rotl(d[k+5], RB[k%4]), three passes, k ascending (the decrypt direction).
void diffuserBDecrypt(std::vector<uint32_t>& d)
{
    const size_t n = d.size();
    for (int pass = 0; pass < 3; ++pass) {
        for (size_t k = 0; k < n; ++k)
            d[k] += d[(k + 2) % n] ^ std::rotl(d[(k + 5) % n], RotationsB[k % 4]);
    }
}

void diffuserBEncrypt(std::vector<uint32_t>& d)
{
    const size_t n = d.size();
    for (int pass = 0; pass < 3; ++pass) {
        for (size_t k = n; k-- > 0;)
            d[k] -= d[(k + 2) % n] ^ std::rotl(d[(k + 5) % n], RotationsB[k % 4]);
    }
}

} // namespace

std::unique_ptr<IvGenerator> ElephantIv::clone() const
{
    auto copy = std::make_unique<ElephantIv>(m_ivSize, m_sectorSize);
    if (m_tweakCipher)
        copy->m_tweakCipher = m_tweakCipher->clone();
    return copy;
}

Status ElephantIv::init(const SecureBuffer& key, const IvSetup&)
{
    const size_t half = key.size() / 2;
    auto cipher = CipherFactory::createBlockCipher(QStringLiteral("aes"), key.slice(half, half));
    if (!cipher)
        return cipher.status();
    m_tweakCipher = std::move(cipher.value());
    return Status::ok();
}

void ElephantIv::wipe()
{
    // The kernel re-keys the tweak cipher with zeroes.
    const uint8_t zeros[32] = {};
    auto cipher =
        CipherFactory::createBlockCipher(QStringLiteral("aes"), std::span<const uint8_t>(zeros, 16));
    if (cipher)
        m_tweakCipher = std::move(cipher.value());
}

void ElephantIv::diffuse(SectorRequest& request)
{
    // Sector key: E(tweak, LE64(byte offset) ‖ 0…) and the same with byte 15 = 0x80.
    uint8_t e[16] = {};
    storeLE64(e, request.ivSector * m_sectorSize);
    uint8_t sectorKey[32];
    m_tweakCipher->encrypt(e, sectorKey, 16);
    e[15] = 0x80;
    m_tweakCipher->encrypt(e, sectorKey + 16, 16);

    uint8_t* data = request.out;
    const size_t words = request.bytes / 4;
    std::vector<uint32_t> d(words);
    if (request.write) {
        std::memcpy(data, request.in, request.bytes); // never modify the caller's buffer
    } else {
        for (size_t i = 0; i < words; ++i)
            d[i] = loadLE32(data + 4 * i);
        diffuserBDecrypt(d);
        diffuserADecrypt(d);
        for (size_t i = 0; i < words; ++i)
            storeLE32(data + 4 * i, d[i]);
    }
    for (size_t i = 0; i < request.bytes; ++i)
        data[i] ^= sectorKey[i % 32];
    if (request.write) {
        for (size_t i = 0; i < words; ++i)
            d[i] = loadLE32(data + 4 * i);
        diffuserAEncrypt(d);
        diffuserBEncrypt(d);
        for (size_t i = 0; i < words; ++i)
            storeLE32(data + 4 * i, d[i]);
    }
}

bool ElephantIv::generate(SectorRequest& request)
{
    if (request.write)
        diffuse(request);
    return EboivIv::generate(request);
}

bool ElephantIv::post(SectorRequest& request)
{
    if (!request.write)
        diffuse(request);
    return true;
}

} // namespace cryptstack
