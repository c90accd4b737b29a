// LUKS1 (reference/luks.md §1): the layout tables, format's option errors, interoperability with
// cryptsetup 2.6.1 and qemu's LUKS driver in both directions, a hostile-header table whose every
// row must fail cleanly without changing a byte, and repair.
#include "ExternalTool.h"
#include "TestImages.h"
#include "formats/KeyslotCipher.h"
#include "formats/SecureRandom.h"
#include "formats/luks1/Luks1Volume.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QByteArray Passphrase = QByteArrayLiteral("pw");

std::span<const uint8_t> bytesOf(const QByteArray& data)
{
    return {reinterpret_cast<const uint8_t*>(data.constData()), size_t(data.size())};
}

KdfRequest fastKdf()
{
    KdfRequest kdf;
    kdf.forcedIterations = 1000;
    return kdf;
}

AddKeyslotOptions fastSlot(std::optional<int> keyslot = std::nullopt)
{
    AddKeyslotOptions options;
    options.kdf = fastKdf();
    options.keyslot = keyslot;
    return options;
}

Result<std::unique_ptr<Luks1Volume>> loadImage(const QString& path,
                                               HeaderDevice::Access access = HeaderDevice::Access::ReadWrite)
{
    auto device = HeaderDevice::open(path, access);
    if (!device)
        return device.status();
    return Luks1Volume::load(std::move(device.value()));
}

SecureBuffer randomKey(size_t bytes)
{
    SecureBuffer key(bytes);
    if (!SecureRandom::fill({key.data(), key.size()}))
        qFatal("no random bytes");
    return key;
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size())
        qFatal("cannot write %s", qPrintable(path));
}

void patchFile(const QString& path, qint64 offset, const QByteArray& data)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.seek(offset) || file.write(data) != data.size())
        qFatal("cannot patch %s", qPrintable(path));
}

QByteArray be32(uint32_t v)
{
    QByteArray out(4, '\0');
    for (int i = 0; i < 4; ++i)
        out[3 - i] = char(v >> (8 * i));
    return out;
}

// The hex key "cryptsetup luksDump --dump-volume-key" prints (over one or more lines).
QByteArray dumpedKey(const QByteArray& out)
{
    QByteArray hex;
    bool inKey = false;
    for (const QByteArray& line : out.split('\n')) {
        if (line.startsWith("MK dump:")) {
            inKey = true;
            hex += line.mid(8).trimmed();
        } else if (inKey && line.startsWith('\t')) {
            hex += line.trimmed();
        } else {
            inKey = false;
        }
    }
    return hex.replace(' ', "");
}

QByteArray padded(const char* text, int size)
{
    QByteArray out(text);
    out.resize(size, '\0');
    return out;
}

} // namespace

class TestLuks1 : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void layoutTables_data();
    void layoutTables();
    void formatErrorsWriteNothing_data();
    void formatErrorsWriteNothing();
    void formatGrowsSmallFileAndWarns();
    void detachedHeader();
    void keyslotLifecycle();
    void cryptsetupVolumesOpen_data();
    void cryptsetupVolumesOpen();
    void ourVolumesOpenInCryptsetup_data();
    void ourVolumesOpenInCryptsetup();
    void qemuVolumesOpen_data();
    void qemuVolumesOpen();
    void ourVolumeReadsInQemu();
    void hostileHeaders_data();
    void hostileHeaders();
    void repairFixesKnownGlitches_data();
    void repairFixesKnownGlitches();

private:
    QString m_cryptsetup;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path(const QString& name) const { return QDir(m_dir->path()).filePath(name); }
    QString passFile();
    // A cryptsetup-made volume (forced 1000 iterations), or an empty string with the reason in why.
    QString cryptsetupImage(const QString& name, const QString& cipher, int bits, const QString& hash,
                            QString* why);
};

void TestLuks1::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_cryptsetup = findTool(QStringLiteral("cryptsetup"));
}

QString TestLuks1::passFile()
{
    const QString file = path(QStringLiteral("pw"));
    writeFile(file, Passphrase);
    return file;
}

QString TestLuks1::cryptsetupImage(const QString& name, const QString& cipher, int bits, const QString& hash,
                                   QString* why)
{
    if (m_cryptsetup.isEmpty()) {
        *why = QStringLiteral("cryptsetup is not installed");
        return {};
    }
    const QString image = createImage(m_dir->path(), name, 4 << 20, 7);
    const ToolRun run =
        runTool(m_cryptsetup,
                {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                 QStringLiteral("luks1"), QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000"),
                 QStringLiteral("-c"), cipher, QStringLiteral("-s"), QString::number(bits),
                 QStringLiteral("-h"), hash, QStringLiteral("-d"), passFile(), image});
    if (!run.ok()) {
        *why = QStringLiteral("cryptsetup luksFormat failed: ") + QString::fromLocal8Bit(run.err);
        return {};
    }
    return image;
}

