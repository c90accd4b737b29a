// End-to-end interoperability of the data, not just the headers: volumes made by cryptsetup 2.6.1
// and qemu-img open in CryptStack with their passphrase, and the decrypted data is what an
// implementation we did not write put there (python3-cryptography for cryptsetup's volumes, whose
// data cryptsetup cannot write without the kernel; qemu-img convert for qemu's LUKS1).
#include "ExternalTool.h"
#include "TestDevices.h"
#include "TestImages.h"
#include "core/Endian.h"
#include "formats/LuksVolume.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QByteArray Passphrase = "interop passphrase";
constexpr qint64 DataBytes = 256 * 1024;

// The reference plaintext: block k is SHA-256(LE32(seed) || LE32(k)) (tests/vectors/fill_luks_data.py).
QByteArray referencePlaintext(uint32_t seed, qint64 length)
{
    QByteArray out;
    for (uint32_t block = 0; out.size() < length; ++block) {
        uint8_t input[8];
        storeLE32(input, seed);
        storeLE32(input + 4, block);
        out += QCryptographicHash::hash(QByteArrayView(input, 8), QCryptographicHash::Sha256);
    }
    out.truncate(length);
    return out;
}

// The volume key and data offset as cryptsetup reports them (luksDump --dump-volume-key).
struct CryptsetupKey
{
    QByteArray keyHex;
    quint64 payloadSectors = 0;
};

CryptsetupKey dumpVolumeKey(const QString& cryptsetup, const QString& image, const QString& keyFile)
{
    const ToolRun run = runTool(cryptsetup, {QStringLiteral("luksDump"), QStringLiteral("--dump-volume-key"),
                                             QStringLiteral("-q"), QStringLiteral("-d"), keyFile, image});
    CryptsetupKey key;
    if (!run.ok())
        return key;
    bool inKey = false;
    for (const QByteArray& line : run.out.split('\n')) {
        if (line.startsWith("Payload offset:"))
            key.payloadSectors = line.mid(line.indexOf('\t') + 1).trimmed().toULongLong();
        if (line.startsWith("MK dump:"))
            inKey = true;
        else if (!line.startsWith('\t'))
            inKey = false;
        if (inKey)
            key.keyHex += line.mid(line.lastIndexOf('\t') + 1).replace(' ', "");
    }
    return key;
}

// Opens the volume's data through the crypt target with the table cryptsetup would load.
QByteArray readThroughCrypt(const QString& directory, const QString& image, const CryptActivation& activation,
                            const SecureBuffer& key, qint64 length)
{
    DeviceRegistry registry;
    const quint64 imageSectors = quint64(QFileInfo(image).size()) / 512;
    const quint64 unit = activation.sectorSize / 512;
    const quint64 sectors = (imageSectors - activation.dataOffsetSectors) / unit * unit;
    QString line = QStringLiteral("0 %1 crypt %2 %3 %4 %5 %6")
                       .arg(sectors)
                       .arg(activation.cipher, key.toHex())
                       .arg(activation.ivOffset)
                       .arg(image)
                       .arg(activation.dataOffsetSectors);
    if (!activation.optionWords.isEmpty())
        line += QStringLiteral(" %1 ").arg(activation.optionWords.size()) + activation.optionWords.join(u' ');
    auto device = createDevice(registry, directory, {line});
    if (!device)
        return {};
    QByteArray data(length, 0);
    if (!device->readBytes(0, data.data(), quint64(length)))
        return {};
    return data;
}

std::unique_ptr<LuksVolume> loadVolume(const QString& image)
{
    auto header = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
    if (!header)
        return nullptr;
    auto volume = LuksVolume::load(std::move(header.value()));
    if (!volume)
        qWarning("load failed: %s", qPrintable(volume.message()));
    return volume ? std::move(volume.value()) : nullptr;
}

std::span<const uint8_t> bytesOf(const QByteArray& data)
{
    return {reinterpret_cast<const uint8_t*>(data.constData()), size_t(data.size())};
}

} // namespace

class TestLuksInterop : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cryptsetupVolumes_data();
    void cryptsetupVolumes();
    void qemuVolumes_data();
    void qemuVolumes();

private:
    QString m_cryptsetup;
    QString m_python;
    QString m_qemuImg;
    QString m_fillScript;
};

