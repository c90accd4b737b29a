// cryptstack status in-process: cryptsetup's status layout for LUKS2, LUKS1 and plain mappings,
// the content line, --json, the stack form, and the errors (wrong passphrase, missing image).
//
// `cryptsetup status` needs root and a real dm device, which this test cannot have, so the
// reference layouts below were written down from cryptsetup 2.6.1's action_status
// (src/cryptsetup.c: the log_std format strings, in their order) for a volume on a loop device.
// Field names, their order and their spacing are compared with those transcripts; the values are
// compared with what the real cryptsetup luksDump reports for the same image.
#include "CliRunner.h"
#include "ExternalTool.h"
#include "TestImages.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack::test;

namespace {

constexpr qint64 MiB = 1 << 20;
const QString Ext4Uuid = QStringLiteral("0b0e7a41-4c47-4f3e-9b1d-6f3c2d1e0a99");

// What cryptsetup 2.6.1 prints for `cryptsetup status vol` on each kind of mapping.
const char* const Luks2Transcript = "/dev/mapper/vol is active.\n"
                                    "  type:    LUKS2\n"
                                    "  cipher:  aes-xts-plain64\n"
                                    "  keysize: 512 bits\n"
                                    "  key location: keyring\n"
                                    "  device:  /dev/loop0\n"
                                    "  loop:    /tmp/vol.img\n"
                                    "  sector size:  512\n"
                                    "  offset:  32768 sectors\n"
                                    "  size:    16384 sectors\n"
                                    "  mode:    readonly\n";
const char* const Luks1Transcript = "/dev/mapper/vol is active.\n"
                                    "  type:    LUKS1\n"
                                    "  cipher:  aes-xts-plain64\n"
                                    "  keysize: 512 bits\n"
                                    "  key location: dm-crypt\n"
                                    "  device:  /dev/loop0\n"
                                    "  loop:    /tmp/vol.img\n"
                                    "  sector size:  512\n"
                                    "  offset:  4096 sectors\n"
                                    "  size:    45056 sectors\n"
                                    "  mode:    readonly\n";
const char* const PlainTranscript = "/dev/mapper/vol is active.\n"
                                    "  type:    PLAIN\n"
                                    "  cipher:  aes-cbc-essiv:sha256\n"
                                    "  keysize: 256 bits\n"
                                    "  key location: dm-crypt\n"
                                    "  device:  /dev/loop0\n"
                                    "  loop:    /tmp/vol.img\n"
                                    "  sector size:  512\n"
                                    "  offset:  0 sectors\n"
                                    "  size:    49152 sectors\n"
                                    "  skipped: 8 sectors\n"
                                    "  mode:    readonly\n";

// "  name:   " prefixes (with their spacing) and values of the status lines; the first line is "head".
QList<std::pair<QString, QString>> fields(const QString& text)
{
    static const QRegularExpression field(QStringLiteral("^(  [a-z ]+:\\s+)(.*)$"));
    QList<std::pair<QString, QString>> result;
    const QStringList lines = text.split(u'\n', Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i == 0) {
            result.append({QStringLiteral("head"), lines.at(i)});
            continue;
        }
        const auto match = field.match(lines.at(i));
        if (match.hasMatch())
            result.append({match.captured(1), match.captured(2)});
    }
    return result;
}

QString valueOf(const QList<std::pair<QString, QString>>& list, const QString& name)
{
    for (const auto& [prefix, value] : list) {
        if (prefix.trimmed() == name + u':')
            return value;
    }
    return {};
}

QString capture(const QByteArray& text, const QString& pattern)
{
    const auto match =
        QRegularExpression(pattern, QRegularExpression::MultilineOption).match(QString::fromUtf8(text));
    return match.hasMatch() ? match.captured(1) : QString();
}

void writeFile(const QString& path, const QByteArray& bytes, qint64 size = -1)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
    if (size >= 0)
        QVERIFY(file.resize(size));
}

} // namespace