void TestLuks1::layoutTables_data()
{
    QTest::addColumn<uint32_t>("keyBytes");
    QTest::addColumn<uint64_t>("afSectors");
    QTest::addColumn<QList<uint32_t>>("offsets");
    QTest::addColumn<uint32_t>("headerSectors");
    QTest::addColumn<uint32_t>("payload");
    // reference/luks.md §1.3.
    QTest::newRow("128-bit") << 16u << uint64_t(125) << QList<uint32_t>{8, 136, 264, 392, 520, 648, 776, 904}
                             << 1032u << 2048u;
    QTest::newRow("256-bit") << 32u << uint64_t(250)
                             << QList<uint32_t>{8, 264, 520, 776, 1032, 1288, 1544, 1800} << 2056u << 4096u;
    QTest::newRow("512-bit") << 64u << uint64_t(500)
                             << QList<uint32_t>{8, 512, 1016, 1520, 2024, 2528, 3032, 3536} << 4040u << 4096u;
}

void TestLuks1::layoutTables()
{
    QFETCH(uint32_t, keyBytes);
    QFETCH(uint64_t, afSectors);
    QFETCH(QList<uint32_t>, offsets);
    QFETCH(uint32_t, headerSectors);
    QFETCH(uint32_t, payload);
    QCOMPARE(Luks1Header::afSectors(keyBytes), afSectors);
    const auto standard = Luks1Header::standardKeyslotOffsets(keyBytes);
    QCOMPARE(QList<uint32_t>(standard.begin(), standard.end()), offsets);
    QCOMPARE(Luks1Header::headerSectors(keyBytes), headerSectors);

    const QString image = createImage(m_dir->path(), QStringLiteral("l.img"), 4 << 20, 1);
    Luks1FormatOptions options;
    options.cipherMode = keyBytes == 16 ? QStringLiteral("cbc-essiv:sha256") : QStringLiteral("xts-plain64");
    options.kdf = fastKdf();
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    auto volume = Luks1Volume::format(std::move(device.value()), options, randomKey(keyBytes));
    QVERIFY2(volume, qPrintable(volume.message()));
    QCOMPARE((*volume)->payloadOffset(), payload);
    QCOMPARE((*volume)->header().mkDigestIterations, 1000u);
    QCOMPARE((*volume)->headerBytes(), uint64_t(headerSectors) * 512);
    QCOMPARE((*volume)->keyMaterialOffset(7), uint64_t(offsets.last()) * 512);
    const CryptActivation table = (*volume)->activation();
    QCOMPARE(table.cipher, QStringLiteral("aes-") + options.cipherMode);
    QCOMPARE(table.dataOffsetSectors, uint64_t(payload));
    QCOMPARE(table.ivOffset, uint64_t(0));
    QCOMPARE(table.sectorSize, 512u);
    // §1.1: bytes 1024..payload are zero after format.
    QCOMPARE(readFile(image, 1024, 3072), QByteArray(3072, '\0'));
}

void TestLuks1::formatErrorsWriteNothing_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<QString>("uuid");
    QTest::addColumn<qint64>("offset"); // -1: none
    QTest::addColumn<uint64_t>("align");
    QTest::addColumn<uint32_t>("forced");
    QTest::addColumn<QString>("error");
    const QString sha = QStringLiteral("sha256");
    QTest::newRow("offset not 4 KiB") << sha << QString() << qint64(4097) << uint64_t(0) << 1000u
                                      << "Data offset is not multiple of 4096 bytes.";
    QTest::newRow("offset inside header")
        << sha << QString() << qint64(8) << uint64_t(0) << 1000u
        << "Data offset for LUKS header must be either 0 or higher than header size.";
    QTest::newRow("align not dividing offset")
        << sha << QString() << qint64(4096) << uint64_t(3000) << 1000u
        << "Requested data alignment is not compatible with data offset.";
    QTest::newRow("bad uuid") << sha << QStringLiteral("not-a-uuid") << qint64(-1) << uint64_t(0) << 1000u
                              << "Wrong LUKS UUID format provided.";
    QTest::newRow("md5") << QStringLiteral("md5") << QString() << qint64(-1) << uint64_t(0) << 1000u
                         << "Requested LUKS hash md5 is not supported.";
    QTest::newRow("unknown hash") << QStringLiteral("foo") << QString() << qint64(-1) << uint64_t(0) << 1000u
                                  << "Requested LUKS hash foo is not supported.";
    QTest::newRow("forced iterations too low")
        << sha << QString() << qint64(-1) << uint64_t(0) << 999u
        << "Forced iteration count is too low for pbkdf2 (minimum is 1000).";
}

