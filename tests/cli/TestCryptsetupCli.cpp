// The cryptsetup verbs in-process: plain-mode keys and table lines against cryptsetup 2.6.1's
// verified values (reference/luks.md §6, §7.2), passphrase reading rules, read/write round trips,
// every verb's happy path and error rows (message, exit code, image untouched), and interop with
// the real cryptsetup and qemu-io where they are installed.
#include "CliRunner.h"
#include "CommandTable.h"
#include "Console.h"
#include "PassphraseReader.h"
#include "TestImages.h"
#include "volume/PlainVolume.h"
#include "volume/VolumeMapper.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QByteArray PwKey = "f43812dd5d3d19175eaf2196a9a0b6251a97a059ef6847331f400afcc0389dbc";
const QByteArray PwNewlineKey = "a7912e3128566c546bd1886692cff730d5615108cbfed94ba05b7480725dbdc2";
// Cheap KDFs so a format or unlock takes milliseconds.
const QStringList CheapKdf{QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
                           QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000")};

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QString zeroImage(const QString& directory, const QString& name, qint64 bytes)
{
    const QString path = directory + u'/' + name;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || !file.resize(bytes))
        return {};
    return path;
}

QString hex(const SecureBuffer& buffer)
{
    return buffer.toHex();
}

struct Tool
{
    QString path;
    bool found() const { return !path.isEmpty(); }
};

Tool findTool(const QString& name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    return {path};
}

struct ProcessResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

ProcessResult runTool(const QString& program, const QStringList& arguments, const QByteArray& input = {})
{
    QProcess process;
    process.start(program, arguments);
    process.write(input);
    process.closeWriteChannel();
    process.waitForFinished(60000);
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

QString errLine(const CliResult& result)
{
    return QString::fromUtf8(result.err).trimmed();
}

QStringList convertBackups(const QString& image)
{
    const QFileInfo info(image);
    return info.dir().entryList({info.fileName() + QStringLiteral(".before-convert-*")}, QDir::Files);
}

} // namespace

class TestCryptsetupCli : public QObject
{
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_dir.isValid()); }

    void plainKeys_data();
    void plainKeys();
    void plainTableLines_data();
    void plainTableLines();
    void plainGeometryErrors_data();
    void plainGeometryErrors();
    void keyringLineForLuks2();
    void passphraseReading_data();
    void passphraseReading();
    void shellPlainOpenTable();
    void plainReadWriteRoundTrip();
    void luksVerbs_data();
    void luksVerbs();
    void luksErrorRows();
    void headerBackupRestore();
    void convertErrorRows();
    void convertBackupAndRestore();
    void interopCryptsetupOpensOurs_data();
    void interopCryptsetupOpensOurs();
    void interopQemuLuks1();
    void benchmarkLayout();

private:
    QString path(const QString& name) const { return m_dir.path() + u'/' + name; }
    QTemporaryDir m_dir;
};

void TestCryptsetupCli::plainKeys_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<int>("keyBits");
    QTest::addColumn<QByteArray>("key");
    QTest::newRow("ripemd160 pw") << "ripemd160" << QByteArray("pw") << 256 << PwKey;
    QTest::newRow("ripemd160 pw\\n") << "ripemd160" << QByteArray("pw\n") << 256 << PwNewlineKey;
    QTest::newRow("sha256 512-bit")
        << "sha256" << QByteArray("pw") << 512
        << QByteArray("30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
                      "a41b5408f03fd9e6d556251d9ecb1b3824f9ddf5019e112a65055150ab233002");
    QTest::newRow("sha1 512-bit") << "sha1" << QByteArray("pw") << 512
                                  << QByteArray(
                                         "1a91d62f7ca67399625a4368a6ab5d4a3baa607388dc22ce537380cc9b030225"
                                         "4f8d0bd757d248e89b86cf1a2d9b3d3a2fe71864990a4ceaf9de9f8a0e024aa8");
    QTest::newRow("sha256:16") << "sha256:16" << QByteArray("pw") << 256
                               << QByteArray("30c952fab122c3f9759f02a6d95c3758" + QByteArray(32, '0'));
    QTest::newRow("plain zero-pads") << "plain" << QByteArray("short") << 256
                                     << QByteArray("73686f7274" + QByteArray(54, '0'));
}

void TestCryptsetupCli::plainKeys()
{
    QFETCH(QString, hash);
    QFETCH(QByteArray, passphrase);
    QFETCH(int, keyBits);
    QFETCH(QByteArray, key);
    PlainOptions options;
    options.hash = hash;
    options.keyBits = static_cast<size_t>(keyBits);
    auto derived = PlainVolume::volumeKey(
        options, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(passphrase.constData()),
                                          static_cast<size_t>(passphrase.size())));
    QVERIFY2(derived, qPrintable(derived.message()));
    QCOMPARE(hex(*derived), QString::fromLatin1(key));
}

