// LUKS1 <-> LUKS2 conversion against the real cryptsetup 2.6.1 `convert`: the same image copy
// converted by both gives the same bytes (LUKS2 binary headers differ only in their random salts
// and so in their checksums), cryptsetup opens and dumps ours identically, converting back gives
// the original LUKS1 header area byte for byte, and every refusal has cryptsetup's message (or,
// where cryptsetup says nothing, our line) with the image untouched and no backup taken.
#include "Cryptsetup.h"
#include "TestImages.h"
#include "formats/LuksConvert.h"
#include "formats/luks1/Luks1Volume.h"
#include "formats/luks2/Luks2Volume.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

// LUKS2 binary header fields that are random per copy: salt (104..167) and csum (448..511).
constexpr qint64 SaltOffset = 104;
constexpr qint64 SaltBytes = 64;
constexpr qint64 CsumOffset = 448;
constexpr qint64 CsumBytes = 64;

QString cryptsetupPath()
{
    return findTool(QStringLiteral("cryptsetup"));
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size())
        qFatal("cannot write %s", qPrintable(path));
}

QString zeroImage(const QString& path, qint64 bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || !file.resize(bytes))
        qFatal("cannot create %s", qPrintable(path));
    return path;
}

void copyFile(const QString& from, const QString& to)
{
    QFile::remove(to);
    if (!QFile::copy(from, to))
        qFatal("cannot copy %s", qPrintable(from));
    QFile::setPermissions(to, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

void patchFile(const QString& path, qint64 offset, const QByteArray& data)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.seek(offset) || file.write(data) != data.size())
        qFatal("cannot patch %s", qPrintable(path));
}

Result<std::unique_ptr<LuksVolume>> load(const QString& path)
{
    auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadWrite);
    if (!device)
        return device.status();
    return LuksVolume::load(std::move(device.value()));
}

// Runs our converter on an image; counts the beforeWrite calls.
Status convert(const QString& path, int toVersion, int* hookCalls = nullptr)
{
    auto volume = load(path);
    if (!volume)
        return volume.status();
    LuksConvertOptions options;
    options.beforeWrite = [hookCalls](const HeaderDevice&) {
        if (hookCalls)
            ++*hookCalls;
        return Status::ok();
    };
    return toVersion == 2 ? convertToLuks2(volume.value(), options) : convertToLuks1(volume.value(), options);
}

// The two images hold the same bytes except the LUKS2 binary headers' salts and checksums.
void compareLuks2Images(const QString& ours, const QString& theirs)
{
    const QByteArray a = readFile(ours);
    const QByteArray b = readFile(theirs);
    QCOMPARE(a.size(), b.size());
    for (const qint64 header : {qint64(0), qint64(16384)}) {
        QVERIFY2(a.mid(header, SaltOffset) == b.mid(header, SaltOffset), "binary header before the salt");
        const qint64 afterSalt = header + SaltOffset + SaltBytes;
        QVERIFY2(a.mid(afterSalt, CsumOffset - SaltOffset - SaltBytes) ==
                     b.mid(afterSalt, CsumOffset - SaltOffset - SaltBytes),
                 "binary header between salt and csum");
        QVERIFY2(a.mid(header + CsumOffset + CsumBytes, 16384 - CsumOffset - CsumBytes) ==
                     b.mid(header + CsumOffset + CsumBytes, 16384 - CsumOffset - CsumBytes),
                 "binary header tail and JSON area");
        QVERIFY(a.mid(header + SaltOffset, SaltBytes) != b.mid(header + SaltOffset, SaltBytes));
    }
    QVERIFY2(a.mid(32768) == b.mid(32768), "keyslots area and data");
}

QString firstLine(const QString& text)
{
    return text.section(u'\n', 0, 0).trimmed();
}

} // namespace

class TestLuksConvert : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init() { QVERIFY(m_dir.isValid()); }

    void luks1ToLuks2_data();
    void luks1ToLuks2();
    void luks2ToLuks1MatchesCryptsetup();
    void luks2ToLuks1Refusals_data();
    void luks2ToLuks1Refusals();
    void luks1ToLuks2Refusals_data();
    void luks1ToLuks2Refusals();
    void failedBackupWritesNothing();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QTemporaryDir m_dir;
    QString m_pw1;
    QString m_pw2;
};

void TestLuksConvert::initTestCase()
{
    if (cryptsetupPath().isEmpty())
        QFAIL("cryptsetup is not installed: conversions are compared with its own");
    m_pw1 = path(QStringLiteral("pw1"));
    m_pw2 = path(QStringLiteral("pw2"));
    writeFile(m_pw1, "first passphrase");
    writeFile(m_pw2, "second passphrase");
}

