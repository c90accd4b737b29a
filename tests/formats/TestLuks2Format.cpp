// luksFormat's geometry and PBKDF paths, luksChangeKey / luksUUID / erase, every verb with a
// detached header, and failing verbs, each run by the real cryptsetup 2.6.1 and by our CLI on
// identical images and compared: exit code, messages, luksDump and --dump-json-metadata (both as
// cryptsetup prints them, salts and digests masked), file sizes, which passphrases open, and for
// failures that our files did not change. Needs cryptsetup (scripts/test installs it); the test
// fails without it.
#include "CliRunner.h"
#include "ExternalTool.h"
#include "TestImages.h"
#include "formats/HeaderDevice.h"
#include "formats/Pbkdf.h"
#include "formats/luks2/Luks2Volume.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QString FixedUuid = QStringLiteral("01234567-89ab-cdef-0123-456789abcdef");
const QStringList Pbkdf2{QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
                         QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000")};
const QStringList Argon2{
    QStringLiteral("--pbkdf"), QStringLiteral("argon2id"),       QStringLiteral("--pbkdf-force-iterations"),
    QStringLiteral("4"),       QStringLiteral("--pbkdf-memory"), QStringLiteral("32")};

struct Run
{
    int exitCode = -1;
    QString text; // stdout then stderr, "cryptstack: " dropped, the run's folder as "@"
};

// Hex bytes in luksDump (salts, digests) vary per format.
QString maskDump(QString text)
{
    static const QRegularExpression hexRun(QStringLiteral("(?:[0-9a-f]{2} )+"));
    return text.replace(hexRun, QStringLiteral("xx "));
}

QString maskJson(QString text)
{
    static const QRegularExpression secret(QStringLiteral("\"(salt|digest)\":\"[^\"]*\""));
    return text.replace(secret, QStringLiteral("\"\\1\":\"…\""));
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

bool zeroFile(const QString& path, qint64 bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.resize(bytes);
}

bool copyFile(const QString& from, const QString& to)
{
    QFile::remove(to);
    return QFile::copy(from, to);
}

} // namespace

class TestLuks2Format : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void formatMatchesCryptsetup_data();
    void formatMatchesCryptsetup();
    void allMetadataSizesLoad();
    void verbMatchesCryptsetup_data();
    void verbMatchesCryptsetup();
    void detachedHeaderVerbs_data();
    void detachedHeaderVerbs();
    void failingVerbsLeaveFilesUntouched_data();
    void failingVerbsLeaveFilesUntouched();
    void persistentFlags();
    void argon2MemoryCap();

private:
    QString theirs(const QString& name) const { return m_dir.path() + QStringLiteral("/t/") + name; }
    QString ours(const QString& name) const { return m_dir.path() + QStringLiteral("/o/") + name; }
    static QStringList expand(const QStringList& arguments, const QString& folder);
    Run runTheirs(const QStringList& arguments, const QByteArray& input = {}) const;
    Run runOurs(const QStringList& arguments, const QByteArray& input = {}) const;
    // Both folders get the same key files: pw, pw2, pw3, wrong.
    void writeKeys() const;
    // luksDump and the JSON of both headers as cryptsetup prints them, compared.
    void compareHeaders(const QString& header) const;
    // Every key file opens (or not) the same way with both tools on their own image.
    void compareAcceptance(const QStringList& headerOption,
                           const QStringList& keys = {"pw", "pw2", "pw3", "wrong"}) const;

    QString m_cryptsetup;
    QTemporaryDir m_dir;
};

void TestLuks2Format::initTestCase()
{
    m_cryptsetup = findTool(QStringLiteral("cryptsetup"));
}

void TestLuks2Format::init()
{
    if (m_cryptsetup.isEmpty())
        QFAIL("cryptsetup is not installed");
    QVERIFY(m_dir.isValid());
    for (const char* folder : {"t", "o"}) {
        QDir(m_dir.path() + u'/' + QLatin1String(folder)).removeRecursively();
        QVERIFY(QDir(m_dir.path()).mkdir(QLatin1String(folder)));
    }
    writeKeys();
}

QStringList TestLuks2Format::expand(const QStringList& arguments, const QString& folder)
{
    QStringList out;
    for (QString argument : arguments)
        out += argument.replace(u'@', folder + u'/');
    return out;
}

Run TestLuks2Format::runTheirs(const QStringList& arguments, const QByteArray& input) const
{
    const QString folder = m_dir.path() + QStringLiteral("/t");
    const ToolRun run = runTool(m_cryptsetup, expand(arguments, folder), input);
    QString text = QString::fromUtf8(run.out + run.err);
    // Before an option error cryptsetup prints its usage text and its path; we print the error.
    if (text.startsWith(QStringLiteral("Usage: cryptsetup")))
        text = text.section(m_cryptsetup + QStringLiteral(": "), -1);
    return {run.exitCode, text.replace(folder + u'/', QStringLiteral("@"))};
}

