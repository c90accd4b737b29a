// The crypto the volume formats share, against answers from implementations we did not write:
// PBKDF2 (RFC 6070, RFC 7914), Argon2 (the reference implementation's argon2 tool), the AF
// splitter and plain-mode key hashing (reference/luks.md §2.5, §6.1, both verified against
// cryptsetup 2.6.1), keyslot encryption against images cryptsetup formats while the test runs,
// and cryptsetup's PBKDF parameter rules (§5.2).
#include "formats/AfSplitter.h"
#include "formats/Base64.h"
#include "formats/CipherNames.h"
#include "formats/ConstantTime.h"
#include "formats/KeyslotCipher.h"
#include "formats/Pbkdf.h"
#include "formats/PlainKey.h"
#include "formats/SecureRandom.h"
#include "formats/Uuid.h"

#include "TestImages.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace cryptstack;

namespace {

std::span<const uint8_t> bytes(const QByteArray& data)
{
    return {reinterpret_cast<const uint8_t*>(data.constData()), static_cast<size_t>(data.size())};
}

std::span<uint8_t> bytes(QByteArray& data)
{
    return {reinterpret_cast<uint8_t*>(data.data()), static_cast<size_t>(data.size())};
}

QByteArray toBytes(const SecureBuffer& buffer)
{
    return QByteArray(reinterpret_cast<const char*>(buffer.data()), static_cast<qsizetype>(buffer.size()));
}

QByteArray ascending(int length)
{
    QByteArray out(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        out[i] = static_cast<char>(i);
    return out;
}

uint32_t be32(const QByteArray& data, qsizetype offset)
{
    return uint32_t(uint8_t(data[offset])) << 24 | uint32_t(uint8_t(data[offset + 1])) << 16 |
           uint32_t(uint8_t(data[offset + 2])) << 8 | uint32_t(uint8_t(data[offset + 3]));
}

// A NUL-terminated string field of a LUKS1 header.
QString field(const QByteArray& data, qsizetype offset, qsizetype size)
{
    const QByteArray raw = data.mid(offset, size);
    return QString::fromLatin1(raw.left(raw.indexOf('\0') < 0 ? size : raw.indexOf('\0')));
}

double cpuMs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

QString cryptsetupPath()
{
    QString path = QStandardPaths::findExecutable(QStringLiteral("cryptsetup"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("cryptsetup"),
                                              {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    return path;
}

} // namespace

class TestFormatCrypto : public QObject
{
    Q_OBJECT

private slots:
    void pbkdf2KnownAnswers_data();
    void pbkdf2KnownAnswers();
    void argon2KnownAnswers_data();
    void argon2KnownAnswers();
    void deriveRefusals_data();
    void deriveRefusals();

    void afDiffuse_data();
    void afDiffuse();
    void afMerge_data();
    void afMerge();
    void afRoundTrip_data();
    void afRoundTrip();
    void afSizesAndRefusals();

    void plainKeyKnownAnswers_data();
    void plainKeyKnownAnswers();
    void plainKeyErrors_data();
    void plainKeyErrors();
    void plainKeyWithoutHash();

    void cipherNames_data();
    void cipherNames();
    void keyslotAgainstCryptsetup_data();
    void keyslotAgainstCryptsetup();
    void keyslotRoundTrip_data();
    void keyslotRoundTrip();
    void keyslotRefusals_data();
    void keyslotRefusals();

    void resolveChecks_data();
    void resolveChecks();
    void resolvePbkdf2Benchmark();
    void resolveArgon2Benchmark();
    void resolveCancel();
    void digestIterations();
    void limits();

    void base64_data();
    void base64();
    void base64Rejects_data();
    void base64Rejects();
    void uuid_data();
    void uuid();
    void uuidGenerate();
    void constantTime();
    void secureRandom();
};

// --- PBKDF2 and Argon2 ---------------------------------------------------------------------------

void TestFormatCrypto::pbkdf2KnownAnswers_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<QByteArray>("salt");
    QTest::addColumn<uint32_t>("iterations");
    QTest::addColumn<QByteArray>("expected");
    auto row = [](const char* name, const char* hash, QByteArray password, QByteArray salt,
                  uint32_t iterations, const char* hex) {
        QTest::newRow(name) << QString::fromLatin1(hash) << password << salt << iterations
                            << QByteArray::fromHex(hex);
    };
    // RFC 6070 §2 (PBKDF2-HMAC-SHA1); the 16777216-iteration case is left out for time.
    row("rfc6070 c=1", "sha1", "password", "salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6");
    row("rfc6070 c=2", "sha1", "password", "salt", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    row("rfc6070 c=4096", "sha1", "password", "salt", 4096, "4b007901b765489abead49d926f721d065a429c1");
    row("rfc6070 long", "sha1", "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096,
        "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
    row("rfc6070 nul", "sha1", QByteArray("pass\0word", 9), QByteArray("sa\0lt", 5), 4096,
        "56fa6aa75548099dcc37d7f03425e0c3");
    // RFC 7914 §11 (PBKDF2-HMAC-SHA256).
    row("rfc7914 c=1", "sha256", "passwd", "salt", 1,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    row("rfc7914 c=80000", "sha256", "Password", "NaCl", 80000,
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

void TestFormatCrypto::pbkdf2KnownAnswers()
{
    QFETCH(QString, hash);
    QFETCH(QByteArray, password);
    QFETCH(QByteArray, salt);
    QFETCH(uint32_t, iterations);
    QFETCH(QByteArray, expected);
    KdfParams params;
    params.type = QStringLiteral("pbkdf2");
    params.hash = hash;
    params.iterations = iterations;
    QByteArray out(expected.size(), '\0');
    const Status status = Pbkdf::derive(params, bytes(password), bytes(salt), bytes(out));
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(out.toHex(), expected.toHex());
}

void TestFormatCrypto::argon2KnownAnswers_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<QByteArray>("salt");
    QTest::addColumn<uint32_t>("time");
    QTest::addColumn<uint32_t>("memory");
    QTest::addColumn<uint32_t>("parallel");
    QTest::addColumn<QByteArray>("expected");
    // RFC 9106's vectors need a secret and associated data, which keyslots never use. These come
    // from the reference implementation's command-line tool (Debian package argon2,
    // 0~20171227-0.3+deb12u1), version 0x13, e.g.
    //   printf 'password' | argon2 somesalt -i -t 2 -m 16 -p 4 -l 24 -r
    // The first row is also the example in the phc-winner-argon2 README.
    auto row = [](const char* name, const char* type, const char* password, const char* salt, uint32_t time,
                  uint32_t memory, uint32_t parallel, const char* hex) {
        QTest::newRow(name) << QString::fromLatin1(type) << QByteArray(password) << QByteArray(salt) << time
                            << memory << parallel << QByteArray::fromHex(hex);
    };
    // argon2 somesalt -i -t 2 -m 16 -p 4 -l 24 -r
    row("i t2 m64MiB p4", "argon2i", "password", "somesalt", 2, 65536, 4,
        "45d7ac72e76f242b20b77b9bf9bf9d5915894e669a24e6c6");
    // argon2 somesalt -id -t 2 -m 16 -p 4 -l 24 -r
    row("id t2 m64MiB p4", "argon2id", "password", "somesalt", 2, 65536, 4,
        "1758c6d82577fcdafec91b88b0f2b0d09f6be2cedc247054");
    // argon2 0123456789abcdef0123456789abcdef -id -t 4 -k 1024 -p 1 -l 64 -r (the benchmark's inputs)
    row("id t4 m1MiB p1 l64", "argon2id", "foobarfo", "0123456789abcdef0123456789abcdef", 4, 1024, 1,
        "3d3c4bf34b59d40302e8e8b8f5dc0fc285869005f0e82adfc51ae35c15b071e7"
        "130df1ff6efbe17261989d5a2d84a4673f5ac2994e882042fb5bd9a59830430f");
    // argon2 saltsaltsaltsalt -i -t 4 -k 32 -p 4 -l 32 -r (the smallest memory LUKS2 allows)
    row("i t4 m32KiB p4", "argon2i", "pw", "saltsaltsaltsalt", 4, 32, 4,
        "16f23068ef4c71e17163f81a47b11e5c30cd2a003cc4cbdefdbc2033775da142");
    // argon2 saltsaltsaltsalt -id -t 5 -k 100 -p 2 -l 32 -r (memory not a multiple of 4 × lanes)
    row("id t5 m100KiB p2", "argon2id", "pw", "saltsaltsaltsalt", 5, 100, 2,
        "9d57c6e674cd2a55b5122e8bf4670d5258ad3762093490f7dd9d935682cd64c5");
}

void TestFormatCrypto::argon2KnownAnswers()
{
    QFETCH(QString, type);
    QFETCH(QByteArray, password);
    QFETCH(QByteArray, salt);
    QFETCH(uint32_t, time);
    QFETCH(uint32_t, memory);
    QFETCH(uint32_t, parallel);
    QFETCH(QByteArray, expected);
    KdfParams params;
    params.type = type;
    params.iterations = time;
    params.memoryKiB = memory;
    params.parallel = parallel;
    QByteArray out(expected.size(), '\0');
    const Status status = Pbkdf::derive(params, bytes(password), bytes(salt), bytes(out));
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(out.toHex(), expected.toHex());
}

void TestFormatCrypto::deriveRefusals_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("hash");
    QTest::addColumn<uint32_t>("iterations");
    QTest::addColumn<uint32_t>("memory");
    QTest::addColumn<uint32_t>("parallel");
    QTest::addColumn<int>("code");
    const int unsupported = int(ErrorCode::NotSupported);
    const int invalid = int(ErrorCode::InvalidArgument);
    QTest::newRow("unknown type") << "scrypt"
                                  << "sha256" << 1000u << 0u << 0u << unsupported;
    QTest::newRow("unknown hash") << "pbkdf2"
                                  << "sha999" << 1000u << 0u << 0u << unsupported;
    QTest::newRow("pbkdf2 zero iterations") << "pbkdf2"
                                            << "sha256" << 0u << 0u << 0u << invalid;
    QTest::newRow("pbkdf2 above INT_MAX") << "pbkdf2"
                                          << "sha256" << 0x80000000u << 0u << 0u << invalid;
    QTest::newRow("argon2 no lanes") << "argon2id"
                                     << "" << 4u << 1024u << 0u << invalid;
    QTest::newRow("argon2 memory < 8 x lanes") << "argon2i"
                                               << "" << 4u << 16u << 4u << invalid;
    QTest::newRow("argon2 zero time") << "argon2id"
                                      << "" << 0u << 1024u << 1u << invalid;
}

void TestFormatCrypto::deriveRefusals()
{
    QFETCH(QString, type);
    QFETCH(QString, hash);
    QFETCH(uint32_t, iterations);
    QFETCH(uint32_t, memory);
    QFETCH(uint32_t, parallel);
    QFETCH(int, code);
    KdfParams params{type, hash, iterations, memory, parallel};
    const QByteArray password("pw");
    const QByteArray salt(32, 's');
    QByteArray out(32, '\0');
    const Status status = Pbkdf::derive(params, bytes(password), bytes(salt), bytes(out));
    QVERIFY(!status);
    QCOMPARE(int(status.code()), code);
    QVERIFY(!status.message().isEmpty());
}

// --- AF splitter ---------------------------------------------------------------------------------

void TestFormatCrypto::afDiffuse_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    // reference/luks.md §2.5 (verified against cryptsetup 2.6.1 images).
    QTest::newRow("sha256 L=32") << "sha256" << ascending(32)
                                 << QByteArray::fromHex(
                                        "bff51a6d513395979e3a870c8483769a5a70002e6e32c146c53e1d2edc467002");
    QTest::newRow("sha1 L=32 (partial last block)")
        << "sha1" << ascending(32)
        << QByteArray::fromHex("84e066de1e0d3544386085dd64a6451af137c6f0348ec54d3df31b787d1ba9d0");
    QTest::newRow("sha256 L=64") << "sha256" << ascending(64)
                                 << QByteArray::fromHex(
                                        "bff51a6d513395979e3a870c8483769a5a70002e6e32c146c53e1d2edc467002"
                                        "b32f0e0ffb9565b7420f28f7178244f549461806e38b750e2d47de25d70e9049");
}

void TestFormatCrypto::afDiffuse()
{
    // With two stripes, merge gives D(s0) XOR s1; a zero s1 exposes the diffuser itself.
    QFETCH(QString, hash);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    const QByteArray material = input + QByteArray(input.size(), '\0');
    QByteArray key(input.size(), '\0');
    const Status status = AfSplitter::merge(bytes(material), 2, hash, bytes(key));
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(key.toHex(), expected.toHex());
}

void TestFormatCrypto::afMerge_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<QByteArray>("expected");
    // reference/luks.md §2.5: 4000 stripes, stripe i byte j = (7i + j) mod 256.
    QTest::newRow("sha256 L=32") << "sha256" << 32
                                 << QByteArray::fromHex(
                                        "97be30f3c2c051ba80da6e3fe5c21af9c9875cb248d8d2709faf9170f45537a8");
    QTest::newRow("sha1 L=64") << "sha1" << 64
                               << QByteArray::fromHex(
                                      "bd880f05f7d74dae3998417998ed8ba1f3f96ede0250a5c658c4de3b6082475a"
                                      "12eca6a5ec9241d0e7aaa4ae782fc904914f7f370cfbc4a5700d196a7ad36244");
}

void TestFormatCrypto::afMerge()
{
    QFETCH(QString, hash);
    QFETCH(int, keyBytes);
    QFETCH(QByteArray, expected);
    const unsigned stripes = 4000;
    QByteArray material(keyBytes * int(stripes), Qt::Uninitialized);
    for (int i = 0; i < int(stripes); ++i) {
        for (int j = 0; j < keyBytes; ++j)
            material[i * keyBytes + j] = static_cast<char>((7 * i + j) % 256);
    }
    QByteArray key(keyBytes, '\0');
    const Status status = AfSplitter::merge(bytes(material), stripes, hash, bytes(key));
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(key.toHex(), expected.toHex());
}

void TestFormatCrypto::afRoundTrip_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<int>("keyBytes");
    for (const QString& hash :
         {QStringLiteral("sha1"), QStringLiteral("sha256"), QStringLiteral("sha512"),
          QStringLiteral("ripemd160"), QStringLiteral("whirlpool"), QStringLiteral("sha3-256")}) {
        for (int keyBytes : {16, 32, 33, 64}) {
            const QByteArray row = QStringLiteral("%1 L=%2").arg(hash).arg(keyBytes).toUtf8();
            QTest::newRow(row.constData()) << hash << keyBytes;
        }
    }
}

void TestFormatCrypto::afRoundTrip()
{
    QFETCH(QString, hash);
    QFETCH(int, keyBytes);
    const unsigned stripes = 4000;
    const QByteArray key = test::patternBytes(uint32_t(keyBytes), 0, keyBytes);
    QByteArray material(qsizetype(AfSplitter::splitBytes(size_t(keyBytes), stripes)), '\0');
    QCOMPARE(material.size(), keyBytes * 4000);
    Status status = AfSplitter::split(bytes(key), stripes, hash, bytes(material));
    QVERIFY2(status, qPrintable(status.message()));
    QVERIFY(!material.contains(key)); // the key itself is nowhere in the stripes
    QByteArray merged(keyBytes, '\0');
    status = AfSplitter::merge(bytes(material), stripes, hash, bytes(merged));
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(merged.toHex(), key.toHex());
    // Every stripe matters: one flipped bit anywhere gives a different key.
    material[qsizetype(keyBytes) * 1234 + 5] ^= 1;
    QVERIFY(AfSplitter::merge(bytes(material), stripes, hash, bytes(merged)));
    QVERIFY(merged != key);
    // Two splits of the same key differ (fresh random stripes).
    QByteArray again(material.size(), '\0');
    QVERIFY(AfSplitter::split(bytes(key), stripes, hash, bytes(again)));
    QVERIFY(again.left(keyBytes) != material.left(keyBytes));
}

void TestFormatCrypto::afSizesAndRefusals()
{
    // reference/luks.md §2.3.
    QCOMPARE(AfSplitter::splitBytes(16, 4000), size_t(64000));
    QCOMPARE(AfSplitter::splitSectors(16, 4000), size_t(125));
    QCOMPARE(AfSplitter::splitSectors(32, 4000), size_t(250));
    QCOMPARE(AfSplitter::splitSectors(64, 4000), size_t(500));
    QCOMPARE(AfSplitter::splitSectors(24, 4000), size_t(188)); // 96000 bytes, rounded up
    QByteArray key(32, 'k');
    QByteArray small(100, '\0');
    QVERIFY(!AfSplitter::split(bytes(key), 4000, QStringLiteral("sha256"), bytes(small)));
    QByteArray material(32 * 4000, '\0');
    const Status unknown = AfSplitter::merge(bytes(material), 4000, QStringLiteral("sha999"), bytes(key));
    QCOMPARE(unknown.code(), ErrorCode::NotSupported);
    QCOMPARE(unknown.message(), QStringLiteral("Hash algorithm sha999 not supported."));
    QVERIFY(!AfSplitter::merge(bytes(material), 0, QStringLiteral("sha256"), bytes(key)));
}

// --- Plain mode ----------------------------------------------------------------------------------

void TestFormatCrypto::plainKeyKnownAnswers_data()
{
    QTest::addColumn<QString>("hashSpec");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<QByteArray>("expected");
    // reference/luks.md §6.1, every row verified against the table cryptsetup 2.6.1 builds.
    QTest::newRow("ripemd160 pw") << "ripemd160" << QByteArray("pw") << 32
                                  << QByteArray::fromHex(
                                         "f43812dd5d3d19175eaf2196a9a0b6251a97a059ef6847331f400afcc0389dbc");
    QTest::newRow("ripemd160 pw\\n")
        << "ripemd160" << QByteArray("pw\n") << 32
        << QByteArray::fromHex("a7912e3128566c546bd1886692cff730d5615108cbfed94ba05b7480725dbdc2");
    QTest::newRow("sha256 K=64") << "sha256" << QByteArray("pw") << 64
                                 << QByteArray::fromHex(
                                        "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
                                        "a41b5408f03fd9e6d556251d9ecb1b3824f9ddf5019e112a65055150ab233002");
    QTest::newRow("sha1 K=64") << "sha1" << QByteArray("pw") << 64
                               << QByteArray::fromHex(
                                      "1a91d62f7ca67399625a4368a6ab5d4a3baa607388dc22ce537380cc9b030225"
                                      "4f8d0bd757d248e89b86cf1a2d9b3d3a2fe71864990a4ceaf9de9f8a0e024aa8");
    QTest::newRow("sha256:16 K=32") << "sha256:16" << QByteArray("pw") << 32
                                    << QByteArray::fromHex("30c952fab122c3f9759f02a6d95c3758") +
                                           QByteArray(16, '\0');
    // "plain" copies the passphrase; extra bytes are ignored, :N pads with zeroes.
    QTest::newRow("plain") << "plain" << QByteArray("0123456789abcdefXYZ") << 16
                           << QByteArray("0123456789abcdef");
    QTest::newRow("plain:4") << "plain:4" << QByteArray("pw12") << 8
                             << QByteArray("pw12") + QByteArray(4, '\0');
    QTest::newRow("sha256:0") << "sha256:0" << QByteArray("pw") << 8 << QByteArray(8, '\0');
}

void TestFormatCrypto::plainKeyKnownAnswers()
{
    QFETCH(QString, hashSpec);
    QFETCH(QByteArray, passphrase);
    QFETCH(int, keyBytes);
    QFETCH(QByteArray, expected);
    const auto key = PlainKey::derive(hashSpec, bytes(passphrase), size_t(keyBytes));
    QVERIFY2(key, qPrintable(key.message()));
    QVERIFY(key->size() == size_t(keyBytes));
    QCOMPARE(toBytes(key.value()).toHex(), expected.toHex());
}

void TestFormatCrypto::plainKeyErrors_data()
{
    QTest::addColumn<QString>("hashSpec");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<QString>("message");
    QTest::newRow(":N > K") << "sha256:33" << QByteArray("pw") << 32
                            << "Key processing error (using hash sha256:33).";
    QTest::newRow("plain short") << "plain" << QByteArray("short") << 32
                                 << "Key processing error (using hash plain).";
    QTest::newRow("plain:N short") << "plain:8" << QByteArray("short") << 32
                                   << "Key processing error (using hash plain:8).";
    QTest::newRow(":N not a number") << "sha256:x" << QByteArray("pw") << 32
                                     << "Key processing error (using hash sha256:x).";
    QTest::newRow(":N empty") << "sha256:" << QByteArray("pw") << 32
                              << "Key processing error (using hash sha256:).";
    QTest::newRow("unknown hash") << "sha999" << QByteArray("pw") << 32
                                  << "Hash algorithm sha999 not supported.";
    QTest::newRow("zero key size") << "sha256" << QByteArray("pw") << 0
                                   << "Key processing error (using hash sha256).";
}

void TestFormatCrypto::plainKeyErrors()
{
    QFETCH(QString, hashSpec);
    QFETCH(QByteArray, passphrase);
    QFETCH(int, keyBytes);
    QFETCH(QString, message);
    const auto key = PlainKey::derive(hashSpec, bytes(passphrase), size_t(keyBytes));
    QVERIFY(!key);
    QCOMPARE(key.status().code(), ErrorCode::InvalidArgument);
    QCOMPARE(key.message(), message);
}

void TestFormatCrypto::plainKeyWithoutHash()
{
    // The CLI's --hash plain and key files: a short input is zero-padded (luks.md §6.1: "short" →
    // 73686f7274 + zeros), a long one cut.
    const auto padded = PlainKey::withoutHash(bytes(QByteArray("short")), 32);
    QVERIFY(padded);
    QCOMPARE(toBytes(padded.value()).toHex(), QByteArray("73686f7274") + QByteArray(54, '0'));
    const QByteArray input = ascending(80);
    const auto cut = PlainKey::withoutHash(bytes(input), 64);
    QVERIFY(cut);
    QCOMPARE(toBytes(cut.value()), input.left(64));
    QVERIFY(!PlainKey::withoutHash(bytes(input), 0));
}

// --- Cipher names and keyslot encryption --------------------------------------------------------

void TestFormatCrypto::cipherNames_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<QString>("mode");
    // reference/luks.md §2.4 (crypt_parse_name_and_mode). Empty cipher: refused.
    QTest::newRow("joined") << "aes-xts-plain64"
                            << "aes"
                            << "xts-plain64";
    QTest::newRow("essiv") << "serpent-cbc-essiv:sha256"
                           << "serpent"
                           << "cbc-essiv:sha256";
    QTest::newRow("aes alone") << "aes"
                               << "aes"
                               << "cbc-plain";
    QTest::newRow("aes-plain") << "aes-plain"
                               << "aes"
                               << "cbc-plain";
    QTest::newRow("null") << "null"
                          << "cipher_null"
                          << "ecb";
    QTest::newRow("cipher_null") << "cipher_null"
                                 << "cipher_null"
                                 << "ecb";
    QTest::newRow("cipher_null-ecb") << "cipher_null-ecb"
                                     << "cipher_null"
                                     << "ecb";
    QTest::newRow("ecb") << "aes-ecb"
                         << "aes"
                         << "ecb";
    QTest::newRow("key count") << "aes:2-cbc-lmk"
                               << "aes:2"
                               << "cbc-lmk";
    QTest::newRow("empty") << ""
                           << ""
                           << "";
    QTest::newRow("no name") << "-xts-plain64"
                             << ""
                             << "";
    QTest::newRow("zero key count") << "aes:0-cbc-plain"
                                    << ""
                                    << "";
    QTest::newRow("name too long") << QString(33, u'a') + u"-ecb" << ""
                                   << "";
}

void TestFormatCrypto::cipherNames()
{
    QFETCH(QString, spec);
    QFETCH(QString, cipher);
    QFETCH(QString, mode);
    const auto split = CipherNames::split(spec);
    if (cipher.isEmpty()) {
        QVERIFY(!split);
        return;
    }
    QVERIFY(split);
    QCOMPARE(split->cipher, cipher);
    QCOMPARE(split->mode, mode);
    // LUKS1 stores the parts; normalising them again changes nothing.
    const auto again = CipherNames::normalise(split->cipher, split->mode);
    QVERIFY(again);
    QCOMPARE(again->joined(), split->joined());
}

void TestFormatCrypto::keyslotAgainstCryptsetup_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("keyBits");
    QTest::addColumn<QString>("hash");
    // Ciphers cryptsetup's userspace backend handles (others need device-mapper, i.e. root).
    QTest::newRow("aes-xts-plain64 512 sha512") << "aes-xts-plain64" << 512 << "sha512";
    QTest::newRow("aes-xts-plain64 256 sha256") << "aes-xts-plain64" << 256 << "sha256";
    QTest::newRow("aes-cbc-essiv:sha256 256") << "aes-cbc-essiv:sha256" << 256 << "sha256";
    QTest::newRow("aes-cbc-plain64 128 sha1") << "aes-cbc-plain64" << 128 << "sha1";
    QTest::newRow("aes (cbc-plain) 256") << "aes" << 256 << "sha256";
    QTest::newRow("aes-cbc-benbi 256") << "aes-cbc-benbi" << 256 << "sha256";
    QTest::newRow("aes-xts-plain64be 256 sha1") << "aes-xts-plain64be" << 256 << "sha1";
    QTest::newRow("aes-cbc-eboiv 128") << "aes-cbc-eboiv" << 128 << "sha256";
    QTest::newRow("aes-cbc-null 256 ripemd160") << "aes-cbc-null" << 256 << "ripemd160";
    QTest::newRow("aes-ecb 192 whirlpool") << "aes-ecb" << 192 << "whirlpool";
    QTest::newRow("aes-cbc-plain 256 sha3-256") << "aes-cbc-plain" << 256 << "sha3-256";
}

void TestFormatCrypto::keyslotAgainstCryptsetup()
{
    QFETCH(QString, cipher);
    QFETCH(int, keyBits);
    QFETCH(QString, hash);
    const QString cryptsetup = cryptsetupPath();
    if (cryptsetup.isEmpty())
        QFAIL("cryptsetup is not installed: keyslot encryption cannot be checked against it");

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString image = dir.filePath(QStringLiteral("luks1.img"));
    const QString keyFile = dir.filePath(QStringLiteral("pw"));
    const QByteArray passphrase("correct horse");
    {
        QFile file(keyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(passphrase);
        QFile img(image);
        QVERIFY(img.open(QIODevice::WriteOnly));
        QVERIFY(img.resize(4 << 20));
    }
    auto run = [&](const QStringList& arguments, QByteArray* output) {
        QProcess process;
        process.start(cryptsetup, arguments);
        if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit ||
            process.exitCode() != 0) {
            qWarning("cryptsetup %s: %s", qPrintable(arguments.join(u' ')),
                     process.readAllStandardError().constData());
            return false;
        }
        if (output)
            *output = process.readAllStandardOutput();
        return true;
    };
    QVERIFY(run({QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                 QStringLiteral("luks1"), QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000"),
                 QStringLiteral("-c"), cipher, QStringLiteral("-s"), QString::number(keyBits),
                 QStringLiteral("--hash"), hash, QStringLiteral("-d"), keyFile, image},
                nullptr));
    QByteArray dump;
    QVERIFY(run({QStringLiteral("luksDump"), QStringLiteral("--dump-volume-key"), QStringLiteral("-q"),
                 QStringLiteral("-d"), keyFile, image},
                &dump));
    // "MK dump:\t23 d6 …\n\t\tc3 5a …": the hex pairs after the label.
    const qsizetype at = dump.indexOf("MK dump:");
    QVERIFY(at >= 0);
    QByteArray volumeKey;
    const QRegularExpression pair(QStringLiteral("\\b([0-9a-f]{2})\\b"));
    for (auto it = pair.globalMatch(QString::fromLatin1(dump.mid(at + 8)));
         it.hasNext() && volumeKey.size() < keyBits / 8;)
        volumeKey += QByteArray::fromHex(it.next().captured(1).toLatin1());
    QCOMPARE(volumeKey.size(), keyBits / 8);

    // The LUKS1 header fields this path needs (reference/luks.md §1.1, §1.2); the real parser
    // lives with the LUKS1 format.
    const QByteArray header = test::readFile(image, 0, 592);
    QCOMPARE(header.left(6), QByteArray("LUKS\xba\xbe", 6));
    const QString cipherName = field(header, 8, 32);
    const QString cipherMode = field(header, 40, 32);
    QCOMPARE(field(header, 72, 32), hash);
    const uint32_t keyBytes = be32(header, 108);
    QCOMPARE(int(keyBytes), keyBits / 8);
    const QByteArray mkDigest = header.mid(112, 20);
    const QByteArray mkDigestSalt = header.mid(132, 32);
    const uint32_t mkDigestIterations = be32(header, 164);
    QCOMPARE(be32(header, 208), 0x00AC71F3u); // slot 0 active
    const uint32_t iterations = be32(header, 212);
    const QByteArray salt = header.mid(216, 32);
    const uint32_t materialOffset = be32(header, 248);
    const uint32_t stripes = be32(header, 252);
    QCOMPARE(stripes, 4000u);
    QCOMPARE(iterations, 1000u);

    // Passphrase → key-encryption key → decrypted AF material → merged volume key.
    KdfParams kdf;
    kdf.hash = hash;
    kdf.iterations = iterations;
    QByteArray derived(qsizetype(keyBytes), '\0');
    QVERIFY(Pbkdf::derive(kdf, bytes(passphrase), bytes(salt), bytes(derived)));
    const auto names = CipherNames::normalise(cipherName, cipherMode);
    QVERIFY(names);
    auto keyslot = KeyslotCipher::create(names->joined(), bytes(derived));
    QVERIFY2(keyslot, qPrintable(keyslot.message()));
    const size_t splitBytes = AfSplitter::splitBytes(keyBytes, stripes);
    const qsizetype materialBytes = qsizetype(AfSplitter::splitSectors(keyBytes, stripes) * 512);
    const QByteArray ciphertext = test::readFile(image, qint64(materialOffset) * 512, materialBytes);
    QCOMPARE(ciphertext.size(), materialBytes);
    QByteArray plain(materialBytes, '\0');
    Status status = keyslot->decrypt(bytes(ciphertext), bytes(plain));
    QVERIFY2(status, qPrintable(status.message()));
    // The sector padding after the split material was zero before encryption (luks.md §2.3).
    QCOMPARE(plain.mid(qsizetype(splitBytes)), QByteArray(materialBytes - qsizetype(splitBytes), '\0'));
    QByteArray merged(qsizetype(keyBytes), '\0');
    status = AfSplitter::merge(bytes(plain).first(splitBytes), stripes, hash, bytes(merged));
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(merged.toHex(), volumeKey.toHex());

    // The MK digest agrees too (luks.md §1.5).
    QByteArray digest(20, '\0');
    kdf.iterations = mkDigestIterations;
    QVERIFY(Pbkdf::derive(kdf, bytes(merged), bytes(mkDigestSalt), bytes(digest)));
    QVERIFY(constantTimeEqual(bytes(digest), bytes(mkDigest)));

    // Encrypting the plaintext again gives cryptsetup's bytes, out of place and in place.
    QByteArray again(materialBytes, '\0');
    QVERIFY(keyslot->encrypt(bytes(plain), bytes(again)));
    QCOMPARE(again.toHex(), ciphertext.toHex());
    QVERIFY(keyslot->encrypt(bytes(plain), bytes(plain)));
    QCOMPARE(plain.toHex(), ciphertext.toHex());
}

void TestFormatCrypto::keyslotRoundTrip_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<bool>("identity");
    // Ciphers whose known answers tests/crypt holds for the crypt target (same code path).
    QTest::newRow("serpent-xts-plain64") << "serpent-xts-plain64" << 64 << false;
    QTest::newRow("twofish-cbc-essiv:sha256") << "twofish-cbc-essiv:sha256" << 32 << false;
    QTest::newRow("cast5-cbc-plain") << "cast5-cbc-plain" << 16 << false;
    QTest::newRow("aes-ctr-plain64") << "aes-ctr-plain64" << 32 << false;
    QTest::newRow("cipher_null-ecb ignores the key") << "cipher_null-ecb" << 32 << true;
    QTest::newRow("null") << "null" << 32 << true;
}

