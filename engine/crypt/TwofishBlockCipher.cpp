// Twofish written from its specification ("Twofish: A 128-Bit Block Cipher", Schneier, Kelsey, Whiting,
// Wagner, Hall, Ferguson, 1998): q0/q1 from their 4-bit t-tables, MDS (GF(2^8) mod 0x169) and RS
// (mod 0x14D) matrices, h(), 40 subkeys, whitening and 16 Feistel rounds. Section numbers are the paper's.
#include "crypt/TwofishBlockCipher.h"

#include <openssl/crypto.h>

#include <bit>

namespace cryptstack {

namespace {

// Section 4.3.5: the t-tables of q0 and q1, four per permutation.
constexpr uint8_t kQt[2][4][16] = {
    {{0x8, 0x1, 0x7, 0xD, 0x6, 0xF, 0x3, 0x2, 0x0, 0xB, 0x5, 0x9, 0xE, 0xC, 0xA, 0x4},
     {0xE, 0xC, 0xB, 0x8, 0x1, 0x2, 0x3, 0x5, 0xF, 0x4, 0xA, 0x6, 0x7, 0x0, 0x9, 0xD},
     {0xB, 0xA, 0x5, 0xE, 0x6, 0xD, 0x9, 0x0, 0xC, 0x8, 0xF, 0x3, 0x2, 0x4, 0x7, 0x1},
     {0xD, 0x7, 0xF, 0x4, 0x1, 0x2, 0x6, 0xE, 0x9, 0xB, 0x3, 0x0, 0x8, 0x5, 0xC, 0xA}},
    {{0x2, 0x8, 0xB, 0xD, 0xF, 0x7, 0x6, 0xE, 0x3, 0x1, 0x9, 0x4, 0x0, 0xA, 0xC, 0x5},
     {0x1, 0xE, 0x2, 0xB, 0x4, 0xC, 0x3, 0x7, 0x6, 0xD, 0xA, 0x5, 0xF, 0x9, 0x0, 0x8},
     {0x4, 0xC, 0x7, 0x5, 0x1, 0x6, 0x9, 0xA, 0x0, 0xE, 0xD, 0x8, 0x2, 0xB, 0x3, 0xF},
     {0xB, 0x9, 0x5, 0x1, 0xC, 0x3, 0xD, 0xE, 0x6, 0x4, 0x7, 0xF, 0x2, 0x0, 0x8, 0xA}},
};

// Section 4.2: the MDS matrix (primitive polynomial x^8+x^6+x^5+x^3+1 = 0x169).
constexpr uint8_t kMds[4][4] = {
    {0x01, 0xEF, 0x5B, 0x5B}, {0x5B, 0xEF, 0xEF, 0x01}, {0xEF, 0x5B, 0x01, 0xEF}, {0xEF, 0x01, 0xEF, 0x5B}};

// Section 4.3: the RS matrix (primitive polynomial x^8+x^6+x^3+x^2+1 = 0x14D).
constexpr uint8_t kRs[4][8] = {{0x01, 0xA4, 0x55, 0x87, 0x5A, 0x58, 0xDB, 0x9E},
                               {0xA4, 0x56, 0x82, 0xF3, 0x1E, 0xC6, 0x68, 0xE5},
                               {0x02, 0xA1, 0xFC, 0xC1, 0x47, 0xAE, 0x3D, 0x19},
                               {0xA4, 0x55, 0x87, 0x5A, 0x58, 0xDB, 0x9E, 0x03}};

// Figure 2 / section 4.3.2: which q each byte lane of h() passes through. Stage 0 is used for 256-bit
// keys only, stage 1 for 192- and 256-bit keys, stages 2..4 always (stage 4 feeds the MDS matrix).
constexpr int kQOrder[4][5] = {{1, 1, 0, 0, 1}, {0, 1, 1, 0, 0}, {0, 0, 0, 1, 1}, {1, 0, 1, 1, 0}};

constexpr uint8_t gfMul(uint8_t a, uint8_t b, unsigned polynomial)
{
    unsigned product = 0;
    unsigned shifted = a;
    for (; b != 0; b >>= 1) {
        if (b & 1)
            product ^= shifted;
        shifted <<= 1;
        if (shifted & 0x100)
            shifted ^= polynomial;
    }
    return static_cast<uint8_t>(product);
}

constexpr uint8_t ror4(uint8_t x)
{
    return static_cast<uint8_t>(((x >> 1) | (x << 3)) & 0xF);
}

// Section 4.3.5: one q permutation from its t-tables, nibble by nibble.
constexpr uint8_t qPermute(const uint8_t (&t)[4][16], uint8_t x)
{
    const uint8_t a0 = x >> 4, b0 = x & 0xF;
    const uint8_t a1 = a0 ^ b0, b1 = (a0 ^ ror4(b0) ^ (a0 << 3)) & 0xF;
    const uint8_t a2 = t[0][a1], b2 = t[1][b1];
    const uint8_t a3 = a2 ^ b2, b3 = (a2 ^ ror4(b2) ^ (a2 << 3)) & 0xF;
    const uint8_t a4 = t[2][a3], b4 = t[3][b3];
    return static_cast<uint8_t>((b4 << 4) | a4);
}

struct Tables
{
    uint8_t q[2][256];
    uint32_t mds[4][256]; // column j of the MDS matrix times the byte: the word h() XORs in for lane j
};

constexpr Tables makeTables()
{
    Tables t{};
    for (int x = 0; x < 256; ++x) {
        for (int which = 0; which < 2; ++which)
            t.q[which][x] = qPermute(kQt[which], static_cast<uint8_t>(x));
        for (int column = 0; column < 4; ++column) {
            uint32_t word = 0;
            for (int row = 0; row < 4; ++row)
                word |= uint32_t(gfMul(kMds[row][column], static_cast<uint8_t>(x), 0x169)) << (8 * row);
            t.mds[column][x] = word;
        }
    }
    return t;
}

constexpr Tables kTables = makeTables();

// Spot checks against the paper's tables (q0 and q1 start A9 67 and 75 F3).
static_assert(kTables.q[0][0] == 0xA9 && kTables.q[0][1] == 0x67);
static_assert(kTables.q[1][0] == 0x75 && kTables.q[1][1] == 0xF3);

constexpr uint8_t byteOf(uint32_t word, int lane)
{
    return static_cast<uint8_t>(word >> (8 * lane));
}

uint32_t load32(const uint8_t* p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void store32(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v >> 16);
    p[3] = static_cast<uint8_t>(v >> 24);
}

// One byte lane of h() before the MDS matrix: alternating q lookups and XORs with byte `lane` of the
// list words l[k-1] .. l[0] (k = number of 64-bit key words).
uint8_t hLane(int lane, uint8_t x, const uint32_t* l, int k)
{
    const auto& q = kTables.q;
    uint8_t y = x;
    if (k == 4)
        y = q[kQOrder[lane][0]][y] ^ byteOf(l[3], lane);
    if (k >= 3)
        y = q[kQOrder[lane][1]][y] ^ byteOf(l[2], lane);
    y = q[kQOrder[lane][2]][y] ^ byteOf(l[1], lane);
    y = q[kQOrder[lane][3]][y] ^ byteOf(l[0], lane);
    return q[kQOrder[lane][4]][y];
}

uint32_t h(uint32_t x, const uint32_t* l, int k)
{
    uint32_t z = 0;
    for (int lane = 0; lane < 4; ++lane)
        z ^= kTables.mds[lane][hLane(lane, byteOf(x, lane), l, k)];
    return z;
}

} // namespace

TwofishBlockCipher::TwofishBlockCipher(std::span<const uint8_t> key)
{
    Q_ASSERT(keySizeSupported(key.size()));
    const int k = static_cast<int>(key.size() / 8);
    // Section 4.3: Me/Mo are the even/odd little-endian key words; S comes from the RS matrix over each
    // 8-byte key group, in reverse order (S_{k-1} first).
    uint32_t me[4] = {}, mo[4] = {}, s[4] = {};
    for (int i = 0; i < k; ++i) {
        me[i] = load32(key.data() + 8 * i);
        mo[i] = load32(key.data() + 8 * i + 4);
        uint32_t word = 0;
        for (int row = 0; row < 4; ++row) {
            uint8_t acc = 0;
            for (int column = 0; column < 8; ++column)
                acc ^= gfMul(kRs[row][column], key[8 * i + column], 0x14D);
            word |= uint32_t(acc) << (8 * row);
        }
        s[k - 1 - i] = word;
    }

    // Section 4.3.2: the expanded key words, A_i + B_i and ROL(A_i + 2 B_i, 9) after the PHT.
    constexpr uint32_t rho = 0x01010101;
    for (uint32_t i = 0; i < 20; ++i) {
        const uint32_t a = h(2 * i * rho, me, k);
        const uint32_t b = std::rotl(h((2 * i + 1) * rho, mo, k), 8);
        m_subkeys[2 * i] = a + b;
        m_subkeys[2 * i + 1] = std::rotl(a + 2 * b, 9);
    }

    // g(X) = h(X, S): each lane depends only on its own input byte, so the whole chain including the
    // MDS column is tabulated once per key ("full keying" in section 5.4 of the paper).
    for (int lane = 0; lane < 4; ++lane) {
        for (int x = 0; x < 256; ++x)
            m_sbox[lane][x] = kTables.mds[lane][hLane(lane, static_cast<uint8_t>(x), s, k)];
    }
    OPENSSL_cleanse(me, sizeof me);
    OPENSSL_cleanse(mo, sizeof mo);
    OPENSSL_cleanse(s, sizeof s);
}

TwofishBlockCipher::~TwofishBlockCipher()
{
    OPENSSL_cleanse(m_subkeys.data(), sizeof m_subkeys);
    OPENSSL_cleanse(m_sbox.data(), sizeof m_sbox);
}

inline uint32_t TwofishBlockCipher::g(uint32_t x) const
{
    return m_sbox[0][x & 0xFF] ^ m_sbox[1][(x >> 8) & 0xFF] ^ m_sbox[2][(x >> 16) & 0xFF] ^
           m_sbox[3][x >> 24];
}

// Two rounds per loop step so the halves never need swapping: after an even number of rounds (a, b, c, d)
// is the specification's R_r, and the final "undo last swap" becomes the output order c, d, a, b.
void TwofishBlockCipher::encrypt(const uint8_t* in, uint8_t* out, size_t bytes)
{
    const uint32_t* key = m_subkeys.data();
    for (size_t off = 0; off + 16 <= bytes; off += 16) {
        uint32_t a = load32(in + off) ^ key[0];
        uint32_t b = load32(in + off + 4) ^ key[1];
        uint32_t c = load32(in + off + 8) ^ key[2];
        uint32_t d = load32(in + off + 12) ^ key[3];
        for (int r = 0; r < 16; r += 2) {
            uint32_t t0 = g(a);
            uint32_t t1 = g(std::rotl(b, 8));
            c = std::rotr(c ^ (t0 + t1 + key[8 + 2 * r]), 1);
            d = std::rotl(d, 1) ^ (t0 + 2 * t1 + key[9 + 2 * r]);
            t0 = g(c);
            t1 = g(std::rotl(d, 8));
            a = std::rotr(a ^ (t0 + t1 + key[10 + 2 * r]), 1);
            b = std::rotl(b, 1) ^ (t0 + 2 * t1 + key[11 + 2 * r]);
        }
        store32(out + off, c ^ key[4]);
        store32(out + off + 4, d ^ key[5]);
        store32(out + off + 8, a ^ key[6]);
        store32(out + off + 12, b ^ key[7]);
    }
}

void TwofishBlockCipher::decrypt(const uint8_t* in, uint8_t* out, size_t bytes)
{
    const uint32_t* key = m_subkeys.data();
    for (size_t off = 0; off + 16 <= bytes; off += 16) {
        uint32_t c = load32(in + off) ^ key[4];
        uint32_t d = load32(in + off + 4) ^ key[5];
        uint32_t a = load32(in + off + 8) ^ key[6];
        uint32_t b = load32(in + off + 12) ^ key[7];
        for (int r = 14; r >= 0; r -= 2) {
            uint32_t t0 = g(c);
            uint32_t t1 = g(std::rotl(d, 8));
            a = std::rotl(a, 1) ^ (t0 + t1 + key[10 + 2 * r]);
            b = std::rotr(b ^ (t0 + 2 * t1 + key[11 + 2 * r]), 1);
            t0 = g(a);
            t1 = g(std::rotl(b, 8));
            c = std::rotl(c, 1) ^ (t0 + t1 + key[8 + 2 * r]);
            d = std::rotr(d ^ (t0 + 2 * t1 + key[9 + 2 * r]), 1);
        }
        store32(out + off, a ^ key[0]);
        store32(out + off + 4, b ^ key[1]);
        store32(out + off + 8, c ^ key[2]);
        store32(out + off + 12, d ^ key[3]);
    }
}

std::unique_ptr<BlockCipher> TwofishBlockCipher::clone() const
{
    return std::make_unique<TwofishBlockCipher>(*this);
}

} // namespace cryptstack