void TestCryptsetupCli::plainTableLines_data()
{
    QTest::addColumn<QStringList>("options"); // offset skip size sectorSize ivLarge
    QTest::addColumn<QString>("line");        // %1 = the image path
    QTest::newRow("defaults") << QStringList{"0", "0", "0", "512", "0"}
                              << "0 32768 crypt aes-cbc-essiv:sha256 " + QString::fromLatin1(PwKey) +
                                     " 0 %1 0";
    QTest::newRow("offset 2048 skip 16")
        << QStringList{"2048", "16", "0", "512", "0"}
        << "0 30720 crypt aes-cbc-essiv:sha256 " + QString::fromLatin1(PwKey) + " 16 %1 2048";
    QTest::newRow("offset 2048 skip 16 size 104")
        << QStringList{"2048", "16", "104", "512", "0"}
        << "0 104 crypt aes-cbc-essiv:sha256 " + QString::fromLatin1(PwKey) + " 16 %1 2048";
    QTest::newRow("sector 4096 offset 8 iv_large")
        << QStringList{"8", "0", "0", "4096", "1"}
        << "0 32760 crypt aes-cbc-essiv:sha256 " + QString::fromLatin1(PwKey) +
               " 0 %1 8 2 iv_large_sectors sector_size:4096";
}

void TestCryptsetupCli::plainTableLines()
{
    QFETCH(QStringList, options);
    QFETCH(QString, line);
    const QString image = zeroImage(m_dir.path(), QStringLiteral("plain16.img"), 16 << 20);
    PlainOptions plain;
    plain.offset = options.at(0).toULongLong();
    plain.skip = options.at(1).toULongLong();
    plain.size = options.at(2).toULongLong();
    plain.sectorSize = options.at(3).toUInt();
    plain.ivLargeSectors = options.at(4) == u"1";
    auto activation = PlainVolume::activation(plain);
    QVERIFY2(activation, qPrintable(activation.message()));
    auto key =
        PlainVolume::volumeKey(plain, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("pw"), 2));
    QVERIFY(key);
    MappingRequest request;
    request.name = QStringLiteral("p");
    request.dataDevice = image;
    request.volumeType = QStringLiteral("PLAIN");
    request.activation = *activation;
    if (plain.size)
        request.lengthSectors = plain.size;
    auto text = VolumeMapper::tableLine(request, *key);
    QVERIFY2(text, qPrintable(text.message()));
    QCOMPARE(*text, line.arg(image));
    // The mapping itself loads that line (the key shows with --showkeys only).
    DeviceRegistry registry;
    VolumeMapper mapper(registry);
    auto device = mapper.open(request, *key);
    QVERIFY2(device, qPrintable(device.message()));
    QCOMPARE(device.value()->identity().uuid, QStringLiteral("CRYPT-PLAIN-p"));
    QVERIFY(mapper.close(QStringLiteral("p")));
    QCOMPARE(mapper.close(QStringLiteral("p")).message(), QStringLiteral("Device p is not active."));
}

void TestCryptsetupCli::plainGeometryErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("offset past the end") << QStringList{"--plain-offset", "40000"}
                                         << "Requested offset is beyond real size of device %1." << 1;
    QTest::newRow("size too large") << QStringList{"--size", "40000"} << "Device %1 is too small." << 1;
    QTest::newRow("bad sector size") << QStringList{"--sector-size", "1000"}
                                     << "Unsupported encryption sector size." << 1;
    QTest::newRow("iv_large_sectors at 512") << QStringList{"--iv-large-sectors"}
                                             << "Large IV sectors option is supported only for opening plain "
                                                "type device with sector size larger than "
                                                "512 bytes."
                                             << 1;
    QTest::newRow("unaligned size") << QStringList{"--sector-size", "4096", "--size", "100"}
                                    << "Device size is not aligned to requested sector size." << 1;
    QTest::newRow("key size") << QStringList{"-s", "100"} << "Key size must be a multiple of 8 bits" << 1;
    QTest::newRow("bad cipher") << QStringList{"-c", "-xts"}
                                << "No known cipher specification pattern detected." << 1;
}

void TestCryptsetupCli::plainGeometryErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QFETCH(int, exitCode);
    const QString image = zeroImage(m_dir.path(), QStringLiteral("geometry.img"), 16 << 20);
    const QByteArray before = fileDigest(image);
    const CliResult result =
        runCli(QStringList{"write", image, "--type", "plain", "-i", path("none")} + arguments, "pw\n");
    QCOMPARE(errLine(result),
             QStringLiteral("cryptstack: ") + (error.contains(u"%1") ? error.arg(image) : error));
    QCOMPARE(result.exitCode, exitCode);
    QCOMPARE(fileDigest(image), before);
}

void TestCryptsetupCli::keyringLineForLuks2()
{
    const QString image = zeroImage(m_dir.path(), QStringLiteral("l2.img"), 32 << 20);
    MappingRequest request;
    request.name = QStringLiteral("n2");
    request.dataDevice = image;
    request.volumeType = QStringLiteral("LUKS2");
    request.volumeUuid = QStringLiteral("742acca4-5d1d-4de1-a261-60c09b65aab9");
    request.activation.cipher = QStringLiteral("aes-xts-plain64");
    request.activation.keyBytes = 64;
    request.activation.dataOffsetSectors = 32768;
    request.activation.sectorSize = 4096;
    request.activation.keyringDescription =
        QStringLiteral("cryptsetup:742acca4-5d1d-4de1-a261-60c09b65aab9-d0");
    SecureBuffer key(64);
    auto line = VolumeMapper::tableLine(request, key);
    QVERIFY(line);
    QCOMPARE(*line,
             QStringLiteral("0 32768 crypt aes-xts-plain64 :64:logon:cryptsetup:742acca4-5d1d-4de1-a261-"
                            "60c09b65aab9-d0 0 %1 32768 1 sector_size:4096")
                 .arg(image));
    request.flags.allowDiscards = true;
    request.flags.noReadWorkqueue = true;
    request.activation.sectorSize = 512;
    request.useKeyring = false;
    line = VolumeMapper::tableLine(request, key);
    QVERIFY(line);
    QCOMPARE(*line,
             QStringLiteral("0 32768 crypt aes-xts-plain64 %1 0 %2 32768 2 allow_discards no_read_workqueue")
                 .arg(QString(128, u'0'), image));
    // Through a registry: the key goes through the keyring and is unlinked once the target has it.
    request.useKeyring = true;
    DeviceRegistry registry;
    VolumeMapper mapper(registry);
    auto device = mapper.open(request, key);
    QVERIFY2(device, qPrintable(device.message()));
    QCOMPARE(device.value()->identity().uuid,
             QStringLiteral("CRYPT-LUKS2-742acca45d1d4de1a26160c09b65aab9-n2"));
    QVERIFY(registry.keyRing().descriptions().isEmpty());
    QCOMPARE(mapper.open(request, key).message(), QStringLiteral("Device n2 already exists."));
}