void TestFormatCrypto::keyslotRoundTrip()
{
    QFETCH(QString, spec);
    QFETCH(int, keyBytes);
    QFETCH(bool, identity);
    const QByteArray key = test::patternBytes(7, 0, keyBytes);
    auto keyslot = KeyslotCipher::create(spec, bytes(key));
    QVERIFY2(keyslot, qPrintable(keyslot.message()));
    const QByteArray plain = test::patternBytes(3, 0, 8 * 512);
    QByteArray cipher(plain.size(), '\0');
    QVERIFY(keyslot->encrypt(bytes(plain), bytes(cipher)));
    QCOMPARE(cipher == plain, identity);
    if (!identity) {
        // Sector n uses IV n: equal plaintext sectors encrypt differently.
        const QByteArray same(2 * 512, 'x');
        QByteArray out(same.size(), '\0');
        QVERIFY(keyslot->encrypt(bytes(same), bytes(out)));
        QVERIFY(out.left(512) != out.mid(512));
    }
    QByteArray back(plain.size(), '\0');
    QVERIFY(keyslot->decrypt(bytes(cipher), bytes(back)));
    QCOMPARE(back, plain);
    QVERIFY(keyslot->decrypt(bytes(cipher), bytes(cipher))); // in place
    QCOMPARE(cipher, plain);
}

