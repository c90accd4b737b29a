// cryptstack bench in-process over a crypt device in an image file (a --concise stack) and over a
// volume opened from its image: reports, byte bounds, verify, errors.
#include "CliRunner.h"
#include "Cryptsetup.h"
#include "TestImages.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr qint64 ImageBytes = 8 << 20;
// 128 hex digits (AES-256-XTS), with two different halves.
const QString Key =
    QStringLiteral("0123456789abcdef").repeated(4) + QStringLiteral("fedcba9876543210").repeated(4);

bool writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

QStringList errorLines(const CliResult& result)
{
    return QString::fromUtf8(result.err).split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

class TestBench : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void textReport();
    void jsonRunIsBoundedByIoSize_data();
    void jsonRunIsBoundedByIoSize();
    void writeRunFillsTheCryptQueue();
    void verifiedWriteThenReadPasses();
    void verifiedReadOfUnwrittenImageFails();
    void badArgumentsFailWithOneLine_data();
    void badArgumentsFailWithOneLine();
    void unknownDeviceExits4();
    void luksVolumeMadeByCryptsetup();
    void readOnlyVolumeRefusesWrites();
    void answeringNoToTheWritePromptChangesNothing();
    void plainVolumeWithItsOwnSize();

private:
    // bench NAME --concise <a crypt device over the image> plus `options`.
    CliResult bench(const QStringList& options, const QString& name = QStringLiteral("secret")) const;
    // The same, with --json; fails the test unless it exits 0 with one JSON object and no stderr.
    QJsonObject benchJson(const QStringList& options) const;
    // The passphrase file of the LUKS volumes below (written on first use).
    QString keyFile() const;
    // A LUKS2 volume of `bytes` made by cryptsetup with keyFile() and extra luksFormat options;
    // empty if that failed.
    QString luksVolume(const QString& name, qint64 bytes, const QStringList& options = {}) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_image;
};

void TestBench::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_image = createImage(m_dir->path(), QStringLiteral("disk.img"), ImageBytes, 7);
}

CliResult TestBench::bench(const QStringList& options, const QString& name) const
{
    const QString concise = QStringLiteral("secret,,,rw,0 %1 crypt aes-xts-plain64 %2 0 %3 0")
                                .arg(ImageBytes / 512)
                                .arg(Key, m_image);
    return runCli(QStringList{QStringLiteral("bench"), name, QStringLiteral("--concise"), concise} + options);
}

QJsonObject TestBench::benchJson(const QStringList& options) const
{
    const CliResult result = bench(options + QStringList{QStringLiteral("--json")});
    if (result.exitCode != 0 || !result.err.isEmpty()) {
        qWarning("exit %d: %s", result.exitCode, result.err.constData());
        return {};
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(result.out, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        qWarning("not one JSON object: %s", result.out.constData());
        return {};
    }
    return document.object();
}

QString TestBench::keyFile() const
{
    const QString path = m_dir->filePath(QStringLiteral("pass.key"));
    if (!QFileInfo::exists(path) && !writeFile(path, "bench passphrase"))
        return {};
    return path;
}

QString TestBench::luksVolume(const QString& name, qint64 bytes, const QStringList& options) const
{
    const QString image = m_dir->filePath(name);
    if (!formatWithCryptsetup(image, bytes, keyFile(), QStringList{"--type", "luks2"} + options))
        return {};
    return image;
}

void TestBench::textReport()
{
    const CliResult result = bench(
        {QStringLiteral("--rw"), QStringLiteral("write"), QStringLiteral("--io_size"), QStringLiteral("1M")});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.err, QByteArray());
    const QString text = QString::fromUtf8(result.out);
    for (const char* field : {"MB/s=", "IOPS=", "p50=", "p99=", "p99.9=", "bytes=1048576",
                              "kcryptd_io=", "kcryptd=", "dmcrypt_write=", "cryptd=", "1 crypt segments"})
        QVERIFY2(text.contains(QLatin1String(field)), qPrintable(field + (u'\n' + text)));
}

void TestBench::jsonRunIsBoundedByIoSize_data()
{
    QTest::addColumn<QString>("rw");
    QTest::addColumn<QString>("bs");
    QTest::addColumn<QString>("ioSize");
    QTest::addColumn<qint64>("bytes");
    QTest::newRow("read") << QStringLiteral("read") << QStringLiteral("4k") << QStringLiteral("1M")
                          << qint64(1 << 20);
    QTest::newRow("write") << QStringLiteral("write") << QStringLiteral("64k") << QStringLiteral("2M")
                           << qint64(2 << 20);
    QTest::newRow("randread") << QStringLiteral("randread") << QStringLiteral("4k") << QStringLiteral("512k")
                              << qint64(512 << 10);
    QTest::newRow("randrw") << QStringLiteral("randrw") << QStringLiteral("8k") << QStringLiteral("1M")
                            << qint64(1 << 20);
}