class TestStatusCommand : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void layoutMatchesCryptsetup_data();
    void layoutMatchesCryptsetup();
    void jsonHoldsContentAndNoKey();
    void stackDeviceShowsTargetsAndContent();
    void wrongPassphrase();
    void missingImage();

private:
    // A LUKS (luks1/luks2, formatted by cryptsetup) or plain volume holding the ext4 image, written
    // through our crypt target with `cryptstack write`. Returns the open options for it.
    QStringList makeVolume(const QString& kind, const QString& image);

    QTemporaryDir m_dir;
    QString m_cryptsetup;
    QString m_blkid;
    QString m_ext4;
    QByteArray m_volumeKey;
};

void TestStatusCommand::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_cryptsetup = findTool(QStringLiteral("cryptsetup"));
    m_blkid = findTool(QStringLiteral("blkid"));
    const QString mkfs = findTool(QStringLiteral("mkfs.ext4"));
    QVERIFY2(!m_cryptsetup.isEmpty() && !m_blkid.isEmpty() && !mkfs.isEmpty(),
             "cryptsetup, blkid and mkfs.ext4 are needed (scripts/lib/setup.sh installs them)");
    m_ext4 = m_dir.filePath(QStringLiteral("payload.ext4"));
    writeFile(m_ext4, {}, 4 * MiB);
    const ToolRun mkfsRun =
        runTool(mkfs, {QStringLiteral("-q"), QStringLiteral("-F"), QStringLiteral("-L"),
                       QStringLiteral("payload"), QStringLiteral("-U"), Ext4Uuid, m_ext4});
    QVERIFY2(mkfsRun.ok(), mkfsRun.err.constData());
    m_volumeKey = QByteArray::fromHex("00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
                                      "a5a5a5a55a5a5a5a0f0f0f0ff0f0f0f0c3c3c3c33c3c3c3c9696969669696969");
    writeFile(m_dir.filePath(QStringLiteral("volume.key")), m_volumeKey);
    writeFile(m_dir.filePath(QStringLiteral("pass.key")), "the passphrase");
    writeFile(m_dir.filePath(QStringLiteral("wrong.key")), "not the passphrase");
}

QStringList TestStatusCommand::makeVolume(const QString& kind, const QString& image)
{
    const QString keyFile = m_dir.filePath(QStringLiteral("pass.key"));
    writeFile(image, {}, 24 * MiB);
    QStringList open{QStringLiteral("-d"), keyFile};
    if (kind == u"plain") {
        // Plain mode reads the key itself from the key file (32 of its 64 bytes).
        open = QStringList{QStringLiteral("-d"), m_dir.filePath(QStringLiteral("volume.key"))};
        open << QStringLiteral("--type") << QStringLiteral("plain") << QStringLiteral("-c")
             << QStringLiteral("aes-cbc-essiv:sha256") << QStringLiteral("-s") << QStringLiteral("256")
             << QStringLiteral("--skip") << QStringLiteral("8");
    } else {
        const ToolRun format = runTool(
            m_cryptsetup,
            {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"), kind,
             QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"), QStringLiteral("--pbkdf-force-iterations"),
             QStringLiteral("1000"), QStringLiteral("--cipher"), QStringLiteral("aes-xts-plain64"),
             QStringLiteral("--key-size"), QStringLiteral("512"), QStringLiteral("--volume-key-file"),
             m_dir.filePath(QStringLiteral("volume.key")), QStringLiteral("-d"), keyFile, image});
        if (!format.ok()) {
            qWarning("%s", format.err.constData());
            return {};
        }
    }
    const CliResult write =
        runCli(QStringList{QStringLiteral("write"), image, QStringLiteral("-i"), m_ext4} + open);
    if (write.exitCode != 0) {
        qWarning("%s", write.err.constData());
        return {};
    }
    return open;
}