Run TestLuks2Format::runOurs(const QStringList& arguments, const QByteArray& input) const
{
    const QString folder = m_dir.path() + QStringLiteral("/o");
    const CliResult run = runCli(expand(arguments, folder), input);
    QString err = QString::fromUtf8(run.err);
    err.replace(QRegularExpression(QStringLiteral("^cryptstack: "), QRegularExpression::MultilineOption),
                QString());
    QString text = QString::fromUtf8(run.out) + err;
    return {run.exitCode, text.replace(folder + u'/', QStringLiteral("@"))};
}

void TestLuks2Format::writeKeys() const
{
    for (const QString& path : {theirs({}), ours({})}) {
        QVERIFY(writeFile(path + QStringLiteral("pw"), "pw"));
        QVERIFY(writeFile(path + QStringLiteral("pw2"), "second"));
        QVERIFY(writeFile(path + QStringLiteral("pw3"), "third"));
        QVERIFY(writeFile(path + QStringLiteral("wrong"), "nope"));
    }
}

void TestLuks2Format::compareHeaders(const QString& header) const
{
    const Run dumpT = runTheirs({QStringLiteral("luksDump"), u'@' + header});
    const QString folderO = m_dir.path() + QStringLiteral("/o");
    const ToolRun dumpO = runTool(m_cryptsetup, {QStringLiteral("luksDump"), folderO + u'/' + header});
    QCOMPARE(dumpO.exitCode, dumpT.exitCode);
    QCOMPARE(maskDump(QString::fromUtf8(dumpO.out + dumpO.err).replace(folderO + u'/', QStringLiteral("@"))),
             maskDump(dumpT.text));
    if (dumpT.exitCode != 0)
        return;
    const Run jsonT =
        runTheirs({QStringLiteral("luksDump"), QStringLiteral("--dump-json-metadata"), u'@' + header});
    const ToolRun jsonO =
        runTool(m_cryptsetup, {QStringLiteral("luksDump"), QStringLiteral("--dump-json-metadata"),
                               folderO + u'/' + header});
    QCOMPARE(maskJson(QString::fromUtf8(jsonO.out + jsonO.err).replace(folderO + u'/', QStringLiteral("@"))),
             maskJson(jsonT.text));
    // And our own dump of cryptsetup's header is cryptsetup's.
    QCOMPARE(maskDump(runOurs({QStringLiteral("luksDump"), u'@' + header}).text), maskDump(dumpT.text));
}

void TestLuks2Format::compareAcceptance(const QStringList& headerOption, const QStringList& keys) const
{
    for (const QString& key : keys) {
        const QStringList arguments =
            QStringList{QStringLiteral("open"), QStringLiteral("--test-passphrase"), QStringLiteral("-d"),
                        QStringLiteral("@") + key, QStringLiteral("@img")} +
            headerOption;
        const int expected = runTheirs(arguments).exitCode;
        QVERIFY2(runOurs(arguments).exitCode == expected, qPrintable(key));
        // cryptsetup opens our image the same way.
        QVERIFY2(runTool(m_cryptsetup, expand(arguments, m_dir.path() + QStringLiteral("/o"))).exitCode ==
                     expected,
                 qPrintable(key));
    }
}

// ---- luksFormat --------------------------------------------------------------------------------