void TestLuksConvert::luks1ToLuks2_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("keyBits");
    QTest::addColumn<bool>("detached");
    QTest::newRow("aes-xts-plain64 512") << "aes-xts-plain64" << 512 << false;
    QTest::newRow("aes-cbc-essiv:sha256 256") << "aes-cbc-essiv:sha256" << 256 << false;
    QTest::newRow("detached header") << "aes-xts-plain64" << 512 << true;
}

void TestLuksConvert::luks1ToLuks2()
{
    QFETCH(QString, cipher);
    QFETCH(int, keyBits);
    QFETCH(bool, detached);
    // A cryptsetup LUKS1 volume with slots 0 and 3 active.
    const QString data = zeroImage(path(QStringLiteral("data.img")), 8 << 20);
    const QString original = detached ? path(QStringLiteral("header.img")) : data;
    QFile::remove(path(QStringLiteral("header.img")));
    QStringList where = detached ? QStringList{QStringLiteral("--header"), original} : QStringList{};
    ToolRun run = cryptsetup(QStringList{"luksFormat", "-q", "--type", "luks1", "-c", cipher, "-s",
                                         QString::number(keyBits), data, m_pw1} +
                             CheapKdf + where);
    QVERIFY2(run.ok(), run.err.constData());
    run = cryptsetup(QStringList{"luksAddKey", "-q", "-S", "3", "-d", m_pw1, data, m_pw2} + CheapKdf + where);
    QVERIFY2(run.ok(), run.err.constData());
    auto luks1 = load(original);
    QVERIFY2(luks1, qPrintable(luks1.message()));
    const qint64 luks1Bytes = qint64(luks1.value()->headerBytes());
    luks1.value().reset();
    const QByteArray before = readFile(original);

    const QString theirs = path(QStringLiteral("theirs.img"));
    const QString ours = path(QStringLiteral("ours.img"));
    copyFile(original, theirs);
    copyFile(original, ours);
    run = cryptsetup({"convert", "-q", "--type", "luks2", theirs});
    QVERIFY2(run.ok(), run.err.constData());
    int hookCalls = 0;
    Status converted = convert(ours, 2, &hookCalls);
    QVERIFY2(converted, qPrintable(converted.message()));
    QCOMPARE(hookCalls, 1);
    compareLuks2Images(ours, theirs);

    // cryptsetup opens ours with both passphrases and dumps it exactly as its own.
    const QStringList oursData = detached ? QStringList{"--header", ours, data} : QStringList{ours};
    for (const QString& pw : {m_pw1, m_pw2}) {
        run = cryptsetup(QStringList{"open", "--test-passphrase", "-d", pw} + oursData);
        QVERIFY2(run.ok(), run.err.constData());
    }
    const ToolRun dumpOurs = cryptsetup({"luksDump", ours});
    const ToolRun dumpTheirs = cryptsetup({"luksDump", theirs});
    QVERIFY2(dumpOurs.ok(), dumpOurs.err.constData());
    QCOMPARE(dumpOurs.out, dumpTheirs.out);
    auto luks2 = load(ours);
    QVERIFY2(luks2, qPrintable(luks2.message()));
    QCOMPARE(luks2.value()->version(), 2);
    QCOMPARE(static_cast<Luks2Volume&>(*luks2.value()).seqid(), uint64_t(2));
    luks2.value().reset();

    // Back to LUKS1: the original header area byte for byte, and what cryptsetup makes of ours.
    const QString back = path(QStringLiteral("back.img"));
    copyFile(ours, back);
    converted = convert(ours, 1);
    QVERIFY2(converted, qPrintable(converted.message()));
    QCOMPARE(readFile(ours, 0, luks1Bytes), before.left(luks1Bytes));
    run = cryptsetup({"convert", "-q", "--type", "luks1", back});
    QVERIFY2(run.ok(), run.err.constData());
    QCOMPARE(readFile(ours), readFile(back));
    run = cryptsetup(QStringList{"open", "--test-passphrase", "-d", m_pw2} + oursData);
    QVERIFY2(run.ok(), run.err.constData());
}