void TestBench::jsonRunIsBoundedByIoSize()
{
    QFETCH(QString, rw);
    QFETCH(QString, bs);
    QFETCH(QString, ioSize);
    QFETCH(qint64, bytes);
    const QJsonObject json =
        benchJson({QStringLiteral("--rw"), rw, QStringLiteral("--bs"), bs, QStringLiteral("--iodepth"),
                   QStringLiteral("4"), QStringLiteral("--io_size"), ioSize});
    QVERIFY(!json.isEmpty());
    QCOMPARE(json.value(QStringLiteral("rw")).toString(), rw);
    QCOMPARE(json.value(QStringLiteral("io_size")).toInteger(), bytes);
    QCOMPARE(json.value(QStringLiteral("bytes")).toInteger(), bytes);
    const QJsonObject read = json.value(QStringLiteral("read")).toObject();
    const QJsonObject write = json.value(QStringLiteral("write")).toObject();
    QCOMPARE(read.value(QStringLiteral("bytes")).toInteger() +
                 write.value(QStringLiteral("bytes")).toInteger(),
             bytes);
    const qint64 ops = json.value(QStringLiteral("ops")).toInteger();
    QCOMPARE(read.value(QStringLiteral("ops")).toInteger() + write.value(QStringLiteral("ops")).toInteger(),
             ops);
    QCOMPARE(ops * json.value(QStringLiteral("bs")).toInteger(), bytes);
    if (rw == u"read" || rw == u"randread")
        QCOMPARE(write.value(QStringLiteral("ops")).toInteger(), 0);
    if (rw == u"write")
        QCOMPARE(read.value(QStringLiteral("ops")).toInteger(), 0);
    for (const char* field : {"mb_per_s", "iops"})
        QVERIFY2(json.value(QLatin1String(field)).isDouble(), field);
    const QJsonObject latency = json.value(QStringLiteral("latency")).toObject();
    for (const char* field : {"p50_ns", "p99_ns", "p99_9_ns"})
        QVERIFY2(latency.value(QLatin1String(field)).isDouble(), field);
    QVERIFY(latency.value(QStringLiteral("p50_ns")).toInteger() <=
            latency.value(QStringLiteral("p99_ns")).toInteger());
    QVERIFY(latency.value(QStringLiteral("p99_ns")).toInteger() <=
            latency.value(QStringLiteral("p99_9_ns")).toInteger());
    QCOMPARE(json.value(QStringLiteral("crypt_segments")).toInt(), 1);
    const QJsonObject depths = json.value(QStringLiteral("mean_depth")).toObject();
    QCOMPARE(depths.size(), 4);
    for (const char* stage : {"kcryptd_io", "kcryptd", "dmcrypt_write", "cryptd"}) {
        const QJsonValue depth = depths.value(QLatin1String(stage));
        QVERIFY2(depth.isDouble(), stage);
        QVERIFY2(depth.toDouble() >= 0.0, stage);
    }
}

void TestBench::writeRunFillsTheCryptQueue()
{
    // Enough work that the 10 ms sampler sees it in flight however fast the machine is: the bound
    // is bytes, and passes over the region repeat until it is reached.
    const QJsonObject json =
        benchJson({QStringLiteral("--rw"), QStringLiteral("randwrite"), QStringLiteral("--iodepth"),
                   QStringLiteral("32"), QStringLiteral("--numjobs"), QStringLiteral("2"),
                   QStringLiteral("--io_size"), QStringLiteral("64M")});
    QVERIFY(!json.isEmpty());
    QCOMPARE(json.value(QStringLiteral("bytes")).toInteger(), qint64(64) << 20);
    QCOMPARE(json.value(QStringLiteral("write")).toObject().value(QStringLiteral("bytes")).toInteger(),
             qint64(64) << 20);
    QVERIFY(json.value(QStringLiteral("samples")).toInteger() > 0);
    const QJsonObject depths = json.value(QStringLiteral("mean_depth")).toObject();
    QVERIFY2(depths.value(QStringLiteral("kcryptd")).toDouble() > 0.0,
             QJsonDocument(depths).toJson(QJsonDocument::Compact).constData());
}

