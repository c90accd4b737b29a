// The automatic header backups of convert and luksHeaderRestore, the undo for a run that was
// interrupted. TestCryptsetupCli::convertBackupAndRestore already checks the LUKS1 -> LUKS2
// backup of a completed convert (message, 0400, bytes, restore) and headerBackupRestore the
// restore's "was saved to" line; here: the LUKS2 -> LUKS1 direction, a convert that crashed at
// every sector budget, and the content and undo of the restore's own backup.
#include "CliRunner.h"
#include "CrashHarness.h"
#include "Cryptsetup.h"
#include "TestImages.h"
#include "formats/LuksConvert.h"
#include "formats/luks1/Luks1Volume.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QByteArray OldPass = QByteArrayLiteral("old passphrase");

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QByteArray imageBytes(const CrashingDevice::Image& image)
{
    return QByteArray(reinterpret_cast<const char*>(image.data()), qsizetype(image.size()));
}

// The file a "... saved to PATH; ..." or "... saved to PATH." line names.
QString savedPath(const QByteArray& out)
{
    static const QRegularExpression saved(QStringLiteral("saved to (\\S+?)[;.]?(\\s|$)"));
    return saved.match(QString::fromUtf8(out)).captured(1);
}

} // namespace

class TestCrashBackups : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void cleanupTestCase() { printCrashTotals(); }
    void convertToLuks1SavesHeader();
    void interruptedConvertIsUndone();
    void restoreSavesReplacedHeader();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString keyFile(const QByteArray& passphrase)
    {
        const QString file = path(QStringLiteral("key-%1").arg(++m_keys));
        return writeBytes(file, passphrase) ? file : QString();
    }

    QTemporaryDir m_dir;
    int m_keys = 0;
};