void TestCryptsetupCli::passphraseReading_data()
{
    QTest::addColumn<QByteArray>("stdinBytes");
    QTest::addColumn<QByteArray>("fileBytes"); // written to key.bin when not empty
    QTest::addColumn<QString>("keyFile");      // "", "-" or "file"
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("size");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<QString>("error");
    QTest::newRow("stdin stops at newline")
        << QByteArray("pw\nrest") << QByteArray() << "" << 0 << 0 << QByteArray("pw") << "";
    QTest::newRow("stdin empty line")
        << QByteArray("\n") << QByteArray() << "" << 0 << 0 << QByteArray() << "";
    QTest::newRow("stdin nothing") << QByteArray() << QByteArray() << "" << 0 << 0 << QByteArray()
                                   << "Nothing to read on input.";
    QTest::newRow("-d - keeps newlines")
        << QByteArray("pw\nrest\n") << QByteArray() << "-" << 0 << 0 << QByteArray("pw\nrest\n") << "";
    QTest::newRow("-d - offset and size")
        << QByteArray("0123456789") << QByteArray() << "-" << 2 << 5 << QByteArray("23456") << "";
    QTest::newRow("file whole") << QByteArray() << QByteArray("key\nbytes\n") << "file" << 0 << 0
                                << QByteArray("key\nbytes\n") << "";
    QTest::newRow("file offset size")
        << QByteArray() << QByteArray("0123456789") << "file" << 3 << 4 << QByteArray("3456") << "";
    QTest::newRow("file too short") << QByteArray() << QByteArray("0123") << "file" << 0 << 8 << QByteArray()
                                    << "Cannot read requested amount of data.";
    QTest::newRow("file offset past end") << QByteArray() << QByteArray("0123") << "file" << 9 << 0
                                          << QByteArray() << "Cannot seek to requested keyfile offset.";
    QTest::newRow("file too large") << QByteArray() << QByteArray(8192 * 1024 + 1, 'x') << "file" << 0 << 0
                                    << QByteArray() << "Maximum keyfile size exceeded.";
    QTest::newRow("file missing") << QByteArray() << QByteArray() << "file" << 0 << 0 << QByteArray()
                                  << "Failed to open key file.";
}

void TestCryptsetupCli::passphraseReading()
{
    QFETCH(QByteArray, stdinBytes);
    QFETCH(QByteArray, fileBytes);
    QFETCH(QString, keyFile);
    QFETCH(int, offset);
    QFETCH(int, size);
    QFETCH(QByteArray, expected);
    QFETCH(QString, error);
    QBuffer in(&stdinBytes);
    QByteArray outBytes, errBytes;
    QBuffer out(&outBytes), err(&errBytes);
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    err.open(QIODevice::WriteOnly);
    cli::Console console(&in, &out, &err);
    cli::KeySource source;
    if (keyFile == u"file") {
        source.keyFile = path(QStringLiteral("reader-key.bin"));
        QFile::remove(source.keyFile);
        if (!fileBytes.isEmpty())
            QVERIFY(writeFile(source.keyFile, fileBytes));
    } else {
        source.keyFile = keyFile;
    }
    source.keyfileOffset = static_cast<uint64_t>(offset);
    source.keyfileSize = static_cast<uint64_t>(size);
    cli::PassphraseReader reader(console);
    auto key = reader.read(source, QStringLiteral("Enter passphrase: "));
    if (!error.isEmpty()) {
        QVERIFY(!key);
        QCOMPARE(key.message(), error);
        return;
    }
    QVERIFY2(key, qPrintable(key.message()));
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(key->data()), static_cast<qsizetype>(key->size())),
             expected);
    QVERIFY(outBytes.isEmpty()); // nothing echoed, nothing logged
    QVERIFY(errBytes.isEmpty());
}