void TestLuks1::formatErrorsWriteNothing()
{
    QFETCH(QString, hash);
    QFETCH(QString, uuid);
    QFETCH(qint64, offset);
    QFETCH(uint64_t, align);
    QFETCH(uint32_t, forced);
    QFETCH(QString, error);
    const QString image = createImage(m_dir->path(), QStringLiteral("f.img"), 4 << 20, 2);
    const QByteArray before = fileDigest(image);
    Luks1FormatOptions options;
    options.hash = hash;
    options.uuid = uuid;
    if (offset >= 0)
        options.payloadOffsetSectors = uint64_t(offset);
    options.alignPayloadSectors = align;
    options.kdf.forcedIterations = forced;
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    auto volume = Luks1Volume::format(std::move(device.value()), options, randomKey(64));
    QVERIFY(!volume);
    QCOMPARE(volume.message(), error);
    QCOMPARE(fileDigest(image), before);
}

void TestLuks1::formatGrowsSmallFileAndWarns()
{
    const QString image = createImage(m_dir->path(), QStringLiteral("small.img"), 1 << 20, 3);
    Luks1FormatOptions options;
    options.kdf = fastKdf();
    options.kdf.type = QStringLiteral("argon2id");
    options.uuid = QStringLiteral("8C20D923-C793-49C5-9DCD-ED78F162DB50");
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    auto volume = Luks1Volume::format(std::move(device.value()), options, randomKey(64));
    QVERIFY2(volume, qPrintable(volume.message()));
    QCOMPARE(QFileInfo(image).size(), qint64(2 << 20));
    QCOMPARE((*volume)->uuid(), QStringLiteral("8c20d923-c793-49c5-9dcd-ed78f162db50"));
    QCOMPARE((*volume)->warnings(),
             QStringList({QStringLiteral("Requested PBKDF type is not supported for LUKS1."),
                          QStringLiteral(
                              "Device %1 is too small for activation, there is no remaining space for data.")
                              .arg(image)}));
}

void TestLuks1::detachedHeader()
{
    auto device = HeaderDevice::create(path(QStringLiteral("hdr.img")));
    QVERIFY(device);
    Luks1FormatOptions options;
    options.kdf = fastKdf();
    options.detachedHeader = true;
    const SecureBuffer key = randomKey(64);
    auto volume = Luks1Volume::format(std::move(device.value()), options, key);
    QVERIFY2(volume, qPrintable(volume.message()));
    QCOMPARE((*volume)->payloadOffset(), 0u);
    QCOMPARE(QFileInfo(path(QStringLiteral("hdr.img"))).size(), qint64(2068480)); // §1.4 item 3
    QCOMPARE((*volume)->headerBytes(), uint64_t(2068480));
    QVERIFY((*volume)->warnings().isEmpty());
    auto slot = (*volume)->addKeyslot(key, bytesOf(Passphrase), fastSlot());
    QVERIFY2(slot, qPrintable(slot.message()));
    volume.value().reset(); // our update left an exclusive flock on the file
    auto reloaded = loadImage(path(QStringLiteral("hdr.img")));
    QVERIFY2(reloaded, qPrintable(reloaded.message()));
    auto opened = (*reloaded)->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY2(opened, qPrintable(opened.message()));
    QVERIFY(std::ranges::equal(opened->volumeKey.bytes(), key.bytes()));
}