void TestLuksConvert::luks2ToLuks1MatchesCryptsetup()
{
    // No random parts in this direction: the whole files must agree.
    const QString original = zeroImage(path(QStringLiteral("l2.img")), 20 << 20);
    ToolRun run = cryptsetup(QStringList{"luksFormat", "-q", "--type", "luks2", "--sector-size", "512",
                                         "--label", "dropped", original, m_pw1} +
                             CheapKdf);
    QVERIFY2(run.ok(), run.err.constData());
    run = cryptsetup(QStringList{"luksAddKey", "-q", "-S", "2", "-d", m_pw1, original, m_pw2} + CheapKdf);
    QVERIFY2(run.ok(), run.err.constData());
    const QString theirs = path(QStringLiteral("l2-theirs.img"));
    const QString ours = path(QStringLiteral("l2-ours.img"));
    copyFile(original, theirs);
    copyFile(original, ours);
    run = cryptsetup({"convert", "-q", "--type", "luks1", theirs});
    QVERIFY2(run.ok(), run.err.constData());
    const Status converted = convert(ours, 1);
    QVERIFY2(converted, qPrintable(converted.message()));
    QVERIFY(readFile(ours) == readFile(theirs));
    for (const QString& pw : {m_pw1, m_pw2}) {
        run = cryptsetup({"open", "--test-passphrase", "-d", pw, ours});
        QVERIFY2(run.ok(), run.err.constData());
    }
}

void TestLuksConvert::luks2ToLuks1Refusals_data()
{
    QTest::addColumn<QStringList>("format"); // luksFormat options
    QTest::addColumn<QStringList>("addKey"); // luksAddKey options (empty: none)
    QTest::addColumn<QStringList>("extra");  // another cryptsetup command on the image
    QTest::addColumn<QString>("ourMessage"); // where cryptsetup prints nothing
    const QStringList none;
    QTest::newRow("sector size 4096") << QStringList{"--sector-size", "4096"} << none << none << QString();
    QTest::newRow("argon2 slot")
        << QStringList{"--sector-size", "512"}
        << QStringList{"-S", "1", "--pbkdf", "argon2id", "--pbkdf-force-iterations", "4", "--pbkdf-memory",
                       "32"}
        << none << QString();
    QTest::newRow("token present") << QStringList{"--sector-size", "512"} << none
                                   << QStringList{"token", "add", "--key-description", "convert-test"}
                                   << QString();
    QTest::newRow("slot 9") << QStringList{"--sector-size", "512"} << QStringList{"-S", "9"} << none
                            << QString();
    QTest::newRow("keyslot cipher")
        << QStringList{"--sector-size", "512"}
        << QStringList{"-S", "1", "--keyslot-cipher", "aes-cbc-essiv:sha256", "--keyslot-key-size", "256"}
        << none << QString();
    QTest::newRow("unbound slot") << QStringList{"--sector-size", "512"}
                                  << QStringList{"-S", "1", "--unbound", "-s", "256"} << none << QString();
    QTest::newRow("no keyslot left")
        << QStringList{"--sector-size", "512"} << none << QStringList{"luksKillSlot", "-q", "@", "0"}
        << QStringLiteral("Cannot convert to LUKS1 format - no keyslot holds the volume key.");
    QTest::newRow("no room for placeholders")
        << QStringList{"--sector-size", "512", "--luks2-keyslots-size", "1M"} << none << none
        << QStringLiteral(
               "Cannot convert to LUKS1 format - no room in the keyslots area for LUKS1 keyslot 4.");
}

void TestLuksConvert::luks2ToLuks1Refusals()
{
    QFETCH(QStringList, format);
    QFETCH(QStringList, addKey);
    QFETCH(QStringList, extra);
    QFETCH(QString, ourMessage);
    const QString original = zeroImage(path(QStringLiteral("refuse.img")), 20 << 20);
    ToolRun run =
        cryptsetup(QStringList{"luksFormat", "-q", "--type", "luks2", original, m_pw1} + CheapKdf + format);
    QVERIFY2(run.ok(), run.err.constData());
    if (!addKey.isEmpty()) {
        QStringList arguments = QStringList{"luksAddKey", "-q", "-d", m_pw1, original, m_pw2} + addKey;
        if (!addKey.contains(u"--pbkdf"))
            arguments += CheapKdf;
        run = cryptsetup(arguments);
        QVERIFY2(run.ok(), run.err.constData());
    }
    if (!extra.isEmpty()) {
        QStringList arguments = extra;
        if (arguments.contains(u"@"))
            arguments.replace(arguments.indexOf(u"@"), original);
        else
            arguments += original;
        run = cryptsetup(arguments);
        QVERIFY2(run.ok(), run.err.constData());
    }
    const QString theirs = path(QStringLiteral("refuse-theirs.img"));
    copyFile(original, theirs);
    const ToolRun verdict = cryptsetup({"convert", "-q", "--type", "luks1", theirs});
    QCOMPARE(verdict.exitCode, 1);
    const QByteArray before = fileDigest(original);
    int hookCalls = 0;
    const Status refused = convert(original, 1, &hookCalls);
    QVERIFY(!refused);
    QCOMPARE(refused.code(), ErrorCode::InvalidArgument); // exit code 1, as cryptsetup's
    const QString expected = ourMessage.isEmpty() ? firstLine(QString::fromUtf8(verdict.err)) : ourMessage;
    if (!ourMessage.isEmpty())
        QVERIFY2(verdict.err.isEmpty(), verdict.err.constData()); // cryptsetup is silent here
    QCOMPARE(refused.message(), expected);
    QCOMPARE(hookCalls, 0);
    QCOMPARE(fileDigest(original), before);
    QCOMPARE(fileDigest(theirs), before); // cryptsetup wrote nothing either
}