void TestCryptsetupCli::shellPlainOpenTable()
{
    // Through the shell (script from a file, so stdin carries the passphrase): the exact table.
    const QString image = zeroImage(m_dir.path(), QStringLiteral("shell.img"), 16 << 20);
    const QString script = path(QStringLiteral("open.script"));
    QVERIFY(writeFile(
        script,
        QStringLiteral("open %1 p --type plain\ntable --showkeys p\nclose p\nls\n").arg(image).toUtf8()));
    CliResult result = runCli({"shell", "-f", script}, "pw\n");
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out),
             QStringLiteral("0 32768 crypt aes-cbc-essiv:sha256 %1 0 %2 0\nNo devices found\n")
                 .arg(QString::fromLatin1(PwKey), image));
    // -d - keeps the newline: the a791… key (reference/luks.md §6.2).
    QVERIFY(writeFile(
        script, QStringLiteral("open %1 p --type plain -d -\ntable --showkeys p\n").arg(image).toUtf8()));
    result = runCli({"shell", "-f", script}, "pw\n");
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(PwNewlineKey), result.out.constData());
    // A script on stdin cannot also give the passphrase there.
    result = runCli({"shell"}, QStringLiteral("open %1 p --type plain -d -\n").arg(image).toUtf8());
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.err.contains("stdin holds the shell's commands"));
}

void TestCryptsetupCli::plainReadWriteRoundTrip()
{
    const QString image = createImage(m_dir.path(), QStringLiteral("rw.img"), 4 << 20, 7);
    const QString key = path(QStringLiteral("plain.key"));
    QVERIFY(writeFile(key, patternBytes(99, 0, 64)));
    const QString data = path(QStringLiteral("data.bin"));
    const QByteArray payload = patternBytes(3, 0, 300000);
    QVERIFY(writeFile(data, payload));
    const QStringList open{"--type", "plain",          "-d", key, "-c", "aes-xts-plain64", "-s",
                           "512",    "--plain-offset", "16"};
    CliResult result = runCli(QStringList{"write", image, "--offset", "4096", "-i", data} + open);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    // Encrypted on disk: the plaintext is not there.
    QVERIFY(!readFile(image).contains(payload.left(4096)));
    const QString out = path(QStringLiteral("out.bin"));
    result = runCli(QStringList{"read", image, "--offset", "4096", "--length", "300000", "-o", out} + open);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(readFile(out), payload);
    // The passphrase on stdin's first line, the data after it.
    const QStringList hashed{"--type", "plain", "-c", "aes-cbc-essiv:sha256"};
    result = runCli(QStringList{"write", image} + hashed, "secret\nHELLO");
    QVERIFY2(result.exitCode == 0, result.err.constData());
    result = runCli(QStringList{"read", image, "--length", "5"} + hashed, "secret\n");
    QCOMPARE(result.out, QByteArray("HELLO"));
    // A write past the end is refused before anything is written.
    const QByteArray before = fileDigest(image);
    result = runCli(
        QStringList{"write", image, "--offset", QString::number((4 << 20) - 16 * 512 - 10), "-i", data} +
        open);
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(fileDigest(image), before);
}

void TestCryptsetupCli::luksVerbs_data()
{
    QTest::addColumn<QString>("type");
    QTest::newRow("luks1") << "luks1";
    QTest::newRow("luks2") << "luks2";
}

void TestCryptsetupCli::luksVerbs()
{
    QFETCH(QString, type);
    const QString image = zeroImage(m_dir.path(), type + QStringLiteral(".img"), 20 << 20);
    const QString pw = path(QStringLiteral("pw.key"));
    const QString pw2 = path(QStringLiteral("pw2.key"));
    const QString pw3 = path(QStringLiteral("pw3.key"));
    QVERIFY(writeFile(pw, "pw"));
    QVERIFY(writeFile(pw2, "second"));
    QVERIFY(writeFile(pw3, "third"));
    CliResult result = runCli(QStringList{"luksFormat", "-q", "-v", "--type", type, image, pw} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(QString::fromUtf8(result.out), QStringLiteral("Key slot 0 created.\nCommand successful.\n"));
    QCOMPARE(runCli({"isLuks", image}).exitCode, 0);
    QCOMPARE(runCli({"isLuks", "--type", type == u"luks1" ? "luks2" : "luks1", image}).exitCode, 1);
    result = runCli({"luksUUID", image});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed().size(), 36);
    // Passphrase on stdin (newline stripped), with -v.
    result = runCli({"open", "--test-passphrase", "-v", image}, "pw\n");
    QCOMPARE(QString::fromUtf8(result.out), QStringLiteral("Key slot 0 unlocked.\nCommand successful.\n"));
    QCOMPARE(result.exitCode, 0);
    result = runCli(QStringList{"luksAddKey", "-v", image, pw2, "-d", pw} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.out.contains("Key slot 1 created."));
    result = runCli(QStringList{"luksChangeKey", image, pw3, "-d", pw2, "-v"} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const auto created =
        QRegularExpression(QStringLiteral("Key slot (\\d+) created\\.")).match(QString::fromUtf8(result.out));
    QVERIFY2(created.hasMatch(), result.out.constData());
    const QString changedSlot = created.captured(1);
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw3}).exitCode, 0);
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw2}).exitCode, 2);
    // Data through the crypt target, and the dump.
    const QString data = path(QStringLiteral("luks-data.bin"));
    QVERIFY(writeFile(data, patternBytes(5, 0, 100000)));
    result = runCli({"write", image, "-d", pw, "-i", data, "--offset", "512"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    result = runCli({"read", image, "-d", pw3, "--offset", "512", "--length", "100000"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(result.out, patternBytes(5, 0, 100000));
    result = runCli({"luksDump", image});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.startsWith("LUKS header information"));
    result = runCli({"luksDump", "-q", "--dump-volume-key", "-d", pw, image});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.contains("MK dump:\t"));
    const QString vk = path(type + QStringLiteral(".vk"));
    result = runCli({"luksDump", "-q", "--dump-volume-key", "-d", pw, "--volume-key-file", vk, image});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.contains(QByteArray("Key stored to file " + vk.toUtf8() + ".")));
    QCOMPARE(QFile::permissions(vk) & 0x7077, QFileDevice::ReadOwner); // 0400, as cryptsetup
    // luksAddKey with the volume key file, then kill and remove.
    result = runCli(QStringList{"luksAddKey", image, pw2, "--volume-key-file", vk, "-S", "5"} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    result = runCli({"luksKillSlot", "-v", image, "5", "-d", pw});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.out.contains("Keyslot 5 is selected for deletion.\n"));
    QVERIFY(result.out.contains("Key slot 5 removed.\n"));
    result = runCli({"luksRemoveKey", "-v", image, pw3});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY2(result.out.contains(QStringLiteral("Key slot %1 removed.\n").arg(changedSlot).toUtf8()),
             result.out.constData());
    if (type == u"luks2") {
        result = runCli({"config", image, "--label", "mylabel", "--subsystem", "mysub"});
        QVERIFY2(result.exitCode == 0, result.err.constData());
        QVERIFY(runCli({"luksDump", image}).out.contains("Label:         \tmylabel\n"));
        result = runCli({"luksDump", "--dump-json-metadata", image});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.out.startsWith("{"));
        QCOMPARE(runCli({"repair", "-v", image}).out,
                 QByteArray("No known problems detected for LUKS header.\n"
                            "Command successful.\n"));
    } else {
        result = runCli({"config", image, "--label", "x"});
        QCOMPARE(errLine(result),
                 QStringLiteral("cryptstack: Device %1 is not a valid LUKS2 device.").arg(image));
        QCOMPARE(result.exitCode, 1);
    }
    result = runCli({"luksUUID", image, "--uuid", "01234567-89ab-cdef-0123-456789abcdef"});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(runCli({"luksUUID", image}).out, QByteArray("01234567-89ab-cdef-0123-456789abcdef\n"));
    result = runCli({"erase", "-q", "-v", image});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.contains("Key slot 0 removed."));
    result = runCli({"open", "--test-passphrase", image, "-d", pw});
    QCOMPARE(errLine(result), QStringLiteral("cryptstack: No usable keyslot is available."));
    QCOMPARE(result.exitCode, 1);
}

