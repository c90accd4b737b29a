// The crypt target's constructor (every kernel check, in the kernel's order), its status lines
// (TABLE round-trips, keys masked unless shown), keyring keys, and the key messages with the
// suspend rules: key set / key wipe only while suspended, resume refused without a valid key.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QString Key32 = QStringLiteral("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const QString Key64 =
    Key32 + QStringLiteral("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");

} // namespace

class TestCryptTarget : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void constructorErrors_data();
    void constructorErrors();
    void tableRoundTrips_data();
    void tableRoundTrips();
    void keysAreMaskedUnlessShown();
    void keyringKeys();
    void keyMessagesNeedSuspend();
    void keyWipeBlocksResumeUntilKeySet();
    void failedKeyringKeySetKeepsOldKey();
    void misalignedIoFails();
    void discardsOnlyWithAllowDiscards();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_image;
    std::unique_ptr<DeviceRegistry> m_registry;
    Result<std::shared_ptr<MappedDevice>> create(const QString& params, uint64_t length = 64);
};

void TestCryptTarget::init()
{
    m_registry.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    m_image = createImage(m_dir->path(), QStringLiteral("disk.img"), 1 << 20, 3);
    m_registry = std::make_unique<DeviceRegistry>();
}

Result<std::shared_ptr<MappedDevice>> TestCryptTarget::create(const QString& params, uint64_t length)
{
    DeviceCreateOptions options;
    options.baseDirectory = m_dir->path();
    return m_registry->create(QStringLiteral("c"), {QStringLiteral("0 %1 crypt ").arg(length) + params},
                              options);
}