void TestStatusCommand::layoutMatchesCryptsetup_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("transcript");
    QTest::newRow("luks2") << QStringLiteral("luks2") << QString::fromUtf8(Luks2Transcript);
    QTest::newRow("luks1") << QStringLiteral("luks1") << QString::fromUtf8(Luks1Transcript);
    QTest::newRow("plain") << QStringLiteral("plain") << QString::fromUtf8(PlainTranscript);
}

void TestStatusCommand::layoutMatchesCryptsetup()
{
    QFETCH(QString, kind);
    QFETCH(QString, transcript);
    const QString image = m_dir.filePath(kind + QStringLiteral(".img"));
    const QStringList open = makeVolume(kind, image);
    QVERIFY(!open.isEmpty());
    const QByteArray before = fileDigest(image);

    const CliResult run = runCli(QStringList{QStringLiteral("status"), image, QStringLiteral("vol")} + open);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(fileDigest(image), before); // status never writes
    const QString text = QString::fromUtf8(run.out);
    const auto ours = fields(text);
    auto theirs = fields(transcript);
    // No loop device here: "device:" is the image itself, so cryptsetup's "loop:" line has no match.
    theirs.removeIf([](const auto& field) { return field.first.trimmed() == u"loop:"; });

    // Same fields in the same order with the same spacing, then our content line(s).
    QVERIFY2(ours.size() >= theirs.size() + 1, qPrintable(text));
    for (qsizetype i = 0; i < theirs.size(); ++i)
        QCOMPARE(ours.at(i).first, theirs.at(i).first);
    QCOMPARE(ours.at(0).second, QStringLiteral("/dev/mapper/vol is active."));
    QCOMPARE(ours.at(theirs.size()).first, QStringLiteral("  content: "));

    // Values from the real cryptsetup (luksDump) or from the options we gave (plain).
    const qint64 imageSectors = 24 * MiB / 512;
    if (kind == u"plain") {
        QCOMPARE(valueOf(ours, QStringLiteral("type")), QStringLiteral("PLAIN"));
        QCOMPARE(valueOf(ours, QStringLiteral("cipher")), QStringLiteral("aes-cbc-essiv:sha256"));
        QCOMPARE(valueOf(ours, QStringLiteral("keysize")), QStringLiteral("256 bits"));
        QCOMPARE(valueOf(ours, QStringLiteral("offset")), QStringLiteral("0 sectors"));
        QCOMPARE(valueOf(ours, QStringLiteral("skipped")), QStringLiteral("8 sectors"));
        QCOMPARE(valueOf(ours, QStringLiteral("size")), QStringLiteral("%1 sectors").arg(imageSectors));
    } else {
        const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
        QVERIFY2(dump.ok(), dump.err.constData());
        QString cipher, keyBits, offsetSectors, sectorSize = QStringLiteral("512");
        if (kind == u"luks2") {
            cipher = capture(dump.out, QStringLiteral("^\\s+cipher:\\s+(\\S+)"));
            keyBits = capture(dump.out, QStringLiteral("^\\s+Key:\\s+(\\d+) bits"));
            offsetSectors = QString::number(
                capture(dump.out, QStringLiteral("^\\s+offset:\\s+(\\d+) \\[bytes\\]")).toLongLong() / 512);
            sectorSize = capture(dump.out, QStringLiteral("^\\s+sector:\\s+(\\d+) \\[bytes\\]"));
            QCOMPARE(valueOf(ours, QStringLiteral("key location")), QStringLiteral("keyring"));
        } else {
            cipher = capture(dump.out, QStringLiteral("^Cipher name:\\s+(\\S+)")) + u'-' +
                     capture(dump.out, QStringLiteral("^Cipher mode:\\s+(\\S+)"));
            keyBits = capture(dump.out, QStringLiteral("^MK bits:\\s+(\\d+)"));
            offsetSectors = capture(dump.out, QStringLiteral("^Payload offset:\\s+(\\d+)"));
            QCOMPARE(valueOf(ours, QStringLiteral("key location")), QStringLiteral("dm-crypt"));
        }
        QVERIFY(!cipher.isEmpty() && !keyBits.isEmpty() && !offsetSectors.isEmpty());
        QCOMPARE(valueOf(ours, QStringLiteral("type")), kind.toUpper());
        QCOMPARE(valueOf(ours, QStringLiteral("cipher")), cipher);
        QCOMPARE(valueOf(ours, QStringLiteral("keysize")), keyBits + QStringLiteral(" bits"));
        QCOMPARE(valueOf(ours, QStringLiteral("sector size")), sectorSize);
        QCOMPARE(valueOf(ours, QStringLiteral("offset")), offsetSectors + QStringLiteral(" sectors"));
        QCOMPARE(valueOf(ours, QStringLiteral("size")),
                 QStringLiteral("%1 sectors").arg(imageSectors - offsetSectors.toLongLong()));
    }
    QCOMPARE(valueOf(ours, QStringLiteral("device")), image);
    QCOMPARE(valueOf(ours, QStringLiteral("mode")), QStringLiteral("readonly"));

    // The content line names what blkid finds in the plaintext we wrote.
    const ToolRun blkid =
        runTool(m_blkid, {QStringLiteral("-p"), QStringLiteral("-o"), QStringLiteral("export"), m_ext4});
    QVERIFY(blkid.ok());
    QCOMPARE(valueOf(ours, QStringLiteral("content")),
             capture(blkid.out, QStringLiteral("^TYPE=(.*)$")) + QStringLiteral(" \"") +
                 capture(blkid.out, QStringLiteral("^LABEL=(.*)$")) + QStringLiteral("\" ") +
                 capture(blkid.out, QStringLiteral("^UUID=(.*)$")));
    QVERIFY(!run.out.toLower().contains(m_volumeKey.left(16).toHex()));
}