void TestFormatCrypto::keyslotRefusals_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown cipher") << "rot13-cbc-plain64" << 32
                                    << "Cannot use rot13-cbc-plain64 cipher for keyslot encryption.";
    QTest::newRow("unknown iv") << "aes-cbc-magic" << 32
                                << "Cannot use aes-cbc-magic cipher for keyslot encryption.";
    QTest::newRow("random iv") << "aes-cbc-random" << 32
                               << "Cannot use aes-cbc-random cipher for keyslot encryption.";
    QTest::newRow("bad key size") << "aes-xts-plain64" << 20
                                  << "Cannot use aes-xts-plain64 cipher for keyslot encryption.";
    QTest::newRow("aead") << "capi:gcm(aes)-random" << 32
                          << "Cannot use capi:gcm(aes)-random cipher for keyslot encryption.";
    QTest::newRow("empty") << "" << 32 << "Cannot use  cipher for keyslot encryption.";
}

void TestFormatCrypto::keyslotRefusals()
{
    QFETCH(QString, spec);
    QFETCH(int, keyBytes);
    QFETCH(QString, message);
    const QByteArray key(keyBytes, 'k');
    const auto keyslot = KeyslotCipher::create(spec, bytes(key));
    QVERIFY(!keyslot);
    QCOMPARE(keyslot.status().code(), ErrorCode::NotSupported);
    QCOMPARE(keyslot.message(), message);
}