void TestLuks1::keyslotLifecycle()
{
    const QString image = createImage(m_dir->path(), QStringLiteral("k.img"), 4 << 20, 4);
    Luks1FormatOptions options;
    options.kdf = fastKdf();
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    const SecureBuffer key = randomKey(64);
    auto formatted = Luks1Volume::format(std::move(device.value()), options, key);
    QVERIFY2(formatted, qPrintable(formatted.message()));
    Luks1Volume& volume = **formatted;

    auto none = volume.unlock(bytesOf(Passphrase), std::nullopt);
    QCOMPARE(none.status().code(), ErrorCode::InvalidArgument);
    QCOMPARE(none.message(), QStringLiteral("No usable keyslot is available."));
    QVERIFY(!volume.verifyVolumeKey(randomKey(64)));
    QVERIFY(volume.verifyVolumeKey(key));

    for (int i = 0; i < 8; ++i) {
        auto slot = volume.addKeyslot(key, bytesOf(Passphrase + QByteArray::number(i)), fastSlot());
        QVERIFY2(slot, qPrintable(slot.message()));
        QCOMPARE(*slot, i);
    }
    QByteArray before = fileDigest(image);
    auto full = volume.addKeyslot(key, bytesOf(Passphrase), fastSlot());
    QCOMPARE(full.message(), QStringLiteral("All key slots full."));
    auto taken = volume.addKeyslot(key, bytesOf(Passphrase), fastSlot(3));
    QCOMPARE(taken.message(), QStringLiteral("Key slot 3 is full, please select another one."));
    auto outOfRange = volume.addKeyslot(key, bytesOf(Passphrase), fastSlot(8));
    QCOMPARE(outOfRange.message(), QStringLiteral("Key slot 8 is invalid, please select between 0 and 7."));
    auto wrongKey = volume.addKeyslot(randomKey(64), bytesOf(Passphrase), fastSlot());
    QVERIFY(!wrongKey);
    QCOMPARE(fileDigest(image), before);

    auto wrong = volume.unlock(bytesOf(QByteArrayLiteral("nope")), std::nullopt);
    QCOMPARE(wrong.status().code(), ErrorCode::WrongPassphrase);
    QCOMPARE(wrong.message(), QStringLiteral("No key available with this passphrase."));
    auto opened = volume.unlock(bytesOf(Passphrase + "5"), std::nullopt);
    QVERIFY2(opened, qPrintable(opened.message()));
    QCOMPARE(opened->keyslot, 5);
    QCOMPARE(volume.unlock(bytesOf(Passphrase + "5"), 4).status().code(), ErrorCode::WrongPassphrase);
    QVERIFY(volume.unlock(bytesOf(Passphrase + "5"), 5));

    const QByteArray material =
        readFile(image, qint64(volume.keyMaterialOffset(2)), qint64(volume.keyMaterialBytes()));
    QVERIFY(volume.destroyKeyslot(2));
    QVERIFY(!volume.isKeyslotActive(2));
    QVERIFY(readFile(image, qint64(volume.keyMaterialOffset(2)), qint64(volume.keyMaterialBytes())) !=
            material);
    QCOMPARE(volume.header().keyslots[2].iterations, 0u);
    QCOMPARE(volume.header().keyslots[2].salt, (std::array<uint8_t, 32>{}));
    before = fileDigest(image);
    QCOMPARE(volume.destroyKeyslot(2).message(), QStringLiteral("Keyslot 2 is not active."));
    QCOMPARE(volume.destroyKeyslot(9).message(), QStringLiteral("Key slot 9 is invalid."));
    QCOMPARE(fileDigest(image), before);
    QCOMPARE(volume.unlock(bytesOf(Passphrase + "2"), std::nullopt).status().code(),
             ErrorCode::WrongPassphrase);

    // luksChangeKey: slot 5 moves to the free slot 2; with none free it is rewritten in place.
    auto changed = volume.changeKeyslot(*opened, bytesOf(QByteArrayLiteral("new")), fastSlot());
    QVERIFY2(changed, qPrintable(changed.message()));
    QCOMPARE(*changed, 2);
    QVERIFY(!volume.isKeyslotActive(5));
    auto reopened = volume.unlock(bytesOf(QByteArrayLiteral("new")), std::nullopt);
    QVERIFY(reopened);
    QVERIFY(volume.addKeyslot(key, bytesOf(QByteArrayLiteral("fill")), fastSlot()));
    auto inPlace = volume.changeKeyslot(*reopened, bytesOf(QByteArrayLiteral("newer")), fastSlot());
    QVERIFY2(inPlace, qPrintable(inPlace.message()));
    QCOMPARE(*inPlace, 2);
    QVERIFY(volume.unlock(bytesOf(QByteArrayLiteral("newer")), 2));

    QCOMPARE(volume.setUuid(QStringLiteral("zz")).message(),
             QStringLiteral("Wrong LUKS UUID format provided."));
    QVERIFY(volume.setUuid(QStringLiteral("12345678-1234-1234-1234-123456789ABC")));
    QCOMPARE(volume.uuid(), QStringLiteral("12345678-1234-1234-1234-123456789abc"));
    QVERIFY(volume.eraseAllKeyslots());
    for (int i = 0; i < 8; ++i)
        QVERIFY(!volume.isKeyslotActive(i));
    const QString uuid = volume.uuid();
    formatted.value().reset(); // our update left an exclusive flock on the file
    auto reloaded = loadImage(image);
    QVERIFY(reloaded);
    QCOMPARE((*reloaded)->uuid(), uuid);
}

void TestLuks1::cryptsetupVolumesOpen_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("bits");
    QTest::addColumn<QString>("hash");
    QTest::newRow("aes-xts 256 sha256")
        << QStringLiteral("aes-xts-plain64") << 256 << QStringLiteral("sha256");
    QTest::newRow("aes-xts 512 sha512")
        << QStringLiteral("aes-xts-plain64") << 512 << QStringLiteral("sha512");
    QTest::newRow("aes-cbc-essiv sha1")
        << QStringLiteral("aes-cbc-essiv:sha256") << 256 << QStringLiteral("sha1");
    QTest::newRow("aes-cbc-essiv 128 ripemd160")
        << QStringLiteral("aes-cbc-essiv:sha256") << 128 << QStringLiteral("ripemd160");
    QTest::newRow("aes-xts 512 whirlpool")
        << QStringLiteral("aes-xts-plain64") << 512 << QStringLiteral("whirlpool");
    // (cryptsetup needs the kernel's crypto API, absent here, for serpent and twofish: qemu covers them.)
    QTest::newRow("aes-cbc-plain 256 sha256")
        << QStringLiteral("aes-cbc-plain") << 256 << QStringLiteral("sha256");
}