void TestCryptsetupCli::luksErrorRows()
{
    const QString image = zeroImage(m_dir.path(), QStringLiteral("err.img"), 20 << 20);
    const QString pw = path(QStringLiteral("err.key"));
    const QString wrong = path(QStringLiteral("wrong.key"));
    QVERIFY(writeFile(pw, "pw"));
    QVERIFY(writeFile(wrong, "nope"));
    QVERIFY(runCli(QStringList{"luksFormat", "-q", "--type", "luks1", image, pw} + CheapKdf).exitCode == 0);
    const QByteArray before = fileDigest(image);
    struct Row
    {
        QStringList arguments;
        QByteArray stdinBytes;
        QString error; // empty: no message
        int exitCode;
    };
    const QString plainFile = zeroImage(m_dir.path(), QStringLiteral("notluks.img"), 1 << 20);
    const QList<Row> rows = {
        {{"open", "--test-passphrase", image}, "bad\n", "No key available with this passphrase.", 2},
        {{"open", "--test-passphrase", image, "-S", "3", "-d", pw}, {}, "No usable keyslot is available.", 1},
        // 2.6.1's key-file path (crypt_keyslot_add_by_keyfile) fails without a message; we say why.
        {{"luksAddKey", image, pw, "-d", wrong}, {}, "No key available with this passphrase.", 2},
        {{"luksRemoveKey", image, wrong}, {}, "No key available with this passphrase.", 2},
        {{"luksChangeKey", image, pw, "-d", wrong}, {}, "No key available with this passphrase.", 2},
        {{"luksKillSlot", image, "3", "-d", pw}, {}, "Keyslot 3 is not active.", 1},
        {{"luksKillSlot", image, "0", "-d", wrong}, {}, "No key available with this passphrase.", 2},
        {{"luksDump", plainFile},
         {},
         QStringLiteral("Device %1 is not a valid LUKS device.").arg(plainFile),
         1},
        {{"luksDump", path("absent.img")},
         {},
         QStringLiteral("Device %1 does not exist or access denied.").arg(path("absent.img")),
         4},
        {{"isLuks", plainFile}, {}, {}, 1},
        {{"luksUUID", image, "--uuid", "bad"}, {}, "Wrong LUKS UUID format provided.", 1},
        {{"config", image, "--label", "x"},
         {},
         QStringLiteral("Device %1 is not a valid LUKS2 device.").arg(image),
         1},
        {{"config", image}, {}, "Option --priority, --label or --subsystem is missing.", 1},
        {{"luksHeaderBackup", image}, {}, "Option --header-backup-file is required.", 1},
        {{"luksHeaderBackup", image, "--header-backup-file", pw},
         {},
         QStringLiteral("Requested header backup file %1 already exists.").arg(pw),
         1},
        {{"luksHeaderRestore", image, "--header-backup-file", plainFile},
         {},
         "Header backup file does not contain compatible LUKS header.",
         1},
        {{"open", image, "x", "-d", pw}, {}, {}, 1},
        {{"open", image}, {}, "Command requires device and mapped name as arguments.", 1},
        {{"open", image, "--type", "tcrypt", "x"}, {}, "Unrecognized metadata device type tcrypt.", 1},
        {{"open", image, "--type", "plain", "--test-passphrase"},
         {},
         "Option --test-passphrase is allowed only for open of LUKS, TCRYPT and BITLK devices.",
         1},
        {{"open", image, "--skip", "8", "--test-passphrase"},
         {},
         "Option --skip is supported only for open of plain and loopaes devices.",
         1},
        {{"luksFormat", "-q", "--type", "luks1", "--sector-size", "4096", image, pw},
         {},
         "Unsupported encryption sector size.",
         1},
        {{"luksFormat", "-q", "--offset", "8", "--align-payload", "8", image, pw},
         {},
         "Options --align-payload and --offset cannot be combined.",
         1},
    };
    for (const Row& row : rows) {
        const CliResult result = runCli(row.arguments, row.stdinBytes);
        const QString context =
            row.arguments.join(u' ') + QStringLiteral(": ") + QString::fromUtf8(result.err);
        if (!row.error.isEmpty())
            QVERIFY2(errLine(result) == QStringLiteral("cryptstack: ") + row.error, qPrintable(context));
        else if (row.arguments.first() == u"isLuks" || row.arguments.first() == u"luksAddKey")
            QVERIFY2(result.err.isEmpty(), qPrintable(context));
        QVERIFY2(result.exitCode == row.exitCode, qPrintable(context));
        QVERIFY2(fileDigest(image) == before, qPrintable(context));
    }
    // -v adds cryptsetup's footer on failure.
    const CliResult verbose = runCli({"isLuks", "-v", plainFile});
    QCOMPARE(QString::fromUtf8(verbose.err),
             QStringLiteral("cryptstack: Command failed with code -1 (wrong or missing parameters).\n"));
}