void TestLuksInterop::initTestCase()
{
    m_cryptsetup = findTool(QStringLiteral("cryptsetup"));
    m_qemuImg = findTool(QStringLiteral("qemu-img"));
    // Debian's interpreter carries python3-cryptography; a user's pyenv may not.
    m_python = QFile::exists(QStringLiteral("/usr/bin/python3")) ? QStringLiteral("/usr/bin/python3")
                                                                 : findTool(QStringLiteral("python3"));
    m_fillScript =
        qEnvironmentVariable("CRYPTSTACK_SOURCE_DIR") + QStringLiteral("/tests/vectors/fill_luks_data.py");
}

void TestLuksInterop::cryptsetupVolumes_data()
{
    QTest::addColumn<QStringList>("formatOptions");
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("sectorSize");

    const QStringList pbkdf2{QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
                             QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000")};
    const QStringList argon2id{QStringLiteral("--pbkdf"),
                               QStringLiteral("argon2id"),
                               QStringLiteral("--pbkdf-force-iterations"),
                               QStringLiteral("4"),
                               QStringLiteral("--pbkdf-memory"),
                               QStringLiteral("32")};
    const QStringList luks2{QStringLiteral("--type"), QStringLiteral("luks2")};
    const QStringList luks1{QStringLiteral("--type"), QStringLiteral("luks1"),
                            QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000")};
    const QString xts = QStringLiteral("aes-xts-plain64");
    const QString essiv = QStringLiteral("aes-cbc-essiv:sha256");

    QTest::newRow("luks2 pbkdf2 xts-512 4096-byte sectors")
        << luks2 + pbkdf2 + QStringList{QStringLiteral("--sector-size"), QStringLiteral("4096")} << xts
        << 4096;
    QTest::newRow("luks2 pbkdf2 xts-512 512-byte sectors")
        << luks2 + pbkdf2 + QStringList{QStringLiteral("--sector-size"), QStringLiteral("512")} << xts << 512;
    QTest::newRow("luks2 argon2id xts-512 4096-byte sectors")
        << luks2 + argon2id + QStringList{QStringLiteral("--sector-size"), QStringLiteral("4096")} << xts
        << 4096;
    QTest::newRow("luks2 pbkdf2 cbc-essiv:sha256-256")
        << luks2 + pbkdf2 + QStringList{QStringLiteral("-c"),
                                        essiv,
                                        QStringLiteral("-s"),
                                        QStringLiteral("256"),
                                        QStringLiteral("--sector-size"),
                                        QStringLiteral("512")}
        << essiv << 512;
    QTest::newRow("luks1 xts-512") << luks1 << xts << 512;
    QTest::newRow("luks1 cbc-essiv:sha256-256")
        << luks1 + QStringList{QStringLiteral("-c"), essiv, QStringLiteral("-s"), QStringLiteral("256")}
        << essiv << 512;
}

void TestLuksInterop::cryptsetupVolumes()
{
    QFETCH(QStringList, formatOptions);
    QFETCH(QString, cipher);
    QFETCH(int, sectorSize);
    if (m_cryptsetup.isEmpty())
        QFAIL("cryptsetup is not installed (Debian package cryptsetup-bin)");
    if (m_python.isEmpty())
        QFAIL("python3 with python3-cryptography is not installed");

    QTemporaryDir dir;
    const QString image = dir.filePath(QStringLiteral("volume.img"));
    const QString keyFile = dir.filePath(QStringLiteral("passphrase"));
    {
        QFile file(keyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(Passphrase);
    }
    {
        QFile file(image);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(20 << 20));
    }

    const ToolRun format =
        runTool(m_cryptsetup, QStringList{QStringLiteral("luksFormat"), QStringLiteral("-q")} +
                                  formatOptions + QStringList{QStringLiteral("-d"), keyFile, image});
    QVERIFY2(format.ok(), format.err.constData());
    const CryptsetupKey theirs = dumpVolumeKey(m_cryptsetup, image, keyFile);
    QVERIFY(!theirs.keyHex.isEmpty());

    const uint32_t seed = 77;
    const ToolRun fill =
        runTool(m_python, {m_fillScript, image, QString::number(theirs.payloadSectors * 512),
                           QString::fromLatin1(theirs.keyHex), cipher, QString::number(sectorSize),
                           QString::number(DataBytes), QString::number(seed)});
    QVERIFY2(fill.ok(), fill.err.constData());

    auto volume = loadVolume(image);
    QVERIFY(volume);
    auto unlocked = volume->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY2(unlocked, qPrintable(unlocked.message()));
    QCOMPARE(unlocked.value().volumeKey.toHex().toLatin1(), theirs.keyHex);

    const CryptActivation activation = volume->activation();
    QCOMPARE(activation.cipher, cipher);
    QCOMPARE(activation.dataOffsetSectors, theirs.payloadSectors);
    QCOMPARE(int(activation.sectorSize), sectorSize);
    const QByteArray plaintext =
        readThroughCrypt(dir.path(), image, activation, unlocked.value().volumeKey, DataBytes);
    QCOMPARE(plaintext.size(), DataBytes);
    QVERIFY(plaintext == referencePlaintext(seed, DataBytes));

    auto wrong = volume->unlock(bytesOf("not the passphrase"), std::nullopt);
    QCOMPARE(wrong.status().code(), ErrorCode::WrongPassphrase);
}

void TestLuksInterop::qemuVolumes_data()
{
    QTest::addColumn<QString>("qemuCipher");
    QTest::addColumn<QString>("qemuMode");
    QTest::addColumn<QString>("expectedCipher");

    QTest::newRow("aes-256 xts") << "aes-256"
                                 << "xts"
                                 << "aes-xts-plain64";
    QTest::newRow("serpent-256 xts") << "serpent-256"
                                     << "xts"
                                     << "serpent-xts-plain64";
    QTest::newRow("twofish-256 xts") << "twofish-256"
                                     << "xts"
                                     << "twofish-xts-plain64";
    QTest::newRow("cast5-128 cbc") << "cast5-128"
                                   << "cbc"
                                   << "cast5-cbc-plain64";
}

void TestLuksInterop::qemuVolumes()
{
    QFETCH(QString, qemuCipher);
    QFETCH(QString, qemuMode);
    QFETCH(QString, expectedCipher);
    if (m_qemuImg.isEmpty())
        QFAIL("qemu-img is not installed (Debian package qemu-utils)");

    QTemporaryDir dir;
    const QString image = dir.filePath(QStringLiteral("qemu.img"));
    const QString plainFile = dir.filePath(QStringLiteral("plain.raw"));
    const QString secretFile = dir.filePath(QStringLiteral("secret"));
    {
        QFile file(secretFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(Passphrase);
    }
    const QString secret = QStringLiteral("secret,id=sec0,file=") + secretFile;
    const QByteArray reference = referencePlaintext(91, DataBytes);
    {
        QFile file(plainFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(reference);
    }

    // qemu-img's PBKDF timing fails now and then on these machines ("Unable to get accurate CPU
    // usage"); the failure is in qemu's benchmark, so a retry is the remedy.
    ToolRun create;
    for (int attempt = 0; attempt < 6 && !create.ok(); ++attempt) {
        create = runTool(m_qemuImg,
                         {QStringLiteral("create"), QStringLiteral("-f"), QStringLiteral("luks"),
                          QStringLiteral("--object"), secret, QStringLiteral("-o"),
                          QStringLiteral("key-secret=sec0,cipher-alg=%1,cipher-mode=%2,ivgen-alg=plain64,"
                                         "hash-alg=sha256,iter-time=10")
                              .arg(qemuCipher, qemuMode),
                          image, QStringLiteral("4M")});
    }
    if (!create.ok())
        QFAIL(qPrintable(QStringLiteral("qemu-img create -f luks failed six times: ") +
                         QString::fromLocal8Bit(create.err)));
    const ToolRun convert =
        runTool(m_qemuImg, {QStringLiteral("convert"), QStringLiteral("-n"), QStringLiteral("--object"),
                            secret, QStringLiteral("-f"), QStringLiteral("raw"), plainFile,
                            QStringLiteral("--target-image-opts"),
                            QStringLiteral("driver=luks,key-secret=sec0,file.filename=") + image});
    QVERIFY2(convert.ok(), convert.err.constData());

    auto volume = loadVolume(image);
    QVERIFY(volume);
    QCOMPARE(volume->version(), 1);
    QCOMPARE(volume->cipherSpec(), expectedCipher);
    auto unlocked = volume->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY2(unlocked, qPrintable(unlocked.message()));
    const QByteArray plaintext =
        readThroughCrypt(dir.path(), image, volume->activation(), unlocked.value().volumeKey, DataBytes);
    QVERIFY(plaintext == reference);
}

QTEST_GUILESS_MAIN(TestLuksInterop)
#include "TestLuksInterop.moc"