void TestLuks1::cryptsetupVolumesOpen()
{
    QFETCH(QString, cipher);
    QFETCH(int, bits);
    QFETCH(QString, hash);
    QString why;
    const QString image = cryptsetupImage(QStringLiteral("cs.img"), cipher, bits, hash, &why);
    if (image.isEmpty())
        QFAIL(qPrintable(why));
    const ToolRun keyDump =
        runTool(m_cryptsetup, {QStringLiteral("luksDump"), QStringLiteral("--dump-volume-key"),
                               QStringLiteral("-q"), QStringLiteral("-d"), passFile(), image});
    QVERIFY2(keyDump.ok(), keyDump.err.constData());
    const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
    QVERIFY(dump.ok());

    const QByteArray before = fileDigest(image);
    auto volume = loadImage(image, HeaderDevice::Access::ReadOnly);
    QVERIFY2(volume, qPrintable(volume.message()));
    QCOMPARE((*volume)->dump(image), QString::fromLatin1(dump.out));
    auto opened = (*volume)->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY2(opened, qPrintable(opened.message()));
    QCOMPARE(opened->keyslot, 0);
    QCOMPARE(opened->volumeKey.toHex().toLatin1(), dumpedKey(keyDump.out));
    QCOMPARE((*volume)->unlock(bytesOf(QByteArrayLiteral("wrong")), std::nullopt).status().code(),
             ErrorCode::WrongPassphrase);
    QCOMPARE(fileDigest(image), before);
}

void TestLuks1::ourVolumesOpenInCryptsetup_data()
{
    QTest::addColumn<QString>("cipherName");
    QTest::addColumn<QString>("cipherMode");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<QString>("hash");
    QTest::newRow("aes-xts 512 sha256") << "aes"
                                        << "xts-plain64" << 64 << "sha256";
    QTest::newRow("aes-cbc-essiv 256 sha1") << "aes"
                                            << "cbc-essiv:sha256" << 32 << "sha1";
    QTest::newRow("aes-xts 256 whirlpool") << "aes"
                                           << "xts-plain64" << 32 << "whirlpool";
}

void TestLuks1::ourVolumesOpenInCryptsetup()
{
    QFETCH(QString, cipherName);
    QFETCH(QString, cipherMode);
    QFETCH(int, keyBytes);
    QFETCH(QString, hash);
    if (m_cryptsetup.isEmpty())
        QFAIL("cryptsetup is not installed");
    const QString image = createImage(m_dir->path(), QStringLiteral("ours.img"), 4 << 20, 5);
    Luks1FormatOptions options;
    options.cipherName = cipherName;
    options.cipherMode = cipherMode;
    options.hash = hash;
    options.kdf = fastKdf();
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    const SecureBuffer key = randomKey(size_t(keyBytes));
    auto formatted = Luks1Volume::format(std::move(device.value()), options, key);
    QVERIFY2(formatted, qPrintable(formatted.message()));
    const QList<QByteArray> passphrases = {"first", "second", "third"};
    for (const QByteArray& p : passphrases)
        QVERIFY((*formatted)->addKeyslot(key, bytesOf(p), fastSlot()));
    QVERIFY((*formatted)->destroyKeyslot(1));
    const QString dump = (*formatted)->dump(image);
    formatted.value().reset(); // drop our flock

    const auto testPassphrase = [&](const QByteArray& p) {
        const QString file = path(QStringLiteral("p"));
        writeFile(file, p);
        return runTool(m_cryptsetup, {QStringLiteral("open"), QStringLiteral("--test-passphrase"),
                                      QStringLiteral("-d"), file, image});
    };
    QCOMPARE(testPassphrase("first").exitCode, 0);
    QCOMPARE(testPassphrase("second").exitCode, 2);
    QCOMPARE(testPassphrase("third").exitCode, 0);
    const ToolRun theirDump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
    QVERIFY(theirDump.ok());
    QCOMPARE(dump, QString::fromLatin1(theirDump.out));
    writeFile(path(QStringLiteral("p")), "third");
    const ToolRun keyDump =
        runTool(m_cryptsetup, {QStringLiteral("luksDump"), QStringLiteral("--dump-volume-key"),
                               QStringLiteral("-q"), QStringLiteral("-d"), path(QStringLiteral("p")), image});
    QVERIFY2(keyDump.ok(), keyDump.err.constData());
    QCOMPARE(dumpedKey(keyDump.out), key.toHex().toLatin1());

    // The other way round: cryptsetup adds a slot and kills one of ours.
    writeFile(path(QStringLiteral("new")), "fourth");
    const ToolRun added = runTool(
        m_cryptsetup, {QStringLiteral("luksAddKey"), QStringLiteral("-q"),
                       QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000"),
                       QStringLiteral("-d"), path(QStringLiteral("p")), image, path(QStringLiteral("new"))});
    QVERIFY2(added.ok(), added.err.constData());
    const ToolRun killed = runTool(
        m_cryptsetup, {QStringLiteral("luksKillSlot"), QStringLiteral("-q"), image, QStringLiteral("0")});
    QVERIFY2(killed.ok(), killed.err.constData());
    auto volume = loadImage(image);
    QVERIFY2(volume, qPrintable(volume.message()));
    QVERIFY(!(*volume)->isKeyslotActive(0));
    auto opened = (*volume)->unlock(bytesOf(QByteArrayLiteral("fourth")), std::nullopt);
    QVERIFY2(opened, qPrintable(opened.message()));
    QCOMPARE(opened->keyslot, 1);
    QVERIFY(std::ranges::equal(opened->volumeKey.bytes(), key.bytes()));
    QCOMPARE((*volume)->unlock(bytesOf(QByteArrayLiteral("first")), std::nullopt).status().code(),
             ErrorCode::WrongPassphrase);
}