void TestCryptTarget::constructorErrors_data()
{
    QTest::addColumn<QString>("params");
    QTest::addColumn<QString>("error");
    auto row = [](const char* name, const QString& params, const char* error) {
        QTest::newRow(name) << params << QString::fromLatin1(error);
    };
    const QString k = Key32;
    row("too few words", QStringLiteral("aes-xts-plain64 %1 0 disk.img").arg(k), "Not enough arguments");
    row("keyring size", QStringLiteral("aes-xts-plain64 :x:logon:a:b 0 disk.img 0"), "Cannot parse key size");
    row("keyring no colon", QStringLiteral("aes-xts-plain64 :32 0 disk.img 0"), "Cannot parse key size");
    row("option count", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 10").arg(k),
        "Invalid number of feature args");
    row("option count beyond words",
        QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 2 allow_discards").arg(k),
        "Invalid number of feature args");
    row("unknown option", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 fast").arg(k),
        "Invalid feature arguments");
    row("sector size 256", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 sector_size:256").arg(k),
        "Invalid feature value for sector_size");
    row("sector size 3000", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 sector_size:3000").arg(k),
        "Invalid feature value for sector_size");
    row("sector size 8192", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 sector_size:8192").arg(k),
        "Invalid feature value for sector_size");
    row("integrity 0", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 integrity:0:none").arg(k),
        "Invalid integrity arguments");
    row("integrity 481", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 integrity:481:aead").arg(k),
        "Invalid integrity arguments");
    row("integrity type", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 integrity:16:hmac").arg(k),
        "Unknown integrity profile");
    row("integrity key size 0",
        QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 integrity_key_size:0").arg(k),
        "Invalid integrity_key_size argument");
    row("bad cipher (", QStringLiteral("xts(aes)-plain64 %1 0 disk.img 0").arg(k),
        "Bad cipher specification");
    row("legacy with aead", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 integrity:28:aead").arg(k),
        "Bad cipher specification");
    row("key count 3", QStringLiteral("aes:3-cbc-plain64 %1 0 disk.img 0").arg(k),
        "Bad cipher key count specification");
    row("key count x", QStringLiteral("aes:x-cbc-plain64 %1 0 disk.img 0").arg(k),
        "Bad cipher key count specification");
    row("no iv", QStringLiteral("aes-xts %1 0 disk.img 0").arg(k), "IV mechanism required");
    row("essiv no hash", QStringLiteral("aes-cbc-essiv %1 0 disk.img 0").arg(k),
        "Digest algorithm missing for ESSIV mode");
    row("unknown cipher", QStringLiteral("rot13-cbc-plain64 %1 0 disk.img 0").arg(k),
        "Error allocating crypto tfm");
    row("unknown mode", QStringLiteral("aes-ofb-plain64 %1 0 disk.img 0").arg(k),
        "Error allocating crypto tfm");
    row("xts 64-bit block", QStringLiteral("blowfish-xts-plain64 %1 0 disk.img 0").arg(k),
        "Error allocating crypto tfm");
    row("essiv unknown hash", QStringLiteral("aes-cbc-essiv:nohash %1 0 disk.img 0").arg(k),
        "Error allocating crypto tfm");
    row("empty iv mode", QStringLiteral("aes-cbc- %1 0 disk.img 0").arg(k), "Invalid IV mode");
    row("essiv empty hash", QStringLiteral("aes-cbc-essiv: %1 0 disk.img 0").arg(k),
        "Error allocating crypto tfm");
    row("unknown iv mode", QStringLiteral("aes-cbc-magic %1 0 disk.img 0").arg(k), "Invalid IV mode");
    row("key size", QStringLiteral("aes-cbc-plain64 %1 0 disk.img 0").arg(k.left(30)),
        "Error decoding and setting key");
    row("key not hex", QStringLiteral("aes-cbc-plain64 %1 0 disk.img 0").arg(QString(64, u'g')),
        "Error decoding and setting key");
    row("empty key for aes", QStringLiteral("aes-cbc-plain64 - 0 disk.img 0"),
        "Error decoding and setting key");
    row("one hex digit", QStringLiteral("aes-cbc-plain64 a 0 disk.img 0"), "Error decoding and setting key");
    row("keyring key absent", QStringLiteral("aes-xts-plain64 :64:logon:cs:none 0 disk.img 0"),
        "Error decoding and setting key");
    row("essiv sha1 salt", QStringLiteral("aes-cbc-essiv:sha1 %1 0 disk.img 0").arg(k),
        "Error decoding and setting key");
    row("lmk 4096", QStringLiteral("aes-cbc-lmk %1 0 disk.img 0 1 sector_size:4096").arg(k),
        "Error creating IV");
    row("tcw short key", QStringLiteral("aes-cbc-tcw %1 0 disk.img 0").arg(k),
        "Error decoding and setting key");
    row("tcw 4096", QStringLiteral("aes-cbc-tcw %1 0 disk.img 0 1 sector_size:4096").arg(Key64),
        "Error creating IV");
    row("eboiv ctr", QStringLiteral("aes-ctr-eboiv %1 0 disk.img 0").arg(k), "Error creating IV");
    row("iv offset", QStringLiteral("aes-xts-plain64 %1 x disk.img 0").arg(Key64),
        "Invalid iv_offset sector");
    row("iv offset alignment",
        QStringLiteral("aes-xts-plain64 %1 4 disk.img 0 1 sector_size:4096").arg(Key64),
        "Invalid iv_offset sector");
    row("device", QStringLiteral("aes-xts-plain64 %1 0 nothere.img 0").arg(Key64),
        "Device lookup failed: no device or image file named \"nothere.img\"");
    row("offset", QStringLiteral("aes-xts-plain64 %1 0 disk.img -1").arg(Key64), "Invalid device sector");
    row("random needs tags", QStringLiteral("aes-xts-random %1 0 disk.img 0").arg(Key64),
        "Integrity profile not supported.");
    row("aead needs tags", QStringLiteral("capi:gcm(aes)-random %1 0 disk.img 0 1 integrity:28:aead").arg(k),
        "Integrity profile not supported.");
    row("integrity none needs tags",
        QStringLiteral("capi:xts(aes)-random %1 0 disk.img 0 1 integrity:16:none").arg(Key64),
        "Integrity profile not supported.");
}

void TestCryptTarget::constructorErrors()
{
    QFETCH(QString, params);
    QFETCH(QString, error);
    const QByteArray before = fileDigest(m_image);
    const auto device = create(params);
    QVERIFY(!device);
    QCOMPARE(device.message(), QStringLiteral("device \"c\", table line 1: crypt: ") + error);
    QVERIFY(m_registry->names().isEmpty());
    QCOMPARE(fileDigest(m_image), before);
}