void TestCryptsetupCli::headerBackupRestore()
{
    const QString image = zeroImage(m_dir.path(), QStringLiteral("backup.img"), 20 << 20);
    const QString pw = path(QStringLiteral("b.key"));
    QVERIFY(writeFile(pw, "pw"));
    QVERIFY(runCli(QStringList{"luksFormat", "-q", image, pw} + CheapKdf).exitCode == 0);
    const QString backup = path(QStringLiteral("hdr.backup"));
    CliResult result = runCli({"luksHeaderBackup", image, "--header-backup-file", backup});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(QFile::permissions(backup) & 0x7077, QFileDevice::ReadOwner); // 0400, as cryptsetup
    QCOMPARE(QFileInfo(backup).size(), 16 << 20);
    // Ruin the header, restore it, and open again.
    QVERIFY(runCli({"erase", "-q", image}).exitCode == 0);
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw}).exitCode, 1);
    result = runCli({"luksHeaderRestore", "-q", image, "--header-backup-file", backup});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.out.contains(QByteArray("was saved to " + image.toUtf8() + ".before-restore-")));
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw}).exitCode, 0);
    // A LUKS2 backup with another header size is refused over LUKS2.
    const QString other = zeroImage(m_dir.path(), QStringLiteral("other.img"), 20 << 20);
    QVERIFY(runCli(QStringList{"luksFormat", "-q", other, pw, "--luks2-metadata-size", "65536"} + CheapKdf)
                .exitCode == 0);
    const QByteArray before = fileDigest(other);
    result = runCli({"luksHeaderRestore", "-q", other, "--header-backup-file", backup});
    QCOMPARE(errLine(result),
             QStringLiteral(
                 "cryptstack: Binary header with keyslot areas size differ on device and backup, restore "
                 "failed."));
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(fileDigest(other), before);
}

void TestCryptsetupCli::convertErrorRows()
{
    const QString image = zeroImage(m_dir.path(), QStringLiteral("conv-err.img"), 8 << 20);
    const QString sector4k = zeroImage(m_dir.path(), QStringLiteral("conv-4k.img"), 20 << 20);
    const QString plainFile = zeroImage(m_dir.path(), QStringLiteral("conv-plain.img"), 1 << 20);
    const QString pw = path(QStringLiteral("conv.key"));
    QVERIFY(writeFile(pw, "pw"));
    QVERIFY(runCli(QStringList{"luksFormat", "-q", "--type", "luks1", image, pw} + CheapKdf).exitCode == 0);
    QVERIFY(runCli(QStringList{"luksFormat", "-q", "--type", "luks2", "--sector-size", "4096", sector4k, pw} +
                   CheapKdf)
                .exitCode == 0);
    struct Row
    {
        QStringList arguments;
        QString error;
        int exitCode;
    };
    const QList<Row> rows = {
        {{"convert", image}, "Invalid LUKS type, only luks1 and luks2 are supported.", 1},
        {{"convert", "--type", "LUKS2", image}, "Invalid LUKS type, only luks1 and luks2 are supported.", 1},
        {{"convert", "--type", "luks1", image}, "Device is already LUKS1 type.", 1},
        {{"convert", "--type", "luks2", plainFile},
         QStringLiteral("Device %1 is not a valid LUKS device.").arg(plainFile),
         1},
        {{"convert", "--type", "luks1", sector4k},
         "Cannot convert to LUKS1 format - default segment encryption sector size is not 512 bytes.",
         1},
    };
    const Tool cryptsetup = findTool(QStringLiteral("cryptsetup"));
    for (const Row& row : rows) {
        const QString target = row.arguments.last();
        const QByteArray before = fileDigest(target);
        const CliResult result = runCli(row.arguments);
        const QString context =
            row.arguments.join(u' ') + QStringLiteral(": ") + QString::fromUtf8(result.err);
        QVERIFY2(errLine(result) == QStringLiteral("cryptstack: ") + row.error, qPrintable(context));
        QVERIFY2(result.exitCode == row.exitCode, qPrintable(context));
        QVERIFY2(fileDigest(target) == before, qPrintable(context));
        QVERIFY2(convertBackups(target).isEmpty(), qPrintable(context));
        if (cryptsetup.found()) {
            // cryptsetup's verdict on the same image (it refuses before writing, too).
            const ProcessResult theirs = runTool(cryptsetup.path, QStringList{"-q"} + row.arguments);
            QVERIFY2(theirs.exitCode == row.exitCode, theirs.err.constData());
            QCOMPARE(QString::fromUtf8(theirs.err).trimmed(), row.error);
            QVERIFY2(fileDigest(target) == before, qPrintable(context));
        }
    }
    // At a terminal only "YES" goes ahead; anything else aborts with exit code 2.
    const QByteArray before = fileDigest(image);
    const CliResult aborted = runCliInteractive({"convert", "--type", "luks2", image}, "yes\n");
    QCOMPARE(QString::fromUtf8(aborted.out),
             QStringLiteral("\nWARNING!\n========\nThis operation will convert %1 to LUKS2 format.\n\n\n"
                            "Are you sure? (Type 'yes' in capital letters): ")
                 .arg(image));
    QCOMPARE(aborted.err, QByteArray("cryptstack: Operation aborted, device was NOT converted.\n\n"));
    QCOMPARE(aborted.exitCode, 2);
    QCOMPARE(fileDigest(image), before);
    QVERIFY(convertBackups(image).isEmpty());
}