void TestLuks1::qemuVolumesOpen_data()
{
    QTest::addColumn<QString>("alg");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("ivgen");
    QTest::addColumn<QString>("spec");
    QTest::newRow("serpent-256 xts") << "serpent-256"
                                     << "xts"
                                     << "plain64"
                                     << "serpent-xts-plain64";
    QTest::newRow("twofish-256 xts") << "twofish-256"
                                     << "xts"
                                     << "plain64"
                                     << "twofish-xts-plain64";
    QTest::newRow("cast5-128 cbc") << "cast5-128"
                                   << "cbc"
                                   << "plain64"
                                   << "cast5-cbc-plain64";
}

void TestLuks1::qemuVolumesOpen()
{
    QFETCH(QString, alg);
    QFETCH(QString, mode);
    QFETCH(QString, ivgen);
    QFETCH(QString, spec);
    const QString qemuImg = findTool(QStringLiteral("qemu-img"));
    const QString qemuIo = findTool(QStringLiteral("qemu-io"));
    if (qemuImg.isEmpty() || qemuIo.isEmpty())
        QFAIL("qemu-img / qemu-io are not installed");
    const QString image = path(QStringLiteral("q.img"));
    const QString secret = QStringLiteral("secret,id=sec0,data=") + QString::fromLatin1(Passphrase);
    ToolRun created;
    // qemu-img's iteration benchmark sometimes fails here ("Unable to get accurate CPU usage").
    for (int attempt = 0; attempt < 5 && !created.ok(); ++attempt) {
        QFile::remove(image);
        created =
            runTool(qemuImg, {QStringLiteral("create"), QStringLiteral("-f"), QStringLiteral("luks"),
                              QStringLiteral("--object"), secret, QStringLiteral("-o"),
                              QStringLiteral("key-secret=sec0,cipher-alg=%1,cipher-mode=%2,ivgen-alg=%3,"
                                             "hash-alg=sha256,iter-time=10")
                                  .arg(alg, mode, ivgen),
                              image, QStringLiteral("16M")});
    }
    if (!created.ok())
        QFAIL(qPrintable(QStringLiteral("qemu-img create failed 5 times: ") +
                         QString::fromLocal8Bit(created.err)));
    const ToolRun written =
        runTool(qemuIo, {QStringLiteral("--object"), secret, QStringLiteral("--image-opts"),
                         QStringLiteral("driver=luks,key-secret=sec0,file.filename=") + image,
                         QStringLiteral("-c"), QStringLiteral("write -P 0x5a 0 64k")});
    QVERIFY2(written.ok(), written.err.constData());

    auto volume = loadImage(image, HeaderDevice::Access::ReadOnly);
    QVERIFY2(volume, qPrintable(volume.message()));
    QCOMPARE((*volume)->cipherSpec(), spec);
    auto opened = (*volume)->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY2(opened, qPrintable(opened.message()));
    // The payload's IV sectors count from 0 at the payload offset, as the keyslot cipher's do.
    const qint64 payload = qint64((*volume)->payloadOffset()) * 512;
    const QByteArray sealed = readFile(image, payload, 64 << 10);
    auto cipher = KeyslotCipher::create(spec, opened->volumeKey.bytes());
    QVERIFY2(cipher, qPrintable(cipher.message()));
    std::vector<uint8_t> plain(size_t(sealed.size()));
    QVERIFY(cipher->decrypt(bytesOf(sealed), plain));
    QVERIFY(std::ranges::all_of(plain, [](uint8_t b) { return b == 0x5a; }));
}