// --- PBKDF parameters (reference/luks.md §5.2) ------------------------------------------------------

void TestFormatCrypto::resolveChecks_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("hash");
    QTest::addColumn<uint32_t>("forced");
    QTest::addColumn<uint32_t>("memory");
    QTest::addColumn<QString>("message"); // empty: resolves without benchmarking
    QTest::newRow("pbkdf2 999") << "pbkdf2"
                                << "" << 999u << 0u
                                << "Forced iteration count is too low for pbkdf2 (minimum is 1000).";
    QTest::newRow("pbkdf2 1000") << "pbkdf2"
                                 << "" << 1000u << 0u << "";
    QTest::newRow("pbkdf2 ignores memory") << "pbkdf2"
                                           << "sha512" << 5000u << 9999999u << "";
    QTest::newRow("argon2i 3") << "argon2i"
                               << "" << 3u << 0u
                               << "Forced iteration count is too low for argon2i (minimum is 4).";
    QTest::newRow("argon2id 3") << "argon2id"
                                << "" << 3u << 0u
                                << "Forced iteration count is too low for argon2id (minimum is 4).";
    QTest::newRow("argon2i memory 31")
        << "argon2i"
        << "" << 4u << 31u << "Forced memory cost is too low for argon2i (minimum is 32 kilobytes).";
    QTest::newRow("argon2id memory 31")
        << "argon2id"
        << "" << 4u << 31u << "Forced memory cost is too low for argon2id (minimum is 32 kilobytes).";
    QTest::newRow("argon2id memory 32") << "argon2id"
                                        << "" << 4u << 32u << "";
    QTest::newRow("argon2id memory too high")
        << "argon2id"
        << "" << 4u << 4194305u
        << "Requested maximum PBKDF memory cost is too high (maximum is 4194304 kilobytes).";
    QTest::newRow("argon2i memory too high, benchmark")
        << "argon2i"
        << "" << 0u << 4194305u
        << "Requested maximum PBKDF memory cost is too high (maximum is 4194304 kilobytes).";
    QTest::newRow("argon2id forced defaults") << "argon2id"
                                              << "" << 7u << 0u << "";
    QTest::newRow("default type (argon2id)") << ""
                                             << "" << 4u << 65536u << "";
    QTest::newRow("unknown type") << "scrypt"
                                  << "" << 1000u << 0u << "Unknown PBKDF type scrypt.";
    QTest::newRow("unknown hash") << "pbkdf2"
                                  << "sha999" << 1000u << 0u << "Requested hash sha999 is not supported.";
}