void TestCryptsetupCli::convertBackupAndRestore()
{
    const QString image = zeroImage(m_dir.path(), QStringLiteral("conv.img"), 8 << 20);
    const QString pw = path(QStringLiteral("conv-ok.key"));
    QVERIFY(writeFile(pw, "pw"));
    QVERIFY(runCli(QStringList{"luksFormat", "-q", "--type", "luks1", image, pw} + CheapKdf).exitCode == 0);
    const QByteArray original = readFile(image);
    CliResult result = runCliInteractive({"convert", "--type", "luks2", image}, "YES\n");
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(result.err.isEmpty());
    const QStringList backups = convertBackups(image);
    QCOMPARE(backups.size(), 1);
    const QString backup = path(backups.first());
    QVERIFY2(
        result.out.endsWith(QStringLiteral("The header area (2068480 bytes) was saved to %1; to undo the "
                                           "conversion run: cryptstack luksHeaderRestore %2 "
                                           "--header-backup-file %1\n")
                                .arg(backup, image)
                                .toUtf8()),
        result.out.constData());
    QCOMPARE(QFile::permissions(backup) & 0x7077, QFileDevice::ReadOwner); // 0400
    QCOMPARE(readFile(backup), original.left(2068480));
    QCOMPARE(runCli({"isLuks", "--type", "luks2", image}).exitCode, 0);
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw}).exitCode, 0);
    result = runCli({"convert", "--type", "luks2", image});
    QCOMPARE(errLine(result), QStringLiteral("cryptstack: Device is already LUKS2 type."));
    // The printed command undoes the conversion: the LUKS1 header area is back byte for byte.
    result = runCli({"luksHeaderRestore", "-q", image, "--header-backup-file", backup});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(readFile(image, 0, 2068480), original.left(2068480));
    QCOMPARE(runCli({"isLuks", "--type", "luks1", image}).exitCode, 0);
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw}).exitCode, 0);
    // And back again to LUKS1 without a prompt (stdin is not a terminal).
    QVERIFY(runCli({"convert", "--type", "luks2", image}).exitCode == 0);
    result = runCli({"convert", "--type", "luks1", image});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(readFile(image, 0, 2068480), original.left(2068480));
}

void TestCryptsetupCli::interopCryptsetupOpensOurs_data()
{
    QTest::addColumn<QString>("type");
    QTest::newRow("luks1") << "luks1";
    QTest::newRow("luks2") << "luks2";
}