void TestCryptTarget::tableRoundTrips_data()
{
    QTest::addColumn<QString>("params");
    QTest::addColumn<QString>("printed");
    auto same = [](const char* name, const QString& params) {
        QTest::newRow(name) << params << params;
    };
    same("xts", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    same("essiv", QStringLiteral("aes-cbc-essiv:sha256 %1 8 disk.img 16").arg(Key32));
    same("capi", QStringLiteral("capi:xts(aes)-plain64 %1 0 disk.img 0").arg(Key64));
    same("capi essiv", QStringLiteral("capi:cbc(aes)-essiv:sha256 %1 0 disk.img 0").arg(Key32));
    same("all flags in kernel order",
         QStringLiteral(
             "aes-xts-plain64 %1 0 disk.img 0 8 allow_discards same_cpu_crypt high_priority "
             "submit_from_crypt_cpus no_read_workqueue no_write_workqueue sector_size:4096 iv_large_sectors")
             .arg(Key64));
    same("4k", QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 sector_size:4096").arg(Key64));
    same("ecb", QStringLiteral("aes-ecb %1 0 disk.img 0").arg(Key32));
    same("alias", QStringLiteral("aes %1 0 disk.img 0").arg(Key32));
    same("multikey", QStringLiteral("aes:2-cbc-plain64 %1 0 disk.img 0").arg(Key64));
    QTest::newRow("options reordered, zero count dropped")
        << QStringLiteral(
               "aes-xts-plain64 %1 0 disk.img 0 3 iv_large_sectors NO_READ_WORKQUEUE allow_discards")
               .arg(Key64)
        << QStringLiteral(
               "aes-xts-plain64 %1 0 disk.img 0 3 allow_discards no_read_workqueue iv_large_sectors")
               .arg(Key64);
    QTest::newRow("sector_size 512 not printed")
        << QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 sector_size:512").arg(Key64)
        << QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64);
    QTest::newRow("no options") << QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 0").arg(Key64)
                                << QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64);
    QTest::newRow("words after the count ignored")
        << QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 allow_discards extra").arg(Key64)
        << QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 allow_discards").arg(Key64);
}

void TestCryptTarget::tableRoundTrips()
{
    QFETCH(QString, params);
    QFETCH(QString, printed);
    auto device = create(params);
    QVERIFY2(device, qPrintable(device.message()));
    const QString line = (*device)->activeTable()->lines(StatusType::Table, true).first();
    QCOMPARE(line, QStringLiteral("0 64 crypt ") + printed);
    // print -> parse -> print is the identity.
    QVERIFY(m_registry->remove(QStringLiteral("c")));
    auto again = create(printed);
    QVERIFY2(again, qPrintable(again.message()));
    QCOMPARE((*again)->activeTable()->lines(StatusType::Table, true).first(), line);
    QCOMPARE((*again)->activeTable()->lines(StatusType::Info, false).first(), QStringLiteral("0 64 crypt "));
}