void TestFormatCrypto::resolveChecks()
{
    QFETCH(QString, type);
    QFETCH(QString, hash);
    QFETCH(uint32_t, forced);
    QFETCH(uint32_t, memory);
    QFETCH(QString, message);
    KdfRequest request;
    request.type = type;
    request.hash = hash;
    request.forcedIterations = forced;
    request.maxMemoryKiB = memory;
    const auto params =
        Pbkdf::resolve(request, QStringLiteral("argon2id"), QStringLiteral("sha256"), 64, nullptr);
    if (!message.isEmpty()) {
        QVERIFY(!params);
        QCOMPARE(params.status().code(), ErrorCode::InvalidArgument);
        QCOMPARE(params.message(), message);
        return;
    }
    QVERIFY2(params, qPrintable(params.message()));
    QCOMPARE(params->type, type.isEmpty() ? QStringLiteral("argon2id") : type);
    QCOMPARE(params->iterations, forced);
    if (params->type == u"pbkdf2") {
        QCOMPARE(params->hash, hash.isEmpty() ? QStringLiteral("sha256") : hash);
        QCOMPARE(params->memoryKiB, 0u);
        QCOMPARE(params->parallel, 0u);
    } else {
        QCOMPARE(params->memoryKiB, Pbkdf::defaultMaxMemoryKiB(memory));
        QCOMPARE(params->parallel, Pbkdf::defaultParallel(0));
    }
}

