// SectorInspection against data written through a real crypt mapping (VolumeMapper → CryptTarget):
// the plaintext comes back, and the IV it reports is checked against an independent computation
// with OpenSSL (plain64: the 512-byte sector number little-endian, counted in 4096-byte units only
// with iv_large_sectors; essiv: AES-ECB under SHA-256(key) of that number).
#include "TestImages.h"
#include "dm/DeviceRegistry.h"
#include "formats/HeaderDevice.h"
#include "volume/SectorInspection.h"
#include "volume/VolumeMapper.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

QByteArray le64Padded(uint64_t value, int size)
{
    QByteArray bytes(size, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[i] = char((value >> (8 * i)) & 0xff);
    return bytes;
}

QByteArray essiv(const SecureBuffer& key, uint64_t sector)
{
    unsigned char salt[SHA256_DIGEST_LENGTH];
    SHA256(key.data(), key.size(), salt);
    const QByteArray block = le64Padded(sector, 16);
    QByteArray out(32, '\0');
    EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
    int length = 0;
    EVP_EncryptInit_ex(context, EVP_aes_256_ecb(), nullptr, salt, nullptr);
    EVP_CIPHER_CTX_set_padding(context, 0);
    EVP_EncryptUpdate(context, reinterpret_cast<unsigned char*>(out.data()), &length,
                      reinterpret_cast<const unsigned char*>(block.constData()), 16);
    EVP_CIPHER_CTX_free(context);
    return out.left(16);
}

} // namespace

class TestSectorInspection : public QObject
{
    Q_OBJECT

private slots:
    void decryptsWhatTheMappingWrote_data();
    void decryptsWhatTheMappingWrote();
    void refusesSectorPastTheEnd();
};

void TestSectorInspection::decryptsWhatTheMappingWrote_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<unsigned>("sectorSize");
    QTest::addColumn<bool>("largeSectors");
    QTest::newRow("plain64 512") << QStringLiteral("aes-xts-plain64") << 64 << 512u << false;
    QTest::newRow("plain64 4096") << QStringLiteral("aes-xts-plain64") << 64 << 4096u << false;
    QTest::newRow("plain64 4096 large") << QStringLiteral("aes-xts-plain64") << 64 << 4096u << true;
    QTest::newRow("essiv 4096") << QStringLiteral("aes-cbc-essiv:sha256") << 32 << 4096u << false;
}

void TestSectorInspection::decryptsWhatTheMappingWrote()
{
    QFETCH(QString, cipher);
    QFETCH(int, keyBytes);
    QFETCH(unsigned, sectorSize);
    QFETCH(bool, largeSectors);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString image = createImage(dir.path(), QStringLiteral("plain.img"), 1 << 20, 9);

    SecureBuffer key{size_t(keyBytes)};
    for (int i = 0; i < keyBytes; ++i)
        key.data()[i] = uint8_t(i * 7 + 3);
    CryptActivation activation;
    activation.cipher = cipher;
    activation.keyBytes = size_t(keyBytes);
    activation.dataOffsetSectors = 8; // --offset
    activation.ivOffset = 16;         // --skip
    activation.sectorSize = sectorSize;
    if (largeSectors)
        activation.optionWords << QStringLiteral("iv_large_sectors");
    if (sectorSize != 512)
        activation.optionWords << QStringLiteral("sector_size:%1").arg(sectorSize);

    const uint64_t sector = 5;
    const QByteArray plaintext = patternBytes(77, 0, sectorSize);
    {
        DeviceRegistry registry;
        VolumeMapper mapper(registry);
        MappingRequest request;
        request.name = QStringLiteral("inspect");
        request.dataDevice = image;
        request.volumeType = QStringLiteral("PLAIN");
        request.activation = activation;
        auto mapped = mapper.open(request, key);
        QVERIFY2(mapped, qPrintable(mapped.message()));
        QVERIFY(
            (*mapped)->writeBytes(sector * sectorSize, plaintext.constData(), uint64_t(plaintext.size())));
        QVERIFY((*mapped)->flush());
        mapped = Result<std::shared_ptr<MappedDevice>>(ErrorCode::NoSuchDevice, QString());
        QVERIFY(mapper.close(request.name));
    }

    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
    QVERIFY(device);
    auto inspected = SectorInspection::inspect(**device, activation, key, sector);
    QVERIFY2(inspected, qPrintable(inspected.message()));
    QCOMPARE(inspected->plaintext, plaintext);
    QCOMPARE(inspected->imageOffset, 8 * 512 + sector * sectorSize);
    QCOMPARE(inspected->ciphertext, readFile(image, qint64(inspected->imageOffset), sectorSize));
    QVERIFY(inspected->ciphertext != plaintext);
    const uint64_t sector512 = sector * (sectorSize / 512);
    QCOMPARE(inspected->sector512, sector512);
    const uint64_t ivSector = largeSectors ? (sector512 + 16) / (sectorSize / 512) : sector512 + 16;
    QCOMPARE(inspected->ivSector, ivSector);
    if (cipher.endsWith(u"plain64"))
        QCOMPARE(inspected->iv, le64Padded(ivSector, 16));
    else
        QCOMPARE(inspected->iv, essiv(key, ivSector));
    QCOMPARE(inspected->ivMode,
             cipher.endsWith(u"plain64") ? QStringLiteral("plain64") : QStringLiteral("essiv"));
}

void TestSectorInspection::refusesSectorPastTheEnd()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString image = createImage(dir.path(), QStringLiteral("small.img"), 64 * 1024, 1);
    CryptActivation activation;
    activation.cipher = QStringLiteral("aes-xts-plain64");
    activation.keyBytes = 64;
    activation.dataOffsetSectors = 64; // 32 KiB of data left
    QCOMPARE(SectorInspection::sectorCount(activation, 64 * 1024), uint64_t(64));
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
    QVERIFY(device);
    SecureBuffer key(64);
    auto inspected = SectorInspection::inspect(**device, activation, key, 64);
    QVERIFY(!inspected);
    QVERIFY2(inspected.message().contains(QStringLiteral("sector 64 is past the end")),
             qPrintable(inspected.message()));
    QVERIFY(SectorInspection::inspect(**device, activation, key, 63));
}

QTEST_GUILESS_MAIN(TestSectorInspection)
#include "TestSectorInspection.moc"