void TestLuksConvert::luks1ToLuks2Refusals_data()
{
    QTest::addColumn<QString>("mutation");
    QTest::addColumn<QString>("ourMessage"); // where cryptsetup prints nothing
    QTest::newRow("LUKSMETA after the header") << "luksmeta" << QString();
    QTest::newRow("payload 4088: keyslots area overlaps data") << "offset4088" << QString();
    QTest::newRow("keyslot material at sector 12")
        << "offset12"
        << QStringLiteral(
               "Cannot convert to LUKS2 format - the LUKS1 keyslot material starts at sector 12, conversion "
               "needs it at sector 8.");
}

void TestLuksConvert::luks1ToLuks2Refusals()
{
    QFETCH(QString, mutation);
    QFETCH(QString, ourMessage);
    const QString original = zeroImage(path(QStringLiteral("refuse1.img")), 8 << 20);
    QStringList format{"luksFormat", "-q", "--type", "luks1", original, m_pw1};
    if (mutation == u"offset4088")
        format += {"--offset", "4088"};
    ToolRun run = cryptsetup(format + CheapKdf);
    QVERIFY2(run.ok(), run.err.constData());
    auto volume = load(original);
    QVERIFY(volume);
    const qint64 headerBytes = qint64(volume.value()->headerBytes());
    volume.value().reset();
    if (mutation == u"luksmeta") {
        patchFile(original, headerBytes, "LUKSMETA");
    } else if (mutation == u"offset12") {
        // Slot 0's material moved up by 4 sectors (offset field at 208 + 40, big-endian).
        QByteArray material = readFile(original, 4096, 256000);
        patchFile(original, 12 * 512, material);
        patchFile(original, 208 + 40, QByteArray::fromHex("0000000c"));
    }
    const QString theirs = path(QStringLiteral("refuse1-theirs.img"));
    copyFile(original, theirs);
    const ToolRun verdict = cryptsetup({"convert", "-q", "--type", "luks2", theirs});
    QCOMPARE(verdict.exitCode, 1);
    const QByteArray before = fileDigest(original);
    int hookCalls = 0;
    const Status refused = convert(original, 2, &hookCalls);
    QVERIFY(!refused);
    QCOMPARE(refused.code(), ErrorCode::InvalidArgument);
    if (ourMessage.isEmpty()) {
        // Our message may add the reason on further lines; the first is cryptsetup's.
        QCOMPARE(firstLine(refused.message()), firstLine(QString::fromUtf8(verdict.err)));
    } else {
        QVERIFY2(verdict.err.isEmpty(), verdict.err.constData());
        QCOMPARE(refused.message(), ourMessage);
    }
    QCOMPARE(hookCalls, 0);
    QCOMPARE(fileDigest(original), before);
}

void TestLuksConvert::failedBackupWritesNothing()
{
    const QString image = zeroImage(path(QStringLiteral("hook.img")), 8 << 20);
    ToolRun run = cryptsetup(QStringList{"luksFormat", "-q", "--type", "luks1", image, m_pw1} + CheapKdf);
    QVERIFY2(run.ok(), run.err.constData());
    const QByteArray before = fileDigest(image);
    auto volume = load(image);
    QVERIFY(volume);
    LuksConvertOptions options;
    options.beforeWrite = [](const HeaderDevice&) {
        return Status(ErrorCode::IOError, QStringLiteral("disk full"));
    };
    const Status failed = convertToLuks2(volume.value(), options);
    QCOMPARE(failed.message(), QStringLiteral("disk full"));
    QVERIFY(!volume.value()); // the device went to the new header's writer
    QCOMPARE(fileDigest(image), before);
    // Nothing was written, so the image still converts.
    QVERIFY(convert(image, 2));
}

QTEST_GUILESS_MAIN(TestLuksConvert)
#include "TestLuksConvert.moc"