void TestFormatCrypto::resolvePbkdf2Benchmark()
{
    // --iter-time 100: the derivation should take about 100 ms of CPU time. Only a factor of three
    // either way is asserted; CPU time (not wall time) keeps a busy machine from failing it.
    KdfRequest request;
    request.type = QStringLiteral("pbkdf2");
    request.iterTimeMs = 100;
    const auto params = Pbkdf::resolve(request, QStringLiteral("pbkdf2"), QStringLiteral("sha256"), 32);
    QVERIFY2(params, qPrintable(params.message()));
    QVERIFY(params->iterations >= 1000);
    const QByteArray password("pw");
    const QByteArray salt(32, 's');
    QByteArray out(32, '\0');
    const double start = cpuMs();
    QVERIFY(Pbkdf::derive(params.value(), bytes(password), bytes(salt), bytes(out)));
    const double took = cpuMs() - start;
    qInfo("pbkdf2-sha256: %u iterations for 100 ms took %.0f ms CPU", params->iterations, took);
    QVERIFY2(took > 33 && took < 300, qPrintable(QStringLiteral("%1 ms").arg(took)));
}

void TestFormatCrypto::resolveArgon2Benchmark()
{
    // A small memory cap keeps the search short: m stays at the cap (the start memory never
    // drops), t carries the time. Wall time, a factor of three either way.
    KdfRequest request;
    request.type = QStringLiteral("argon2id");
    request.iterTimeMs = 200;
    request.maxMemoryKiB = 8192;
    request.maxParallel = 1;
    QElapsedTimer benchmark;
    benchmark.start();
    const auto params = Pbkdf::resolve(request, QStringLiteral("argon2id"), QStringLiteral("sha256"), 64);
    QVERIFY2(params, qPrintable(params.message()));
    qInfo("argon2id: t=%u m=%u p=%u after %lld ms of benchmark", params->iterations, params->memoryKiB,
          params->parallel, benchmark.elapsed());
    QVERIFY(params->iterations >= 4);
    QCOMPARE(params->memoryKiB, Pbkdf::defaultMaxMemoryKiB(8192));
    QCOMPARE(params->parallel, 1u);
    const QByteArray password("pw");
    const QByteArray salt(32, 's');
    QByteArray out(64, '\0');
    QElapsedTimer timer;
    timer.start();
    QVERIFY(Pbkdf::derive(params.value(), bytes(password), bytes(salt), bytes(out)));
    const qint64 took = timer.elapsed();
    QVERIFY2(took > 66 && took < 600, qPrintable(QStringLiteral("%1 ms").arg(took)));
}