void TestBench::verifiedWriteThenReadPasses()
{
    const QJsonObject written =
        benchJson({QStringLiteral("--rw"), QStringLiteral("write"), QStringLiteral("--bs"),
                   QStringLiteral("16k"), QStringLiteral("--verify")});
    QVERIFY(!written.isEmpty());
    QCOMPARE(written.value(QStringLiteral("verify")).toBool(), true);
    QCOMPARE(written.value(QStringLiteral("bytes")).toInteger(), ImageBytes);

    const QJsonObject read =
        benchJson({QStringLiteral("--rw"), QStringLiteral("randread"), QStringLiteral("--bs"),
                   QStringLiteral("16k"), QStringLiteral("--verify")});
    QVERIFY(!read.isEmpty());
    QCOMPARE(read.value(QStringLiteral("mismatches")).toInteger(), 0);
    QCOMPARE(read.value(QStringLiteral("verified_reads")).toInteger(), ImageBytes / (16 << 10));

    const CliResult text = bench({QStringLiteral("--rw"), QStringLiteral("read"), QStringLiteral("--bs"),
                                  QStringLiteral("16k"), QStringLiteral("--verify")});
    QCOMPARE(text.exitCode, 0);
    QCOMPARE(text.err, QByteArray());
    QVERIFY(text.out.contains("verified reads=512"));
}

void TestBench::verifiedReadOfUnwrittenImageFails()
{
    const CliResult result =
        bench({QStringLiteral("--rw"), QStringLiteral("read"), QStringLiteral("--verify")});
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(result.out, QByteArray());
    const QStringList lines = errorLines(result);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().startsWith(QStringLiteral("cryptstack: bench: ")), qPrintable(lines.first()));
}

void TestBench::badArgumentsFailWithOneLine_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("mentions");
    const QString device = QStringLiteral("secret");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--fast")} << device
                                    << QStringLiteral("--fast");
    QTest::newRow("bad rw") << QStringList{QStringLiteral("--rw"), QStringLiteral("sideways")} << device
                            << QStringLiteral("sideways");
    QTest::newRow("bad bs") << QStringList{QStringLiteral("--bs"), QStringLiteral("1000")} << device
                            << QStringLiteral("--bs");
    QTest::newRow("zero iodepth") << QStringList{QStringLiteral("--iodepth"), QStringLiteral("0")} << device
                                  << QStringLiteral("--iodepth");
    QTest::newRow("io_size not a multiple of bs")
        << QStringList{QStringLiteral("--io_size"), QStringLiteral("6000")} << device
        << QStringLiteral("6000");
    QTest::newRow("bad runtime") << QStringList{QStringLiteral("--runtime"), QStringLiteral("soon")} << device
                                 << QStringLiteral("soon");
    QTest::newRow("size past the end")
        << QStringList{QStringLiteral("--size"), QStringLiteral("16M")} << device << QStringLiteral("--size");
    QTest::newRow("missing value") << QStringList{QStringLiteral("--numjobs")} << device
                                   << QStringLiteral("numjobs");
    QTest::newRow("two names") << QStringList{QStringLiteral("other")} << device << QStringLiteral("bench");
}

void TestBench::badArgumentsFailWithOneLine()
{
    QFETCH(QStringList, options);
    QFETCH(QString, name);
    QFETCH(QString, mentions);
    const QByteArray before = fileDigest(m_image);
    const CliResult result = bench(options, name);
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(result.out, QByteArray());
    const QStringList lines = errorLines(result);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().startsWith(QStringLiteral("cryptstack: ")), qPrintable(lines.first()));
    QVERIFY2(lines.first().contains(mentions), qPrintable(lines.first()));
    QCOMPARE(fileDigest(m_image), before);
}

void TestBench::unknownDeviceExits4()
{
    const CliResult result =
        bench({QStringLiteral("--rw"), QStringLiteral("write")}, QStringLiteral("nosuch"));
    QCOMPARE(result.exitCode, 4);
    QCOMPARE(result.out, QByteArray());
    const QStringList lines = errorLines(result);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().contains(QStringLiteral("nosuch")), qPrintable(lines.first()));

    const CliResult bare = runCli({QStringLiteral("bench"), QStringLiteral("nosuch")});
    QCOMPARE(bare.exitCode, 4);
    QCOMPARE(bare.out, QByteArray());
    QCOMPARE(errorLines(bare).size(), 1);
}

