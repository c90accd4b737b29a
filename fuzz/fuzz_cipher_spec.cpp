// The crypt target's cipher argument. Input: byte 0 is the key size in bytes; byte 1 holds flags
// (bit 0: integrity:<n>:aead requested, bits 1–2: sector size 512 << n, bit 3: iv_large_sectors);
// the rest is the spec as UTF-8. A parsed spec goes through CipherSetBuilder::prepare; a prepared
// one is keyed with a fixed pattern and must decrypt what it encrypted, at sector 0 and on both
// sides of 2^32.
#include "FuzzSupport.h"
#include "crypt/CipherSetBuilder.h"

#include <vector>

namespace cryptstack::fuzz {

namespace {

constexpr const char* Name = "cipher_spec";

void checkRoundTrip(CipherSet& set, unsigned sectorSize, uint64_t sector512)
{
    std::vector<uint8_t> plain(2 * sectorSize);
    for (size_t i = 0; i < plain.size(); ++i)
        plain[i] = uint8_t(i * 131 + sector512);
    std::vector<uint8_t> cipher(plain.size());
    std::vector<uint8_t> input = plain; // convert may not modify a write's input, but check that too
    if (!set.convert(true, sector512, input.data(), cipher.data(), cipher.size()))
        return;
    CRYPTSTACK_FUZZ_CHECK(Name, input == plain, QStringLiteral("encryption modified its input"));
    if (!set.convert(false, sector512, cipher.data(), cipher.data(), cipher.size()))
        fail(Name, QStringLiteral("decryption failed after encryption worked (sector %1)").arg(sector512));
    CRYPTSTACK_FUZZ_CHECK(Name, cipher == plain,
                          QStringLiteral("decrypt(encrypt(x)) != x at sector %1").arg(sector512));
}

} // namespace

int cipherSpec(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    const size_t keySize = data[0];
    const uint8_t flags = data[1];
    const bool aead = flags & 1;
    const unsigned sectorSize = 512u << ((flags >> 1) & 3);
    const bool ivLargeSectors = flags & 8;
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data + 2), qsizetype(size - 2));

    auto spec = CipherSpec::parse(text, aead);
    if (!spec) {
        CRYPTSTACK_FUZZ_CHECK(Name, !spec.message().isEmpty(), QStringLiteral("error without a message"));
        return 0;
    }
    CRYPTSTACK_FUZZ_CHECK(Name, spec->text == text, QStringLiteral("spec text not kept verbatim"));
    CRYPTSTACK_FUZZ_CHECK(Name, spec->keyCount >= 1 && (spec->keyCount & (spec->keyCount - 1)) == 0,
                          QStringLiteral("key count %1 is not a power of two").arg(spec->keyCount));
    auto builder = CipherSetBuilder::prepare(spec.value(), keySize);
    if (!builder)
        return 0;
    SecureBuffer key(keySize);
    for (size_t i = 0; i < keySize; ++i)
        key.data()[i] = uint8_t(0x5a + 29 * i);
    auto set = builder->build(key, sectorSize, ivLargeSectors, 0);
    if (!set)
        return 0;
    // lmk and tcw fold the IV into the first block after CBC decryption, as the kernel does: over
    // any other mode they do not invert (in the kernel either), so only CBC is round-tripped.
    if ((spec->ivMode == u"lmk" || spec->ivMode == u"tcw") && spec->chainMode != u"cbc")
        return 0;
    for (uint64_t sector : {uint64_t(0), uint64_t(0xffffffffu) - 7, uint64_t(0xffffffffu) + 1})
        checkRoundTrip(*set.value(), sectorSize, sector - sector % (sectorSize / 512));
    auto clone = set.value()->clone();
    checkRoundTrip(*clone, sectorSize, 0);
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::cipherSpec)