void TestFormatCrypto::resolveCancel()
{
    const std::atomic_bool cancel{true};
    KdfRequest request;
    request.type = QStringLiteral("pbkdf2");
    QElapsedTimer timer;
    timer.start();
    const auto pbkdf2 =
        Pbkdf::resolve(request, QStringLiteral("pbkdf2"), QStringLiteral("sha256"), 32, &cancel);
    QVERIFY(!pbkdf2);
    QCOMPARE(pbkdf2.message(), QStringLiteral("Cancelled"));
    request.type = QStringLiteral("argon2i");
    request.maxMemoryKiB = 1024;
    const auto argon2 =
        Pbkdf::resolve(request, QStringLiteral("argon2id"), QStringLiteral("sha256"), 32, &cancel);
    QVERIFY(!argon2);
    QCOMPARE(argon2.message(), QStringLiteral("Cancelled"));
    QVERIFY(timer.elapsed() < 2000); // stopped after the first measured run
}

void TestFormatCrypto::digestIterations()
{
    const auto forced = Pbkdf::digestIterations(QStringLiteral("sha256"), 32, true);
    QVERIFY(forced);
    QCOMPARE(forced.value(), 1000u);
    const auto perSecond = Pbkdf::pbkdf2IterationsPerSecond(QStringLiteral("sha1"), 32);
    QVERIFY2(perSecond, qPrintable(perSecond.message()));
    QVERIFY(perSecond.value() > 1000);
    const auto measured = Pbkdf::digestIterations(QStringLiteral("sha1"), 32, false);
    QVERIFY2(measured, qPrintable(measured.message()));
    QVERIFY(measured.value() >= 1000);
    // About an eighth of a second's worth; generous bounds for a busy machine.
    QVERIFY(measured.value() < perSecond.value());
    const auto unknown = Pbkdf::pbkdf2IterationsPerSecond(QStringLiteral("sha999"), 32);
    QVERIFY(!unknown);
    QCOMPARE(unknown.message(),
             QStringLiteral("Not compatible PBKDF2 options (using hash algorithm sha999)."));
}