void TestCrashBackups::convertToLuks1SavesHeader()
{
    const QString image = createImage(m_dir.path(), QStringLiteral("l2.img"), 20 << 20, 21);
    const QString pw = keyFile(OldPass);
    // LUKS1 has only 512-byte sectors; an image file on a 4 KiB filesystem would get 4096.
    CliResult result = runCli(
        QStringList{"luksFormat", "-q", "--type", "luks2", "--sector-size", "512", image, pw} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QByteArray original = readFile(image);
    result = runCli({"convert", "--type", "luks1", image});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QString backup = savedPath(result.out);
    QVERIFY2(!backup.isEmpty() && backup.startsWith(image + QStringLiteral(".before-convert-")),
             result.out.constData());
    QVERIFY(result.out.contains(("luksHeaderRestore " + image + " --header-backup-file " + backup).toUtf8()));
    QCOMPARE(QFile::permissions(backup) & 0x7077, QFileDevice::ReadOwner); // 0400
    const qsizetype headerBytes = 16 << 20;                                // the whole LUKS2 header area
    QCOMPARE(QFileInfo(backup).size(), headerBytes);
    QVERIFY(readFile(backup) == original.left(headerBytes));
    QCOMPARE(runCli({"isLuks", "--type", "luks1", image}).exitCode, 0);
    // Undo: the LUKS2 header is back byte for byte and opens.
    result = runCli({"luksHeaderRestore", "-q", image, "--header-backup-file", backup});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(readFile(image) == original);
    QCOMPARE(runCli({"isLuks", "--type", "luks2", image}).exitCode, 0);
    QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", pw}).exitCode, 0);
}

void TestCrashBackups::interruptedConvertIsUndone()
{
    // LUKS1 -> LUKS2 moves every keyslot area, then writes the new header: in between no header
    // opens, which is what the backup is for. The crash images of every N come from the write
    // log of one run (as in crashFormat: exact, since the device accepts a budgeted run's first N
    // sectors as it accepts them without budget); real budgeted runs at a spread of N are then
    // undone through the CLI with the backup the CLI itself took.
    CrashVolumeSpec spec;
    spec.version = 1;
    const CrashVolume volume = makeCrashVolume(spec, {OldPass});
    QVERIFY(volume.image);
    const uint64_t headerBytes = 2068480; // LUKS1, 512-bit key: what convert saves
    const QByteArray base = imageBytes(*volume.image);

    const auto convert = [](const std::shared_ptr<CrashingDevice>& device) -> Status {
        auto luks = loadOver(device);
        if (!luks)
            return luks.status();
        return convertToLuks2(luks.value());
    };
    auto recorder = std::make_shared<CrashingDevice>(volume.image, std::nullopt);
    recorder->setRecording(true);
    const Status converted = convert(recorder);
    QVERIFY2(converted, qPrintable(converted.message()));
    const auto log = recorder->writeLog();
    const uint64_t w = log.size();
    for (const auto& written : log)
        QVERIFY2(written.sector < volume.dataOffset / 512,
                 qPrintable(QStringLiteral("convert wrote data sector %1").arg(written.sector)));

    // Every N: what the crash leaves before any undo.
    CrashTally tally;
    auto image = std::make_shared<CrashingDevice>(volume.image, std::nullopt);
    for (uint64_t n = 0; n <= w; ++n) {
        if (n > 0)
            image->put(log[n - 1]);
        ++tally.points;
        auto loaded = loadOver(image);
        if (loaded && opensWith(*loaded.value(), OldPass, volume.volumeKey))
            ++(loaded.value()->version() == 1 ? tally.oldState : tally.newState);
        else
            ++tally.between;
    }
    QVERIFY(tally.oldState > 0 && tally.newState > 0);
    recordCrashTally(QStringLiteral("LUKS1->LUKS2 convert (before undo)"), tally,
                     QStringLiteral("opens with nothing"));

    // The CLI's own backup of this volume.
    const QString original = path(QStringLiteral("convert-original.img"));
    QVERIFY(writeBytes(original, base));
    CliResult result = runCli({"convert", "--type", "luks2", original});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QString backup = savedPath(result.out);
    QVERIFY2(QFile::exists(backup), result.out.constData());
    QCOMPARE(QFile::permissions(backup) & 0x7077, QFileDevice::ReadOwner);
    QVERIFY(readFile(backup) == base.left(qsizetype(headerBytes)));

    const QString pw = keyFile(OldPass);
    int undone = 0;
    for (const uint64_t n :
         {uint64_t(0), uint64_t(1), w / 8, w / 4, w / 2, 3 * w / 4, w - 81, w - 41, w - 1, w}) {
        auto device = std::make_shared<CrashingDevice>(volume.image, n);
        const Status status = convert(device);
        QVERIFY2(n == w ? bool(status) : !status && device->crashed(),
                 qPrintable(QStringLiteral("N=%1").arg(n)));
        const QString crashed = path(QStringLiteral("convert-crash-%1.img").arg(n));
        QVERIFY(writeBytes(crashed, imageBytes(device->bytes())));
        result = runCli({"luksHeaderRestore", "-q", crashed, "--header-backup-file", backup});
        QVERIFY2(result.exitCode == 0,
                 qPrintable(QStringLiteral("N=%1: %2").arg(n).arg(QString::fromUtf8(result.err))));
        QCOMPARE(runCli({"isLuks", "--type", "luks1", crashed}).exitCode, 0);
        QVERIFY2(runCli({"open", "--test-passphrase", crashed, "-d", pw}).exitCode == 0,
                 qPrintable(QStringLiteral("N=%1: the restored volume does not open").arg(n)));
        const QByteArray after = readFile(crashed);
        QVERIFY(after.left(qsizetype(headerBytes)) == base.left(qsizetype(headerBytes)));
        QVERIFY(after.mid(qsizetype(volume.dataOffset)) == base.mid(qsizetype(volume.dataOffset)));
        ++undone;
    }
    qInfo().noquote() << "crash: convert undone through luksHeaderRestore at" << undone << "crash points";
}

void TestCrashBackups::restoreSavesReplacedHeader()
{
    // Restoring A's header over B saves B's header first; restoring that file undoes it.
    const QString a = createImage(m_dir.path(), QStringLiteral("a.img"), 4 << 20, 31);
    const QString b = createImage(m_dir.path(), QStringLiteral("b.img"), 4 << 20, 32);
    const QString pwA = keyFile(QByteArrayLiteral("passphrase a"));
    const QString pwB = keyFile(QByteArrayLiteral("passphrase b"));
    for (const auto& [image, pw] : {std::pair{a, pwA}, std::pair{b, pwB}}) {
        const CliResult made =
            runCli(QStringList{"luksFormat", "-q", "--type", "luks1", image, pw} + CheapKdf);
        QVERIFY2(made.exitCode == 0, made.err.constData());
    }
    const QString backupA = path(QStringLiteral("a.backup"));
    QCOMPARE(runCli({"luksHeaderBackup", a, "--header-backup-file", backupA}).exitCode, 0);
    const QByteArray beforeB = readFile(b);

    CliResult result = runCli({"luksHeaderRestore", "-q", b, "--header-backup-file", backupA});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QString saved = savedPath(result.out);
    QVERIFY2(saved.startsWith(b + QStringLiteral(".before-restore-")), result.out.constData());
    QCOMPARE(QFile::permissions(saved) & 0x7077, QFileDevice::ReadOwner);
    const qsizetype bytes = QFileInfo(backupA).size();
    QVERIFY(result.out.contains(QStringLiteral("(%1 bytes)").arg(bytes).toUtf8()));
    QVERIFY(readFile(saved) == beforeB.left(bytes));
    QCOMPARE(runCli({"open", "--test-passphrase", b, "-d", pwA}).exitCode, 0);
    QCOMPARE(runCli({"open", "--test-passphrase", b, "-d", pwB}).exitCode, 2);

    result = runCli({"luksHeaderRestore", "-q", b, "--header-backup-file", saved});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    QVERIFY(readFile(b) == beforeB);
    QCOMPARE(runCli({"open", "--test-passphrase", b, "-d", pwB}).exitCode, 0);
}

QTEST_GUILESS_MAIN(TestCrashBackups)
#include "TestCrashBackups.moc"