void TestCryptsetupCli::interopCryptsetupOpensOurs()
{
    QFETCH(QString, type);
    const Tool cryptsetup = findTool(QStringLiteral("cryptsetup"));
    if (!cryptsetup.found())
        QFAIL("cryptsetup is not installed");
    const QString image =
        zeroImage(m_dir.path(), QStringLiteral("interop-") + type + QStringLiteral(".img"), 20 << 20);
    const QString pw = path(QStringLiteral("interop.key"));
    QVERIFY(writeFile(pw, "interop pw"));
    CliResult ours = runCli(QStringList{"luksFormat", "-q", "--type", type, image, pw} + CheapKdf);
    QVERIFY2(ours.exitCode == 0, ours.err.constData());
    ProcessResult theirs = runTool(cryptsetup.path, {"open", "--test-passphrase", "-d", pw, image});
    QVERIFY2(theirs.exitCode == 0, theirs.err.constData());
    // luksDump agrees line by line.
    theirs = runTool(cryptsetup.path, {"luksDump", image});
    QCOMPARE(theirs.exitCode, 0);
    ours = runCli({"luksDump", image});
    const QStringList theirLines = QString::fromUtf8(theirs.out).split(u'\n');
    const QStringList ourLines = QString::fromUtf8(ours.out).split(u'\n');
    for (qsizetype i = 0; i < std::max(theirLines.size(), ourLines.size()); ++i)
        QCOMPARE(ourLines.value(i), theirLines.value(i));
    // Data we write decrypts with the key cryptsetup extracts (the plain mapping of that key).
    const QString data = path(QStringLiteral("interop-data.bin"));
    QVERIFY(writeFile(data, QByteArray(65536, char(0x5a))));
    ours = runCli({"write", image, "-d", pw, "-i", data});
    QVERIFY2(ours.exitCode == 0, ours.err.constData());
    const QString vk = path(QStringLiteral("interop-") + type + QStringLiteral(".vk"));
    theirs = runTool(cryptsetup.path,
                     {"luksDump", "-q", "--dump-volume-key", "--volume-key-file", vk, "-d", pw, image});
    QVERIFY2(theirs.exitCode == 0, theirs.err.constData());
    const QString offset =
        QString::fromUtf8(theirs.out).section(QStringLiteral("Payload offset:\t"), 1).section(u'\n', 0, 0);
    QStringList plain{"read", image, "--type", "plain",          "-c",   "aes-xts-plain64", "-s",
                      "512",  "-d",  vk,       "--plain-offset", offset, "--length",        "65536"};
    if (type == u"luks2")
        plain += {"--sector-size", "4096"};
    ours = runCli(plain);
    QVERIFY2(ours.exitCode == 0, ours.err.constData());
    QCOMPARE(ours.out, QByteArray(65536, char(0x5a)));
}

void TestCryptsetupCli::interopQemuLuks1()
{
    const Tool cryptsetup = findTool(QStringLiteral("cryptsetup"));
    const Tool qemuIo = findTool(QStringLiteral("qemu-io"));
    if (!cryptsetup.found() || !qemuIo.found())
        QFAIL("cryptsetup or qemu-io is not installed");
    const QString pw = path(QStringLiteral("qemu.key"));
    QVERIFY(writeFile(pw, "qemu pw"));
    const QString secret = QStringLiteral("secret,id=s,file=%1").arg(pw);
    // Ours, read by qemu.
    const QString ours = zeroImage(m_dir.path(), QStringLiteral("q-ours.img"), 8 << 20);
    QVERIFY(runCli(QStringList{"luksFormat", "-q", "--type", "luks1", ours, pw} + CheapKdf).exitCode == 0);
    const QString data = path(QStringLiteral("q-data.bin"));
    QVERIFY(writeFile(data, QByteArray(65536, char(0x5a))));
    CliResult result = runCli({"write", ours, "-d", pw, "-i", data});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    ProcessResult qemu =
        runTool(qemuIo.path, {"--object", secret, "--image-opts",
                              "driver=luks,key-secret=s,file.filename=" + ours, "-c", "read -P 0x5a 0 64k"});
    QVERIFY2(qemu.exitCode == 0 && !qemu.out.contains("Pattern verification failed"),
             QByteArray(qemu.out + qemu.err).constData());
    // cryptsetup's, written by qemu, read by us.
    const QString theirs = zeroImage(m_dir.path(), QStringLiteral("q-theirs.img"), 8 << 20);
    ProcessResult made = runTool(cryptsetup.path, {"luksFormat", "-q", "--type", "luks1",
                                                   "--pbkdf-force-iterations", "1000", theirs, pw});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    qemu = runTool(qemuIo.path,
                   {"--object", secret, "--image-opts", "driver=luks,key-secret=s,file.filename=" + theirs,
                    "-c", "write -P 0x33 0 64k"});
    QVERIFY2(qemu.exitCode == 0, qemu.err.constData());
    result = runCli({"read", theirs, "-d", pw, "--length", "65536"});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QCOMPARE(result.out, QByteArray(65536, char(0x33)));
}

void TestCryptsetupCli::benchmarkLayout()
{
    CliResult result = runCli({"benchmark", "--pbkdf", "pbkdf2", "-h", "sha256"});
    QCOMPARE(result.exitCode, 0);
    const QStringList lines = QString::fromUtf8(result.out).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0), QStringLiteral("# Tests are approximate using memory only (no storage IO)."));
    QVERIFY2(QRegularExpression(QStringLiteral("^PBKDF2-sha256 +\\d+ iterations per second for 256-bit key$"))
                 .match(lines.at(1))
                 .hasMatch(),
             qPrintable(lines.at(1)));
    result = runCli({"benchmark", "-c", "aes-xts", "-s", "512"});
    QCOMPARE(result.exitCode, 0);
    const QStringList rows = QString::fromUtf8(result.out).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 3);
    // cryptsetup's width rule: max(11, strlen("aes") + strlen("xts") + 1), right-aligned.
    QCOMPARE(rows.at(1), QStringLiteral("# Algorithm |       Key |      Encryption |      Decryption"));
    QVERIFY2(
        QRegularExpression(QStringLiteral("^    aes-xts        512b +\\d+\\.\\d MiB/s +\\d+\\.\\d MiB/s$"))
            .match(rows.at(2))
            .hasMatch(),
        qPrintable(rows.at(2)));
    result = runCli({"benchmark", "-c", "nosuch-xts"});
    QCOMPARE(errLine(result),
             QStringLiteral("cryptstack: Cipher nosuch-xts (with 256 bits key) is not available."));
    QCOMPARE(result.exitCode, 1);
}

QTEST_GUILESS_MAIN(TestCryptsetupCli)
#include "TestCryptsetupCli.moc"