void TestFormatCrypto::limits()
{
    QVERIFY(Pbkdf::defaultParallel(0) >= 1);
    QVERIFY(Pbkdf::defaultParallel(0) <= 4);
    QCOMPARE(Pbkdf::defaultParallel(1), 1u);
    QCOMPARE(Pbkdf::defaultParallel(64), Pbkdf::defaultParallel(0)); // capped at 4 and the CPUs
    QVERIFY(Pbkdf::defaultMaxMemoryKiB(0) <= 1048576u);
    QCOMPARE(Pbkdf::defaultMaxMemoryKiB(1024), 1024u);
}

// --- Base64, UUID, comparison, randomness -----------------------------------------------------------

void TestFormatCrypto::base64_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("text");
    // RFC 4648 §10.
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("Zg==");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8=");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg==");
    QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE=");
    QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
    QTest::newRow("all bytes") << ascending(256) << ascending(256).toBase64();
}

void TestFormatCrypto::base64()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, text);
    QCOMPARE(Base64::encode(bytes(data)), text);
    auto decoded = Base64::decode(text);
    QVERIFY(decoded);
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(decoded->data()), qsizetype(decoded->size())), data);
    // Whitespace anywhere is skipped, as cryptsetup's decoder does.
    QByteArray spaced;
    for (char c : text)
        spaced += QByteArray(" \t") + c + "\r\n";
    decoded = Base64::decode(spaced);
    QVERIFY(decoded);
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(decoded->data()), qsizetype(decoded->size())), data);
}

void TestFormatCrypto::base64Rejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("unpadded 1") << QByteArray("Zg");
    QTest::newRow("unpadded 2") << QByteArray("Zm8");
    QTest::newRow("half padding") << QByteArray("Zg=");
    QTest::newRow("padding first") << QByteArray("=Zg=");
    QTest::newRow("padding second") << QByteArray("Z===");
    QTest::newRow("stray bits") << QByteArray("Zh==");
    QTest::newRow("stray bits 2") << QByteArray("Zm9=");
    QTest::newRow("data after padding") << QByteArray("Zg==Zg==");
    QTest::newRow("url alphabet") << QByteArray("Zm9-");
    QTest::newRow("punctuation") << QByteArray("Zm9v!");
    QTest::newRow("nul") << QByteArray("Zm9v\0", 5);
}

void TestFormatCrypto::base64Rejects()
{
    QFETCH(QByteArray, text);
    QVERIFY(!Base64::decode(text));
}

void TestFormatCrypto::uuid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // empty: refused
    QTest::newRow("canonical") << "3b8ec25d-e52c-460c-b074-4599a26d22c5"
                               << "3b8ec25d-e52c-460c-b074-4599a26d22c5";
    QTest::newRow("upper case") << "3B8EC25D-E52C-460C-B074-4599A26D22C5"
                                << "3b8ec25d-e52c-460c-b074-4599a26d22c5";
    QTest::newRow("mixed, any version") << "00000000-0000-0000-0000-00000000AbCd"
                                        << "00000000-0000-0000-0000-00000000abcd";
    QTest::newRow("empty") << ""
                           << "";
    QTest::newRow("short") << "3b8ec25d-e52c-460c-b074-4599a26d22c"
                           << "";
    QTest::newRow("long") << "3b8ec25d-e52c-460c-b074-4599a26d22c55"
                          << "";
    QTest::newRow("hyphen moved") << "3b8ec25de-52c-460c-b074-4599a26d22c5"
                                  << "";
    QTest::newRow("not hex") << "3b8ec25d-e52c-460c-b074-4599a26d22g5"
                             << "";
    QTest::newRow("braces") << "{3b8ec25d-e52c-460c-b074-4599a26d22}"
                            << "";
    QTest::newRow("no hyphens") << "3b8ec25de52c460cb0744599a26d22c5"
                                << "";
}

void TestFormatCrypto::uuid()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const auto canonical = Uuid::canonical(text);
    if (expected.isEmpty()) {
        QVERIFY(!canonical);
        return;
    }
    QVERIFY(canonical);
    QCOMPARE(*canonical, expected);
}

void TestFormatCrypto::uuidGenerate()
{
    const QRegularExpression v4(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
    const QString a = Uuid::generate();
    const QString b = Uuid::generate();
    QVERIFY2(v4.match(a).hasMatch(), qPrintable(a));
    QVERIFY(a != b);
    QCOMPARE(Uuid::canonical(a).value_or(QString()), a);
}

void TestFormatCrypto::constantTime()
{
    const QByteArray a = QByteArray::fromHex("00112233445566778899");
    QByteArray b = a;
    QVERIFY(constantTimeEqual(bytes(a), bytes(b)));
    b[9] = 0x18;
    QVERIFY(!constantTimeEqual(bytes(a), bytes(b)));
    b = a;
    b[0] = 0x01;
    QVERIFY(!constantTimeEqual(bytes(a), bytes(b)));
    QVERIFY(!constantTimeEqual(bytes(a), bytes(a.left(9))));
    QVERIFY(constantTimeEqual({}, {}));
}

void TestFormatCrypto::secureRandom()
{
    QByteArray a(64, '\0');
    QByteArray b(64, '\0');
    QVERIFY(SecureRandom::fill(bytes(a)));
    QVERIFY(SecureRandom::fill(bytes(b)));
    QVERIFY(a != b);
    QVERIFY(a != QByteArray(64, '\0'));
    QVERIFY(SecureRandom::fill({}));
}

QTEST_GUILESS_MAIN(TestFormatCrypto)
#include "TestFormatCrypto.moc"