void TestCryptTarget::keysAreMaskedUnlessShown()
{
    auto device = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    QVERIFY(device);
    QCOMPARE((*device)->activeTable()->lines(StatusType::Table, false).first(),
             QStringLiteral("0 64 crypt aes-xts-plain64 %1 0 disk.img 0").arg(QString(128, u'0')));
    QCOMPARE((*device)->activeTable()->lines(StatusType::Table, true).first(),
             QStringLiteral("0 64 crypt aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    auto nullCipher =
        m_registry->create(QStringLiteral("n"), {QStringLiteral("0 8 crypt cipher_null-ecb - 0 c 0")});
    QVERIFY2(nullCipher, qPrintable(nullCipher.message()));
    QCOMPARE((*nullCipher)->activeTable()->lines(StatusType::Table, false).first(),
             QStringLiteral("0 8 crypt cipher_null-ecb - 0 c 0"));
}

void TestCryptTarget::keyringKeys()
{
    auto key = SecureBuffer::fromHex(Key64, 64);
    QVERIFY(key);
    QVERIFY(m_registry->keyRing().add(KeyRing::Type::Logon, QStringLiteral("cryptsetup:vol-d0"),
                                      std::move(*key)));
    auto device = create(QStringLiteral("aes-xts-plain64 :64:logon:cryptsetup:vol-d0 0 disk.img 0"));
    QVERIFY2(device, qPrintable(device.message()));
    // Printed as given, never as key bytes, even with --showkeys.
    QCOMPARE((*device)->activeTable()->lines(StatusType::Table, true).first(),
             QStringLiteral("0 64 crypt aes-xts-plain64 :64:logon:cryptsetup:vol-d0 0 disk.img 0"));
    // Same data as the hex key gives.
    const QByteArray plain = patternBytes(4, 0, 4096);
    QVERIFY((*device)->writeSectors(0, plain.constData(), 4096));
    const QByteArray viaKeyring = readFile(m_image, 0, 4096);
    QVERIFY(m_registry->remove(QStringLiteral("c")));
    auto hex = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    QVERIFY(hex);
    QByteArray back(4096, Qt::Uninitialized);
    QVERIFY((*hex)->readSectors(0, back.data(), 4096));
    QCOMPARE(back, plain);
    QVERIFY(viaKeyring != plain);
    // Wrong size or type: the kernel's one message.
    for (const QString& word :
         {QStringLiteral(":32:logon:cryptsetup:vol-d0"), QStringLiteral(":64:user:cryptsetup:vol-d0")}) {
        auto bad = m_registry->create(QStringLiteral("b"),
                                      {QStringLiteral("0 64 crypt aes-xts-plain64 %1 0 c 0").arg(word)});
        QVERIFY(!bad);
        QVERIFY2(bad.message().endsWith(QStringLiteral("crypt: Error decoding and setting key")),
                 qPrintable(bad.message()));
    }
}

void TestCryptTarget::keyMessagesNeedSuspend()
{
    auto device = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    QVERIFY(device);
    auto reply = m_registry->message(QStringLiteral("c"), 0, {QStringLiteral("key"), QStringLiteral("wipe")});
    QVERIFY(!reply);
    QCOMPARE(reply.message(), QStringLiteral("device \"c\": not suspended during key manipulation."));
    reply = m_registry->message(QStringLiteral("c"), 0, {QStringLiteral("hello"), QStringLiteral("world")});
    QCOMPARE(reply.message(), QStringLiteral("device \"c\": unrecognised message received."));
    QVERIFY(m_registry->suspend(QStringLiteral("c")));
    reply =
        m_registry->message(QStringLiteral("c"), 0, {QStringLiteral("key"), QStringLiteral("set"), Key32});
    QVERIFY(!reply);
    QVERIFY(m_registry->resume(QStringLiteral("c"))); // a refused size leaves the old key valid
}

void TestCryptTarget::keyWipeBlocksResumeUntilKeySet()
{
    auto device = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    QVERIFY(device);
    const QByteArray plain = patternBytes(9, 0, 8192);
    QVERIFY((*device)->writeSectors(8, plain.constData(), 8192));
    QVERIFY(m_registry->suspend(QStringLiteral("c")));
    QVERIFY(m_registry->message(QStringLiteral("c"), 0, {QStringLiteral("key"), QStringLiteral("wipe")}));
    QCOMPARE((*device)->activeTable()->lines(StatusType::Table, true).first(),
             QStringLiteral("0 64 crypt aes-xts-plain64 %1 0 disk.img 0").arg(QString(128, u'0')));
    const Status refused = m_registry->resume(QStringLiteral("c"));
    QVERIFY(!refused);
    QCOMPARE(refused.message(), QStringLiteral("device \"c\": aborting resume - crypt key is not set."));
    QVERIFY((*device)->isSuspended());
    QVERIFY(
        m_registry->message(QStringLiteral("c"), 0, {QStringLiteral("KEY"), QStringLiteral("SET"), Key64}));
    QVERIFY(m_registry->resume(QStringLiteral("c")));
    QByteArray back(8192, Qt::Uninitialized);
    QVERIFY((*device)->readSectors(8, back.data(), 8192));
    QCOMPARE(back, plain);
}

void TestCryptTarget::failedKeyringKeySetKeepsOldKey()
{
    auto device = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    QVERIFY(device);
    QVERIFY(m_registry->suspend(QStringLiteral("c")));
    // As the kernel's crypt_set_key: a keyring key that cannot be had leaves the old key valid.
    QVERIFY(!m_registry->message(
        QStringLiteral("c"), 0,
        {QStringLiteral("key"), QStringLiteral("set"), QStringLiteral(":64:logon:cs:missing")}));
    QVERIFY(m_registry->resume(QStringLiteral("c")));
    // A hex key that does not decode invalidates it.
    QVERIFY(m_registry->suspend(QStringLiteral("c")));
    QVERIFY(!m_registry->message(QStringLiteral("c"), 0,
                                 {QStringLiteral("key"), QStringLiteral("set"), QString(128, u'x')}));
    QCOMPARE(m_registry->resume(QStringLiteral("c")).message(),
             QStringLiteral("device \"c\": aborting resume - crypt key is not set."));
}

void TestCryptTarget::misalignedIoFails()
{
    auto device = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 sector_size:4096").arg(Key64));
    QVERIFY(device);
    QByteArray buffer(4096, 'x');
    const QByteArray before = fileDigest(m_image);
    QVERIFY(!(*device)->writeSectors(1, buffer.constData(), 4096));
    QVERIFY(!(*device)->writeSectors(0, buffer.constData(), 512));
    QCOMPARE(fileDigest(m_image), before);
    QVERIFY((*device)->writeSectors(8, buffer.constData(), 4096));
}

void TestCryptTarget::discardsOnlyWithAllowDiscards()
{
    auto device = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0").arg(Key64));
    QVERIFY(device);
    const Status refused = (*device)->discard(0, 8);
    QCOMPARE(refused.code(), ErrorCode::NotSupported);
    QVERIFY(m_registry->remove(QStringLiteral("c")));
    auto allowing = create(QStringLiteral("aes-xts-plain64 %1 0 disk.img 0 1 allow_discards").arg(Key64));
    QVERIFY(allowing);
    QVERIFY((*allowing)->discard(0, 8));
    QCOMPARE(readFile(m_image, 0, 4096), QByteArray(4096, '\0'));
}

QTEST_GUILESS_MAIN(TestCryptTarget)
#include "TestCryptTarget.moc"