void TestLuks1::ourVolumeReadsInQemu()
{
    const QString qemuImg = findTool(QStringLiteral("qemu-img"));
    if (qemuImg.isEmpty())
        QFAIL("qemu-img is not installed");
    const QString image = createImage(m_dir->path(), QStringLiteral("forqemu.img"), 3 << 20, 6);
    Luks1FormatOptions options;
    options.kdf = fastKdf();
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    const SecureBuffer key = randomKey(64);
    auto formatted = Luks1Volume::format(std::move(device.value()), options, key);
    QVERIFY2(formatted, qPrintable(formatted.message()));
    QVERIFY((*formatted)->addKeyslot(key, bytesOf(Passphrase), fastSlot()));
    const qint64 payload = qint64((*formatted)->payloadOffset()) * 512;
    formatted.value().reset();

    const QByteArray plain = patternBytes(9, 0, 1 << 20);
    auto cipher = KeyslotCipher::create(QStringLiteral("aes-xts-plain64"), key.bytes());
    QVERIFY(cipher);
    std::vector<uint8_t> sealed(size_t(plain.size()));
    QVERIFY(cipher->encrypt(bytesOf(plain), sealed));
    patchFile(image, payload,
              QByteArray(reinterpret_cast<const char*>(sealed.data()), qsizetype(sealed.size())));

    const QString raw = path(QStringLiteral("plain.raw"));
    const ToolRun converted =
        runTool(qemuImg, {QStringLiteral("convert"), QStringLiteral("--object"),
                          QStringLiteral("secret,id=sec0,data=") + QString::fromLatin1(Passphrase),
                          QStringLiteral("--image-opts"),
                          QStringLiteral("driver=luks,key-secret=sec0,file.filename=") + image,
                          QStringLiteral("-O"), QStringLiteral("raw"), raw});
    QVERIFY2(converted.ok(), converted.err.constData());
    QCOMPARE(readFile(raw), plain);
}

void TestLuks1::hostileHeaders_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<qint64>("truncateTo"); // -1: keep the size
    QTest::addColumn<QString>("error");     // empty: loads; then unlock and addKeyslot are tried
    QTest::addColumn<QString>("unlockError");
    const auto slot = [](int i, int field) {
        return qint64(208 + 48 * i + field);
    };
    const QString dev = QStringLiteral("Device %1 is not a valid LUKS device.");
    QTest::newRow("bad magic") << qint64(0) << QByteArray("LUKZ") << qint64(-1) << dev << QString();
    QTest::newRow("version 3") << qint64(6) << QByteArray("\0\3", 2) << qint64(-1)
                               << "Unsupported LUKS version 3." << QString();
    QTest::newRow("unknown hash") << qint64(72) << padded("foo", 32) << qint64(-1)
                                  << "Requested LUKS hash foo is not supported." << QString();
    QTest::newRow("md5") << qint64(72) << padded("md5", 32) << qint64(-1)
                         << "Requested LUKS hash md5 is not supported." << QString();
    QTest::newRow("stripes 4001") << slot(7, 44) << be32(4001) << qint64(-1) << "LUKS keyslot 7 is invalid."
                                  << QString();
    QTest::newRow("stripes 0") << slot(2, 44) << be32(0) << qint64(-1) << "LUKS keyslot 2 is invalid."
                               << QString();
    QTest::newRow("material inside header")
        << slot(3, 40) << be32(1) << qint64(-1) << "LUKS keyslot 3 is invalid." << QString();
    QTest::newRow("overlapping slots")
        << slot(3, 40) << be32(20) << qint64(-1) << "LUKS keyslot 0 is invalid." << QString();
    QTest::newRow("material past payload")
        << slot(7, 40) << be32(4000) << qint64(-1) << "LUKS keyslot 7 is invalid." << QString();
    QTest::newRow("material at payload")
        << slot(7, 40) << be32(4096) << qint64(-1) << "LUKS keyslot 7 is invalid." << QString();
    QTest::newRow("offset wraps in 32 bits")
        << slot(5, 40) << be32(0x800000) << qint64(-1) << "LUKS keyslot 5 is invalid." << QString();
    QTest::newRow("keyBytes 0") << qint64(108) << be32(0) << qint64(-1) << dev << QString();
    QTest::newRow("keyBytes 513") << qint64(108) << be32(513) << qint64(-1) << "LUKS keyslot 1 is invalid."
                                  << QString();
    QTest::newRow("device too small")
        << qint64(0) << QByteArray() << qint64(1 << 20)
        << "Device %1 is too small. (LUKS1 requires at least 1049600 bytes.)" << QString();
    QTest::newRow("device shorter than header")
        << qint64(0) << QByteArray() << qint64(1000) << dev << QString();
    QTest::newRow("slot 0 active garbage")
        << slot(0, 0) << be32(0x1234) << qint64(-1) << QString() << "No usable keyslot is available.";
    QTest::newRow("slot 0 iterations 0")
        << slot(0, 4) << be32(0) << qint64(-1) << QString() << "Cannot open keyslot (using hash sha256).";
    QTest::newRow("digest mismatch") << qint64(112) << QByteArray(20, '\x11') << qint64(-1) << QString()
                                     << "No key available with this passphrase.";
    QTest::newRow("unterminated cipher name")
        << qint64(8) << QByteArray(32, 'a') << qint64(-1) << QString()
        << "Cannot use aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-xts-plain64 cipher for "
           "keyslot encryption.";
}