void TestStatusCommand::jsonHoldsContentAndNoKey()
{
    const QString image = m_dir.filePath(QStringLiteral("json.img"));
    const QStringList open = makeVolume(QStringLiteral("luks2"), image);
    QVERIFY(!open.isEmpty());
    const CliResult run =
        runCli(QStringList{QStringLiteral("status"), image, QStringLiteral("--json")} + open);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QJsonParseError error;
    const QJsonObject json = QJsonDocument::fromJson(run.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(json.value(u"device").toString(), QStringLiteral("/dev/mapper/json"));
    QCOMPARE(json.value(u"type").toString(), QStringLiteral("LUKS2"));
    QCOMPARE(json.value(u"cipher").toString(), QStringLiteral("aes-xts-plain64"));
    QCOMPARE(json.value(u"keysize").toInt(), 512);
    QCOMPARE(json.value(u"key_location").toString(), QStringLiteral("keyring"));
    // cryptsetup picks the encryption sector size itself (4096 on an image file here): luksDump says.
    const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
    QVERIFY2(dump.ok(), dump.err.constData());
    QCOMPARE(json.value(u"sector_size").toInt(),
             capture(dump.out, QStringLiteral("^\\s+sector:\\s+(\\d+) \\[bytes\\]")).toInt());
    QCOMPARE(json.value(u"offset").toInteger(), qint64(32768));
    QCOMPARE(json.value(u"size").toInteger(), 24 * MiB / 512 - 32768);
    QCOMPARE(json.value(u"mode").toString(), QStringLiteral("readonly"));
    const QJsonObject signature = json.value(u"content").toObject().value(u"signature").toObject();
    QCOMPARE(signature.value(u"type").toString(), QStringLiteral("ext4"));
    QCOMPARE(signature.value(u"label").toString(), QStringLiteral("payload"));
    QCOMPARE(signature.value(u"uuid").toString(), Ext4Uuid);
    QVERIFY(!run.out.toLower().contains(m_volumeKey.left(16).toHex()));
    QVERIFY(!run.err.toLower().contains(m_volumeKey.left(16).toHex()));
}

void TestStatusCommand::stackDeviceShowsTargetsAndContent()
{
    // A crypt device given as a concise file (the key is in the file, as dmsetup tables carry it),
    // over the plain volume made above, and a linear device over the ext4 image itself.
    const QString image = m_dir.filePath(QStringLiteral("stack.img"));
    writeFile(image, readFile(m_ext4));
    const QString concise = m_dir.filePath(QStringLiteral("stack.concise"));
    writeFile(concise,
              QStringLiteral("top,,,ro,0 8192 linear stack.img 0\n"
                             "enc,CRYPT-PLAIN-enc,,ro,0 8192 crypt aes-xts-plain64 %1 0 stack.img 0\n")
                  .arg(QString::fromLatin1(m_volumeKey.toHex()))
                  .toUtf8());
    const QByteArray before = fileDigest(image);

    CliResult run =
        runCli({QStringLiteral("status"), QStringLiteral("top"), QStringLiteral("--concise-file"), concise});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    auto ours = fields(QString::fromUtf8(run.out));
    QCOMPARE(ours.at(0).second, QStringLiteral("/dev/mapper/top is active."));
    QCOMPARE(valueOf(ours, QStringLiteral("type")), QStringLiteral("n/a"));
    QVERIFY2(run.out.contains("  targets:\n    0 8192 linear stack.img 0\n"), run.out.constData());
    QCOMPARE(valueOf(ours, QStringLiteral("content")), QStringLiteral("ext4 \"payload\" ") + Ext4Uuid);

    // The crypt device reads ciphertext of nothing written through it: random-looking, and the
    // key from the table is masked.
    run =
        runCli({QStringLiteral("status"), QStringLiteral("enc"), QStringLiteral("--concise-file"), concise});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    ours = fields(QString::fromUtf8(run.out));
    QCOMPARE(valueOf(ours, QStringLiteral("type")), QStringLiteral("PLAIN"));
    QCOMPARE(valueOf(ours, QStringLiteral("keysize")), QStringLiteral("512 bits"));
    QCOMPARE(valueOf(ours, QStringLiteral("key location")), QStringLiteral("dm-crypt"));
    QCOMPARE(valueOf(ours, QStringLiteral("device")), QStringLiteral("stack.img"));
    QVERIFY(valueOf(ours, QStringLiteral("content")).contains(QStringLiteral("looks random")));
    QVERIFY(!run.out.toLower().contains(m_volumeKey.left(16).toHex()));
    QCOMPARE(fileDigest(image), before);

    run = runCli(
        {QStringLiteral("status"), QStringLiteral("absent"), QStringLiteral("--concise-file"), concise});
    QCOMPARE(run.exitCode, 4);
    QCOMPARE(run.err.count('\n'), qsizetype(1));
}

void TestStatusCommand::wrongPassphrase()
{
    const QString image = m_dir.filePath(QStringLiteral("wrong.img"));
    QVERIFY(!makeVolume(QStringLiteral("luks2"), image).isEmpty());
    const QByteArray before = fileDigest(image);
    const CliResult run = runCli(
        {QStringLiteral("status"), image, QStringLiteral("-d"), m_dir.filePath(QStringLiteral("wrong.key"))});
    QCOMPARE(run.exitCode, 2);
    QCOMPARE(run.err, QByteArray("cryptstack: No key available with this passphrase.\n"));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(fileDigest(image), before);
}

void TestStatusCommand::missingImage()
{
    const QString image = m_dir.filePath(QStringLiteral("absent.img"));
    const CliResult run = runCli(
        {QStringLiteral("status"), image, QStringLiteral("-d"), m_dir.filePath(QStringLiteral("pass.key"))});
    QCOMPARE(run.exitCode, 4);
    QCOMPARE(run.err.count('\n'), qsizetype(1));
    QVERIFY2(run.err.contains(image.toUtf8()), run.err.constData());
    QVERIFY(!QFile::exists(image));
}

QTEST_GUILESS_MAIN(TestStatusCommand)
#include "TestStatusCommand.moc"