void TestBench::luksVolumeMadeByCryptsetup()
{
    // A verified write workload through the volume's own mapping, then a verified read back; the
    // header stays intact (cryptsetup still opens the volume) and the data is encrypted on disk.
    const QString key = keyFile();
    const QString image = luksVolume(QStringLiteral("luks2.img"), 24 << 20, {"--sector-size", "4096"});
    QVERIFY(!image.isEmpty());
    const QStringList volume = {QStringLiteral("bench"), image, QStringLiteral("-d"), key,
                                QStringLiteral("-q")};

    CliResult written = runCli(volume + QStringList{"--rw", "write", "--bs", "64k", "--verify", "--json"});
    QCOMPARE(written.exitCode, 0);
    QCOMPARE(written.err, QByteArray());
    const QJsonObject json = QJsonDocument::fromJson(written.out).object();
    QCOMPARE(json.value(QStringLiteral("bytes")).toInteger(), qint64(8 << 20)); // 24 MiB - 16 MiB header
    QCOMPARE(json.value(QStringLiteral("crypt_segments")).toInt(), 1);

    const CliResult read = runCli(volume + QStringList{"--rw", "randread", "--bs", "64k", "--verify"});
    QCOMPARE(read.exitCode, 0);
    QCOMPARE(read.err, QByteArray());
    QVERIFY2(read.out.contains("verified reads=128"), read.out.constData());

    QVERIFY(cryptsetup({"open", "--test-passphrase", "--key-file", key, image}).ok());
    // The workload's blocks went through the cipher: decrypted, the first block starts with the
    // verify header's magic ("CSWLOAD1"); on disk, the magic appears nowhere in it.
    const QByteArray stored = readFile(image, 16 << 20, 64 << 10);
    const QString plainOut = m_dir->filePath(QStringLiteral("plain.out"));
    QCOMPARE(runCli({"read", image, "-d", key, "--length", "65536", "-o", plainOut}).exitCode, 0);
    QVERIFY(readFile(plainOut).startsWith("CSWLOAD1"));
    QVERIFY(!stored.contains("CSWLOAD1"));
}

void TestBench::answeringNoToTheWritePromptChangesNothing()
{
    const QString key = keyFile();
    const QString image = luksVolume(QStringLiteral("ask.img"), 20 << 20);
    QVERIFY(!image.isEmpty());
    const QByteArray before = fileDigest(image);
    const CliResult result =
        runCliInteractive({"bench", image, "-d", key, "--rw", "write", "--runtime", "200ms"}, "no\n");
    QCOMPARE(result.exitCode, 2);
    const QByteArray question = QByteArray("This will overwrite data on ") + image.toUtf8() + " irrevocably.";
    QVERIFY2(result.out.contains(question), result.out.constData());
    QCOMPARE(errorLines(result),
             QStringList{QStringLiteral("cryptstack: Operation aborted, nothing was written.")});
    QCOMPARE(fileDigest(image), before);
}

void TestBench::readOnlyVolumeRefusesWrites()
{
    const QString key = keyFile();
    const QString image = luksVolume(QStringLiteral("ro.img"), 20 << 20);
    QVERIFY(!image.isEmpty());
    const QByteArray before = fileDigest(image);
    const CliResult result = runCli({"bench", image, "-d", key, "-r", "--rw", "write", "--runtime", "200ms"});
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(result.out, QByteArray());
    QCOMPARE(errorLines(result).size(), 1);
    QVERIFY2(errorLines(result).first().contains(QStringLiteral("\"ro.img\" is read-only")),
             result.err.constData());
    QCOMPARE(fileDigest(image), before);
}

void TestBench::plainVolumeWithItsOwnSize()
{
    // Plain mode's mapping length is --plain-size (sectors); --size stays the workload's region.
    const QString key = m_dir->filePath(QStringLiteral("plain.key"));
    QVERIFY(writeFile(key, QByteArray(32, 'k')));
    const CliResult result = runCli({"bench", m_image, "--type", "plain", "-d", key, "--plain-size", "4096",
                                     "--size", "1M", "--rw", "randread", "--io_size", "1M", "--json"});
    QCOMPARE(result.exitCode, 0);
    const QJsonObject json = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(json.value(QStringLiteral("size")).toInteger(), qint64(1 << 20));
    QCOMPARE(json.value(QStringLiteral("bytes")).toInteger(), qint64(1 << 20));

    const QByteArray before = fileDigest(m_image);
    const CliResult tooBig = runCli({"bench", m_image, "--type", "plain", "-d", key, "--plain-size", "4096",
                                     "--size", "4M", "--rw", "write"});
    QCOMPARE(tooBig.exitCode, 1);
    QCOMPARE(errorLines(tooBig).size(), 1);
    QVERIFY2(errorLines(tooBig).first().contains(QStringLiteral("--size")), tooBig.err.constData());
    QVERIFY2(errorLines(tooBig).first().contains(QStringLiteral("disk.img")), tooBig.err.constData());
    QCOMPARE(fileDigest(m_image), before);
}

QTEST_GUILESS_MAIN(TestBench)
#include "TestBench.moc"