void TestLuks2Format::formatMatchesCryptsetup_data()
{
    QTest::addColumn<qint64>("imageBytes");
    QTest::addColumn<QStringList>("options"); // "HDR" means --header @hdr
    const qint64 M = 1 << 20;
    const auto row = [&](const char* name, qint64 bytes, const QStringList& options) {
        QTest::newRow(name) << bytes << options;
    };
    row("defaults", 20 * M, {});
    row("argon2id forced", 20 * M, Argon2);
    row("argon2i forced", 20 * M,
        {"--pbkdf", "argon2i", "--pbkdf-force-iterations", "5", "--pbkdf-memory", "64"});
    row("argon2 time too low", 20 * M, {"--pbkdf", "argon2i", "--pbkdf-force-iterations", "3"});
    row("argon2 memory too low", 20 * M,
        {"--pbkdf", "argon2id", "--pbkdf-force-iterations", "4", "--pbkdf-memory", "16"});
    row("argon2 memory too high", 20 * M,
        {"--pbkdf", "argon2id", "--pbkdf-force-iterations", "4", "--pbkdf-memory", "4194305"});
    row("pbkdf2 iterations too low", 20 * M, {"--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "999"});
    row("detached header", 20 * M, {"HDR"});
    row("detached header, align 2048 (offset, small keyslots area)", 20 * M,
        {"HDR", "--align-payload", "2048"});
    row("detached header, align 8192", 20 * M, {"HDR", "--align-payload", "8192"});
    row("detached header, align 8192, keyslots 1 MiB", 20 * M,
        {"HDR", "--align-payload", "8192", "--luks2-keyslots-size", "1048576"});
    row("detached header, offset 2048 (sector 512)", 20 * M, {"HDR", "--offset", "2048"});
    row("detached header, offset 4096", 20 * M, {"HDR", "--offset", "4096"});
    row("detached header, align 4 too small", 20 * M, {"HDR", "--align-payload", "4"});
    row("offset 8192", 20 * M, {"--offset", "8192"});
    row("offset 8200 (sector 512)", 20 * M, {"--offset", "8200"});
    row("offset 8 too small", 20 * M, {"--offset", "8"});
    row("offset 12 not 4 KiB", 20 * M, {"--offset", "12"});
    row("align 1 (sector 512)", 20 * M, {"--align-payload", "1"});
    row("align 4 (sector 512)", 20 * M, {"--align-payload", "4"});
    row("align 8", 20 * M, {"--align-payload", "8"});
    row("align 12 (sector 512)", 20 * M, {"--align-payload", "12"});
    row("align 4096", 20 * M, {"--align-payload", "4096"});
    row("metadata 64k", 20 * M, {"--luks2-metadata-size", "65536"});
    row("metadata 4m, keyslots 4m", 20 * M,
        {"--luks2-metadata-size", "4194304", "--luks2-keyslots-size", "4194304"});
    row("metadata 4m", 24 * M, {"--luks2-metadata-size", "4194304"});
    row("metadata size invalid", 20 * M, {"--luks2-metadata-size", "12345"});
    row("keyslots 1 MiB", 20 * M, {"--luks2-keyslots-size", "1048576"});
    row("keyslots too small for a keyslot", 20 * M, {"--luks2-keyslots-size", "16384"});
    row("keyslots not 4 KiB", 20 * M, {"--luks2-keyslots-size", "1000000"});
    row("sector 1024", 20 * M, {"--sector-size", "1024"});
    row("sector 4096 on size not aligned", 32 * M + 512, {"--sector-size", "4096"});
    row("sector 1000", 20 * M, {"--sector-size", "1000"});
    row("size - 1 MiB not 4 KiB aligned (sector 512)", 32 * M + 512, {});
    row("keyslot cipher", 20 * M, {"--keyslot-cipher", "aes-cbc-essiv:sha256", "--keyslot-key-size", "256"});
    row("keyslot cipher alone", 20 * M, {"--keyslot-cipher", "aes-cbc-essiv:sha256"});
    row("label and subsystem", 20 * M, {"--label", "my label", "--subsystem", "sub"});
    row("upper-case uuid", 20 * M, {"--uuid", "01234567-89AB-CDEF-0123-456789ABCDEF"});
    row("bad uuid", 20 * M, {"--uuid", "nope"});
    row("4 MiB image grows", 4 * M, {});
    row("luks1 defaults", 20 * M, {"--type", "luks1"});
    row("luks1 detached header", 20 * M, {"--type", "luks1", "HDR"});
    row("luks1 detached header, align 2048", 20 * M, {"--type", "luks1", "HDR", "--align-payload", "2048"});
    row("luks1 offset 4096", 20 * M, {"--type", "luks1", "--offset", "4096"});
    row("luks1 offset 8 inside header", 20 * M, {"--type", "luks1", "--offset", "8"});
    row("luks1 align 1", 20 * M, {"--type", "luks1", "--align-payload", "1"});
    row("luks1 1 MiB image grows", 1 * M, {"--type", "luks1"});
}

void TestLuks2Format::formatMatchesCryptsetup()
{
    QFETCH(qint64, imageBytes);
    QFETCH(QStringList, options);
    const bool detached = options.removeAll(QStringLiteral("HDR")) > 0;
    QVERIFY(zeroFile(theirs(QStringLiteral("img")), imageBytes));
    QVERIFY(zeroFile(ours(QStringLiteral("img")), imageBytes));
    QStringList arguments{QStringLiteral("luksFormat"), QStringLiteral("-q")};
    if (!options.contains(QStringLiteral("--uuid")))
        arguments += {QStringLiteral("--uuid"), FixedUuid};
    if (!options.contains(QStringLiteral("--pbkdf")))
        arguments += Pbkdf2;
    if (detached)
        arguments += {QStringLiteral("--header"), QStringLiteral("@hdr")};
    arguments += options + QStringList{QStringLiteral("@img"), QStringLiteral("@pw")};
    const Run t = runTheirs(arguments);
    const Run o = runOurs(arguments);
    QCOMPARE(o.text, t.text);
    QCOMPARE(o.exitCode, t.exitCode);
    QCOMPARE(QFileInfo(ours(QStringLiteral("img"))).size(), QFileInfo(theirs(QStringLiteral("img"))).size());
    if (t.exitCode != 0) {
        // Both leave something that is not LUKS (a failed first keyslot wipes the signatures).
        compareHeaders(detached ? QStringLiteral("hdr") : QStringLiteral("img"));
        return;
    }
    if (detached) {
        QCOMPARE(QFileInfo(ours(QStringLiteral("hdr"))).size(),
                 QFileInfo(theirs(QStringLiteral("hdr"))).size());
        // The data device is not written at all.
        QCOMPARE(fileDigest(ours(QStringLiteral("img"))), fileDigest(theirs(QStringLiteral("img"))));
    }
    compareHeaders(detached ? QStringLiteral("hdr") : QStringLiteral("img"));
    compareAcceptance(detached ? QStringList{QStringLiteral("--header"), QStringLiteral("@hdr")}
                               : QStringList(),
                      {QStringLiteral("pw"), QStringLiteral("wrong")});
}

void TestLuks2Format::allMetadataSizesLoad()
{
    for (uint64_t size = 16384; size <= 4194304; size *= 2) {
        const QString image = theirs(QStringLiteral("md%1.img").arg(size));
        QVERIFY(zeroFile(image, 20 << 20));
        const ToolRun format =
            runTool(m_cryptsetup, QStringList{QStringLiteral("luksFormat"), QStringLiteral("-q"),
                                              QStringLiteral("--luks2-metadata-size"), QString::number(size),
                                              image, theirs(QStringLiteral("pw"))} +
                                      Pbkdf2);
        QVERIFY2(format.ok(), format.err.constData());
        const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
        QCOMPARE(runCli({QStringLiteral("luksDump"), image}).out, dump.out);
        const ToolRun json = runTool(
            m_cryptsetup, {QStringLiteral("luksDump"), QStringLiteral("--dump-json-metadata"), image});
        QCOMPARE(runCli({QStringLiteral("luksDump"), QStringLiteral("--dump-json-metadata"), image}).out,
                 json.out);
        QCOMPARE(runCli({QStringLiteral("open"), QStringLiteral("--test-passphrase"), QStringLiteral("-d"),
                         theirs(QStringLiteral("pw")), image})
                     .exitCode,
                 0);
        // Loads never write.
        const QByteArray before = fileDigest(image);
        QCOMPARE(runCli({QStringLiteral("isLuks"), image}).exitCode, 0);
        QCOMPARE(fileDigest(image), before);
        QFile::remove(image);
    }
}

// ---- one verb on identical images ---------------------------------------------------------------

void TestLuks2Format::verbMatchesCryptsetup_data()
{
    // setup: commands cryptsetup runs on @img first (then both folders get a copy); verb: what
    // both tools run and are compared on.
    QTest::addColumn<QList<QStringList>>("setup");
    QTest::addColumn<QStringList>("verb");
    const QStringList format2 = QStringList{"luksFormat", "-q", "--uuid", FixedUuid, "@img", "@pw"} + Pbkdf2;
    const QStringList format1 = format2 + QStringList{"--type", "luks1"};
    const QStringList addArgon2Cipher =
        QStringList{
            "luksAddKey",         "@img", "@pw2", "-d", "@pw", "--keyslot-cipher", "aes-cbc-essiv:sha256",
            "--keyslot-key-size", "256"} +
        Argon2;
    const QStringList add2 = QStringList{"luksAddKey", "@img", "@pw2", "-d", "@pw"} + Pbkdf2;
    const QStringList prefer1{"config", "@img", "-S", "1", "--priority", "prefer"};
    const QStringList ignore0{"config", "@img", "-S", "0", "--priority", "ignore"};

    // luksChangeKey without -S on LUKS2: the passphrase keeps its id, which moves to the end of the
    // JSON; new area, default priority and keyslot cipher; two commits.
    QTest::newRow("luks2 change slot 0 (id kept, moved last)")
        << QList<QStringList>{format2, addArgon2Cipher, prefer1}
        << QStringList{"luksChangeKey", "-v", "@img", "@pw3", "-d", "@pw"} + Pbkdf2;
    QTest::newRow("luks2 change slot 1 (priority and keyslot cipher dropped)")
        << QList<QStringList>{format2, addArgon2Cipher, prefer1}
        << QStringList{"luksChangeKey", "-v", "@img", "@pw3", "-d", "@pw2"} + Pbkdf2;
    // With -S: in place, priority kept, one commit.
    QTest::newRow("luks2 change -S 1 in place")
        << QList<QStringList>{format2, addArgon2Cipher, prefer1}
        << QStringList{"luksChangeKey", "-v", "-S", "1", "@img", "@pw3", "-d", "@pw2"} + Pbkdf2;
    QTest::newRow("luks2 change -S 0 ignored slot in place")
        << QList<QStringList>{format2, add2, ignore0}
        << QStringList{"luksChangeKey", "-v", "-S", "0", "@img", "@pw3", "-d", "@pw"} + Pbkdf2;
    QTest::newRow("luks2 change, keyslots area full (in place)")
        << QList<QStringList>{format2 + QStringList{"--luks2-keyslots-size", "262144"}}
        << QStringList{"luksChangeKey", "-v", "@img", "@pw3", "-d", "@pw"} + Pbkdf2;
    QTest::newRow("luks2 change keeps token")
        << QList<QStringList>{format2,
                              add2,
                              {"token", "add", "--key-description", "foo", "--key-slot", "1", "@img"}}
        << QStringList{"luksChangeKey", "-v", "@img", "@pw3", "-d", "@pw2"} + Pbkdf2;
    QTest::newRow("luks2 change argon2")
        << QList<QStringList>{format2, add2}
        << QStringList{"luksChangeKey", "@img", "@pw3", "-d", "@pw2"} + Argon2;
    QTest::newRow("luks2 change wrong passphrase")
        << QList<QStringList>{format2, add2}
        << QStringList{"luksChangeKey", "@img", "@pw3", "-d", "@wrong"} + Pbkdf2;
    QTest::newRow("luks1 change (lowest free slot)")
        << QList<QStringList>{format1, add2}
        << QStringList{"luksChangeKey", "-v", "@img", "@pw3", "-d", "@pw"} + Pbkdf2;
    QTest::newRow("luks1 change -S 1 in place")
        << QList<QStringList>{format1, add2}
        << QStringList{"luksChangeKey", "-v", "-S", "1", "@img", "@pw3", "-d", "@pw2"} + Pbkdf2;
    QTest::newRow("luks2 luksUUID --uuid")
        << QList<QStringList>{format2, add2}
        << QStringList{"luksUUID", "-q", "@img", "--uuid", "FEDCBA98-7654-3210-fedc-ba9876543210"};
    QTest::newRow("luks1 luksUUID --uuid")
        << QList<QStringList>{format1}
        << QStringList{"luksUUID", "-q", "@img", "--uuid", "FEDCBA98-7654-3210-fedc-ba9876543210"};
    QTest::newRow("luks2 erase (one commit per keyslot)")
        << QList<QStringList>{format2, add2,
                              QStringList{"luksAddKey", "-S", "5", "@img", "@pw3", "-d", "@pw"} + Pbkdf2}
        << QStringList{"erase", "-q", "-v", "@img"};
    QTest::newRow("luks1 luksErase") << QList<QStringList>{format1, add2}
                                     << QStringList{"luksErase", "-q", "-v", "@img"};
    QTest::newRow("luks2 luksAddKey -S warns")
        << QList<QStringList>{format2}
        << QStringList{"luksAddKey", "-v", "-S", "3", "@img", "@pw2", "-d", "@pw"} + Pbkdf2;
    QTest::newRow("luks2 luksKillSlot")
        << QList<QStringList>{format2, add2} << QStringList{"luksKillSlot", "-v", "@img", "0", "-d", "@pw2"};
    QTest::newRow("luks2 luksRemoveKey")
        << QList<QStringList>{format2, add2} << QStringList{"luksRemoveKey", "-v", "@img", "@pw"};
    QTest::newRow("luks2 config label and subsystem (one commit)")
        << QList<QStringList>{format2} << QStringList{"config", "@img", "--label", "L", "--subsystem", "S"};
    QTest::newRow("luks2 config label clears subsystem")
        << QList<QStringList>{format2 + QStringList{"--label", "A", "--subsystem", "B"}}
        << QStringList{"config", "@img", "--label", "C"};
    QTest::newRow("luks2 config priority")
        << QList<QStringList>{format2, add2}
        << QStringList{"config", "@img", "-S", "1", "--priority", "ignore"};
    QTest::newRow("luks2 detached change")
        << QList<QStringList>{QStringList{"luksFormat", "-q", "--uuid", FixedUuid, "--header", "@hdr", "@img",
                                          "@pw"} +
                              Pbkdf2}
        << QStringList{"luksChangeKey", "-v", "--header", "@hdr", "@img", "@pw3", "-d", "@pw"} + Pbkdf2;
}

void TestLuks2Format::verbMatchesCryptsetup()
{
    QFETCH(QList<QStringList>, setup);
    QFETCH(QStringList, verb);
    QVERIFY(zeroFile(theirs(QStringLiteral("img")), 20 << 20));
    for (const QStringList& step : setup) {
        const Run run = runTheirs(step);
        QVERIFY2(run.exitCode == 0, qPrintable(step.join(u' ') + u'\n' + run.text));
    }
    const bool detached = verb.contains(QStringLiteral("--header"));
    for (const QString& file : {QStringLiteral("img"), QStringLiteral("hdr")}) {
        if (QFileInfo::exists(theirs(file)))
            QVERIFY(copyFile(theirs(file), ours(file)));
    }
    const Run t = runTheirs(verb);
    const Run o = runOurs(verb);
    QCOMPARE(o.text, t.text);
    QCOMPARE(o.exitCode, t.exitCode);
    compareHeaders(detached ? QStringLiteral("hdr") : QStringLiteral("img"));
    compareAcceptance(detached ? QStringList{QStringLiteral("--header"), QStringLiteral("@hdr")}
                               : QStringList());
}

// ---- every verb with --header -------------------------------------------------------------------

void TestLuks2Format::detachedHeaderVerbs_data()
{
    QTest::addColumn<QString>("type");
    QTest::newRow("luks1") << QStringLiteral("luks1");
    QTest::newRow("luks2") << QStringLiteral("luks2");
}

void TestLuks2Format::detachedHeaderVerbs()
{
    QFETCH(QString, type);
    const QString image = ours(QStringLiteral("img"));
    const QString header = ours(QStringLiteral("hdr"));
    const QString pw = ours(QStringLiteral("pw"));
    const QString pw2 = ours(QStringLiteral("pw2"));
    const QString pw3 = ours(QStringLiteral("pw3"));
    QVERIFY(zeroFile(image, 8 << 20));
    const QStringList h{QStringLiteral("--header"), header};
    CliResult r = runCli(QStringList{"luksFormat", "-q", "--type", type, image, pw} + h + Pbkdf2);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    // The data device is untouched; the header file holds the whole header and keyslots.
    QCOMPARE(readFile(image), QByteArray(8 << 20, '\0'));
    QCOMPARE(QFileInfo(header).size(), type == u"luks1" ? 2068480 : 16 << 20);
    const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), header});
    QCOMPARE(dump.exitCode, 0);
    QVERIFY(dump.out.contains(type == u"luks1" ? "Payload offset:\t0\n" : "\toffset: 0 [bytes]\n"));
    QCOMPARE(runCli({QStringLiteral("luksDump"), header}).out, dump.out);
    QCOMPARE(runTool(m_cryptsetup, QStringList{"open", "--test-passphrase", "-d", pw, image} + h).exitCode,
             0);
    // The image alone is not LUKS.
    QCOMPARE(runCli({QStringLiteral("isLuks"), image}).exitCode, 1);
    QCOMPARE(runCli(QStringList{QStringLiteral("isLuks"), image} + h).exitCode, 0);

    // Data through the mapping lands at offset 0 of the image, readable with cryptsetup's key.
    const QString data = ours(QStringLiteral("data.bin"));
    QVERIFY(writeFile(data, patternBytes(7, 0, 65536)));
    r = runCli(QStringList{"write", image, "-d", pw, "-i", data} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY(readFile(image, 0, 65536) != patternBytes(7, 0, 65536));
    r = runCli(QStringList{"read", image, "-d", pw, "--length", "65536"} + h);
    QCOMPARE(r.out, patternBytes(7, 0, 65536));
    const QString vk = ours(QStringLiteral("vk"));
    const ToolRun key = runTool(
        m_cryptsetup,
        QStringList{"luksDump", "-q", "--dump-volume-key", "--volume-key-file", vk, "-d", pw, image} + h);
    QVERIFY2(key.ok(), key.err.constData());
    QStringList plain{"read", image, "--type", "plain", "-c",       "aes-xts-plain64",
                      "-s",   "512", "-d",     vk,      "--length", "65536"};
    if (type == u"luks2")
        plain += {"--sector-size", "4096"};
    QCOMPARE(runCli(plain).out, patternBytes(7, 0, 65536));

    // Keyslot verbs touch the header file only.
    const QByteArray imageBefore = fileDigest(image);
    r = runCli(QStringList{"luksAddKey", image, pw2, "-d", pw} + h + Pbkdf2);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = runCli(QStringList{"luksChangeKey", "-v", image, pw3, "-d", pw2} + h + Pbkdf2);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    // LUKS2 keeps slot 1; LUKS1 moves the passphrase to the lowest free slot.
    QVERIFY2(r.out.contains(type == u"luks1" ? "Key slot 2 created." : "Key slot 1 created."),
             r.out.constData());
    QCOMPARE(runTool(m_cryptsetup, QStringList{"open", "--test-passphrase", "-d", pw3, image} + h).exitCode,
             0);
    r = runCli(QStringList{"luksKillSlot", image, type == u"luks1" ? "2" : "1", "-d", pw} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(runTool(m_cryptsetup, QStringList{"open", "--test-passphrase", "-d", pw3, image} + h).exitCode,
             2);
    r = runCli(QStringList{"luksAddKey", image, pw2, "-d", pw} + h + Pbkdf2);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = runCli(QStringList{"luksRemoveKey", image, pw2} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = runCli(QStringList{"luksUUID", "-q", image, "--uuid", FixedUuid} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(runCli(QStringList{"luksUUID", image} + h).out, FixedUuid.toUtf8() + '\n');
    if (type == u"luks2") {
        r = runCli(QStringList{"config", image, "--label", "detached"} + h);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(runTool(m_cryptsetup, {"luksDump", header}).out.contains("Label:         \tdetached\n"));
        QCOMPARE(runCli(QStringList{"repair", image} + h).exitCode, 0);
    }
    const QString backup = ours(QStringLiteral("hdr.backup"));
    r = runCli(QStringList{"luksHeaderBackup", image, "--header-backup-file", backup} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(QFileInfo(backup).size(), type == u"luks1" ? 2068480 : 16 << 20);
    QCOMPARE(readFile(backup), readFile(header));
    QCOMPARE(fileDigest(image), imageBefore);
    r = runCli(QStringList{"erase", "-q", image} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(runTool(m_cryptsetup, QStringList{"open", "--test-passphrase", "-d", pw, image} + h).exitCode,
             1);
    r = runCli(QStringList{"luksHeaderRestore", "-q", image, "--header-backup-file", backup} + h);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(runTool(m_cryptsetup, QStringList{"open", "--test-passphrase", "-d", pw, image} + h).exitCode,
             0);
    QCOMPARE(fileDigest(image), imageBefore);
}

// ---- failures change nothing ---------------------------------------------------------------------

void TestLuks2Format::failingVerbsLeaveFilesUntouched_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<bool>("detached");
    QTest::newRow("luks1") << QStringLiteral("luks1") << false;
    QTest::newRow("luks2") << QStringLiteral("luks2") << false;
    QTest::newRow("luks1 detached") << QStringLiteral("luks1") << true;
    QTest::newRow("luks2 detached") << QStringLiteral("luks2") << true;
}

void TestLuks2Format::failingVerbsLeaveFilesUntouched()
{
    QFETCH(QString, type);
    QFETCH(bool, detached);
    QVERIFY(zeroFile(theirs(QStringLiteral("img")), 20 << 20));
    const QStringList h =
        detached ? QStringList{QStringLiteral("--header"), QStringLiteral("@hdr")} : QStringList();
    Run run = runTheirs(QStringList{"luksFormat", "-q", "--type", type, "@img", "@pw"} + h + Pbkdf2);
    QVERIFY2(run.exitCode == 0, qPrintable(run.text));
    run = runTheirs(QStringList{"luksAddKey", "@img", "@pw2", "-d", "@pw"} + h + Pbkdf2);
    QVERIFY2(run.exitCode == 0, qPrintable(run.text));
    const QString other = type == u"luks1" ? QStringLiteral("luks2") : QStringLiteral("luks1");
    QVERIFY(writeFile(theirs(QStringLiteral("exists.bak")), "x"));
    QVERIFY(writeFile(ours(QStringLiteral("exists.bak")), "x"));
    const QList<QStringList> rows = {
        {"open", "--test-passphrase", "-d", "@wrong", "@img"},
        {"open", "--test-passphrase", "-S", "3", "-d", "@pw", "@img"},
        {"open", "--test-passphrase", "-S", "40", "-d", "@pw", "@img"},
        QStringList{"luksAddKey", "@img", "@pw3", "-d", "@pw", "-S", "0"} + Pbkdf2,
        QStringList{"luksAddKey", "@img", "@pw3", "-d", "@pw", "-S", "40"} + Pbkdf2,
        QStringList{"luksAddKey", "@img", "@pw3", "-d", "@pw", "--keyslot-cipher", "aes-cbc-plain64"} +
            Pbkdf2,
        QStringList{"luksChangeKey", "@img", "@pw3", "-d", "@wrong"} + Pbkdf2,
        QStringList{"luksChangeKey", "@img", "@pw3", "-d", "@pw", "-S", "3"} + Pbkdf2,
        QStringList{"luksChangeKey", "@img", "@pw3", "-d", "@pw", "-S", "1"} + Pbkdf2,
        QStringList{"luksAddKey", "@img", "@pw3", "-d", "@wrong"} + Pbkdf2,
        QStringList{"luksAddKey", "@img", "@pw3", "-d", "@pw", "--pbkdf-force-iterations", "3"},
        QStringList{"luksChangeKey", "@img", "@pw3", "-d", "@pw", "--pbkdf", "pbkdf2",
                    "--pbkdf-force-iterations", "999"},
        {"luksRemoveKey", "@img", "@wrong"},
        {"luksKillSlot", "@img", "3", "-d", "@pw"},
        {"luksKillSlot", "@img", "0", "-d", "@wrong"},
        {"luksKillSlot", "@img", "40", "-d", "@pw"},
        {"luksUUID", "--uuid", "bad", "@img"},
        {"config", "--priority", "prefer", "-S", "7", "@img"},
        {"config", "--priority", "prefer", "-S", "40", "@img"},
        {"luksHeaderBackup", "@img", "--header-backup-file", "@exists.bak"},
        {"luksHeaderRestore", "-q", "@img", "--header-backup-file", "@exists.bak"},
        {"luksDump", "--type", other, "@img"},
        {"luksDump", "--dump-volume-key", "-q", "-d", "@wrong", "@img"},
        {"isLuks", "--type", other, "@img"},
        {"erase", "-q", "--type", other, "@img"},
    };
    for (const QString& file : {QStringLiteral("img"), QStringLiteral("hdr")}) {
        if (QFileInfo::exists(theirs(file)))
            QVERIFY(copyFile(theirs(file), ours(file)));
    }
    // Whole contents rather than digests: a byte compare is cheaper than hashing every row.
    const QByteArray imageBefore = readFile(ours(QStringLiteral("img")));
    const QByteArray headerBefore = readFile(ours(QStringLiteral("hdr")));
    QList<QStringList> all = rows;
    if (type == u"luks1")
        all += QStringList{"luksDump", "--dump-json-metadata", "@img"};
    for (const QStringList& row : all) {
        const QStringList arguments = row + h;
        const Run t = runTheirs(arguments);
        const Run o = runOurs(arguments);
        const QString context = arguments.join(u' ') + QStringLiteral("\n theirs: ") + t.text +
                                QStringLiteral("\n ours:   ") + o.text;
        QVERIFY2(t.exitCode != 0, qPrintable(context));
        QVERIFY2(o.exitCode == t.exitCode, qPrintable(context));
        // Deliberate difference: 2.6.1 fails luksAddKey -d WRONG without a word; we say why.
        if (row.first() == u"luksAddKey" && row.contains(QStringLiteral("@wrong"))) {
            QVERIFY2(t.text.isEmpty(), qPrintable(context));
            QVERIFY2(o.text.contains(QStringLiteral("No key available with this passphrase.")),
                     qPrintable(context));
        } else {
            QVERIFY2(o.text == t.text, qPrintable(context));
        }
        QVERIFY2(readFile(ours(QStringLiteral("img"))) == imageBefore, qPrintable(context));
        QVERIFY2(readFile(ours(QStringLiteral("hdr"))) == headerBefore, qPrintable(context));
    }
}

// ---- engine settings without a cryptsetup verb here ---------------------------------------------

void TestLuks2Format::persistentFlags()
{
    // cryptsetup stores flags with open/refresh --persistent, which need device-mapper (root); our
    // CLI has no verb for it. The engine call must write what 2.6.1 writes: known flags in its
    // order after keyslots_size, one commit, unknown ones dropped, and the table words.
    const QString image = ours(QStringLiteral("img"));
    QVERIFY(zeroFile(image, 20 << 20));
    QCOMPARE(runCli(QStringList{"luksFormat", "-q", image, ours(QStringLiteral("pw"))} + Pbkdf2).exitCode, 0);
    {
        auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
        QVERIFY(device);
        auto volume = Luks2Volume::load(std::move(device.value()));
        QVERIFY(volume);
        QCOMPARE(volume.value()->seqid(), 3u);
        QVERIFY(volume.value()->setPersistentFlags(
            {"no-read-workqueue", "foo-flag", "allow-discards", "same-cpu-crypt"}));
        QCOMPARE(volume.value()->seqid(), 4u);
        QCOMPARE(volume.value()->activation().optionWords,
                 QStringList({"allow_discards", "same_cpu_crypt", "no_read_workqueue", "sector_size:4096"}));
    }
    const ToolRun dump = runTool(m_cryptsetup, {QStringLiteral("luksDump"), image});
    QVERIFY(dump.out.contains("Epoch:         \t4\n"));
    QVERIFY2(dump.out.contains("Flags:       \tallow-discards same-cpu-crypt no-read-workqueue \n"),
             dump.out);
    const ToolRun json =
        runTool(m_cryptsetup, {QStringLiteral("luksDump"), QStringLiteral("--dump-json-metadata"), image});
    QVERIFY2(json.out.contains(
                 "\"keyslots_size\":\"16744448\",\n    \"flags\":[\n      \"allow-discards\",\n      "
                 "\"same-cpu-crypt\",\n      \"no-read-workqueue\"\n    ]\n  }"),
             json.out);
    // Clearing removes the member.
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    auto volume = Luks2Volume::load(std::move(device.value()));
    QVERIFY(volume);
    QVERIFY(volume.value()->setPersistentFlags({}));
    QVERIFY(!runTool(m_cryptsetup, {"luksDump", "--dump-json-metadata", image}).out.contains("flags"));
}

void TestLuks2Format::argon2MemoryCap()
{
    // --pbkdf-memory is capped at half the RAM (init_pbkdf_type). On a machine with more than
    // 8 GiB the cap never bites below the 4 GiB maximum, so check the rule itself.
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    const uint64_t halfRam = uint64_t(pages) * uint64_t(pageSize / 1024) / 2;
    const uint32_t requested = 4194304;
    const uint32_t expected = halfRam * 2 < 128 * 1024 || halfRam * 2 > UINT32_MAX
                                  ? std::min<uint32_t>(requested, 1048576)
                                  : uint32_t(std::min<uint64_t>(requested, halfRam));
    QCOMPARE(Pbkdf::defaultMaxMemoryKiB(requested), expected);
    // And the forced parameters land in the keyslot as cryptsetup writes them (time, memory,
    // cpus = min(4, online CPUs)); both tools format with the maximum memory the check allows.
    QVERIFY(zeroFile(theirs(QStringLiteral("img")), 20 << 20));
    QVERIFY(zeroFile(ours(QStringLiteral("img")), 20 << 20));
    const QStringList arguments{"luksFormat",
                                "-q",
                                "--uuid",
                                FixedUuid,
                                "--pbkdf",
                                "argon2i",
                                "--pbkdf-force-iterations",
                                "4",
                                "--pbkdf-memory",
                                "1024",
                                "--pbkdf-parallel",
                                "3",
                                "@img",
                                "@pw"};
    const Run t = runTheirs(arguments);
    const Run o = runOurs(arguments);
    QCOMPARE(o.exitCode, t.exitCode);
    QCOMPARE(o.text, t.text);
    compareHeaders(QStringLiteral("img"));
}

QTEST_GUILESS_MAIN(TestLuks2Format)
#include "TestLuks2Format.moc"