void TestLuks1::hostileHeaders()
{
    QFETCH(qint64, offset);
    QFETCH(QByteArray, bytes);
    QFETCH(qint64, truncateTo);
    QFETCH(QString, error);
    QFETCH(QString, unlockError);
    // A 256-bit aes-xts volume (slots at 8, 264, …, 1800; payload 4096) with "pw" in slot 0.
    const QString image = createImage(m_dir->path(), QStringLiteral("h.img"), 4 << 20, 8);
    {
        Luks1FormatOptions options;
        options.kdf = fastKdf();
        auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
        QVERIFY(device);
        const SecureBuffer key = randomKey(32);
        auto volume = Luks1Volume::format(std::move(device.value()), options, key);
        QVERIFY(volume);
        QVERIFY((*volume)->addKeyslot(key, bytesOf(Passphrase), fastSlot()));
    }
    if (!bytes.isEmpty())
        patchFile(image, offset, bytes);
    if (truncateTo >= 0)
        QVERIFY(QFile::resize(image, truncateTo));
    const QByteArray before = fileDigest(image);

    auto volume = loadImage(image);
    if (!error.isEmpty()) {
        QVERIFY(!volume);
        QCOMPARE(volume.message(), error.contains(u"%1") ? error.arg(image) : error);
    } else {
        QVERIFY2(volume, qPrintable(volume.message()));
        auto opened = (*volume)->unlock(bytesOf(Passphrase), std::nullopt);
        QVERIFY(!opened);
        QCOMPARE(opened.message(), unlockError);
        // No valid key is at hand, so adding a slot must refuse before writing.
        QVERIFY(!(*volume)->addKeyslot(randomKey(32), bytesOf(Passphrase), fastSlot()));
    }
    QCOMPARE(fileDigest(image), before);

    // cryptsetup agrees on load (messages are compared by the rows above).
    if (!m_cryptsetup.isEmpty()) {
        const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
        QCOMPARE(dump.ok(), error.isEmpty());
        if (!error.isEmpty() && !error.startsWith(u"Device"))
            QVERIFY2(dump.err.startsWith(error.toLatin1()), dump.err.constData());
        QCOMPARE(fileDigest(image), before);
    }
}

void TestLuks1::repairFixesKnownGlitches_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("lines");
    QTest::newRow("stripes") << qint64(208 + 48 * 7 + 44) << be32(4001)
                             << QStringList{"LUKS keyslot 7 is invalid.",
                                            "Keyslot 7: stripes repaired (4001 -> 4000).",
                                            "Keyslot 7: salt wiped."};
    QTest::newRow("upper-case hash") << qint64(72) << padded("SHA256", 32)
                                     << QStringList{"LUKS hash SHA256 is invalid.",
                                                    "Cipher hash repaired to lowercase (sha256)."};
    QTest::newRow("offset of a disabled slot")
        << qint64(208 + 48 * 4 + 40) << be32(1040)
        << QStringList{"LUKS keyslot 4 is invalid.", "Keyslot 4: offset repaired (1040 -> 1032).",
                       "Keyslot 4: salt wiped."};
    QTest::newRow("nothing wrong") << qint64(0) << QByteArray() << QStringList{};
}

void TestLuks1::repairFixesKnownGlitches()
{
    QFETCH(qint64, offset);
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, lines);
    const QString image = createImage(m_dir->path(), QStringLiteral("r.img"), 4 << 20, 9);
    const SecureBuffer key = randomKey(32);
    {
        Luks1FormatOptions options;
        options.kdf = fastKdf();
        auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
        QVERIFY(device);
        auto volume = Luks1Volume::format(std::move(device.value()), options, key);
        QVERIFY(volume);
        QVERIFY((*volume)->addKeyslot(key, bytesOf(Passphrase), fastSlot()));
    }
    if (!bytes.isEmpty())
        patchFile(image, offset, bytes);
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    auto repaired = Luks1Volume::repair(**device);
    QVERIFY2(repaired, qPrintable(repaired.message()));
    QStringList errors;
    for (const Luks1RepairLine& line : repaired->lines) {
        if (!line.verbose)
            errors << line.text;
    }
    QCOMPARE(errors, lines);
    QCOMPARE(repaired->written, !lines.isEmpty());
    device.value().reset();
    auto volume = loadImage(image);
    QVERIFY2(volume, qPrintable(volume.message()));
    QCOMPARE((*volume)->hashSpec(), QStringLiteral("sha256"));
    QVERIFY((*volume)->unlock(bytesOf(Passphrase), std::nullopt));
}

QTEST_GUILESS_MAIN(TestLuks1)
#include "TestLuks1.moc"
