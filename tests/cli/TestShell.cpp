// shell in-process (stdin or -f): reports, suspend/reload/resume, refusals, file I/O, script errors.
#include "CliRunner.h"
#include "CommandTable.h"
#include "Console.h"
#include "Shell.h"
#include "TestImages.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

} // namespace

class TestShell : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void createAndReport();
    void scriptFromStdinAndFromFileAgree();
    void suspendReloadResumeSwapsTable();
    void ioWhileSuspendedIsRefused();
    void messages();
    void removeOfUsedDeviceIsBusy();
    void reloadThatWouldCycleIsRefused();
    void readAndWriteWithFiles();
    void writeFromStdinWithScriptFile();
    void writeDashRefusedWhenScriptIsStdin();
    void firstErrorStopsScript();
    void errorExitCodes();
    void interactiveKeepsGoing();
    void delayDevices();
    void flakeyDevices();
    void workloadCommand();
    void cryptSettingsStatsAndTrace();
    void keyctlKeysInTables();
    void teachingModeStallIsReportedAndBroken();

private:
    // Writes the script (with %A, %B for the images and %D for the directory) and runs shell -f on it.
    CliResult runScript(const QString& script, const QByteArray& stdinBytes = {});
    QString expand(QString text) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_a;
    QString m_b;
    QString m_script;
    int m_scripts = 0;
};

void TestShell::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_a = createImage(m_dir->path(), QStringLiteral("a.img"), 64 * 512, 1);
    m_b = createImage(m_dir->path(), QStringLiteral("b.img"), 64 * 512, 2);
}

QString TestShell::expand(QString text) const
{
    return text.replace(QStringLiteral("%A"), m_a)
        .replace(QStringLiteral("%B"), m_b)
        .replace(QStringLiteral("%D"), m_dir->path());
}

CliResult TestShell::runScript(const QString& script, const QByteArray& stdinBytes)
{
    m_script = m_dir->filePath(QStringLiteral("script-%1.dm").arg(++m_scripts));
    if (!writeBytes(m_script, expand(script).toUtf8()))
        qFatal("cannot write %s", qPrintable(m_script));
    return runCli({QStringLiteral("shell"), QStringLiteral("-f"), m_script}, stdinBytes);
}

void TestShell::createAndReport()
{
    const CliResult result =
        runScript(QStringLiteral("# a pool over both images, a read-only top over it\n"
                                 "create pool --uuid P-1 0 16 linear %A 0; 16 16 linear %B 8\n"
                                 "create top --readonly 0 32 linear pool 0\n"
                                 "table\n"
                                 "table top\n"
                                 "status top\n"
                                 "info top\n"
                                 "info pool\n"
                                 "deps\n"
                                 "ls\n"
                                 "ls --tree\n"
                                 "echo done\n"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out), expand(QStringLiteral("pool: 0 16 linear %A 0\n"
                                                                  "pool: 16 16 linear %B 8\n"
                                                                  "top: 0 32 linear pool 0\n"
                                                                  "0 32 linear pool 0\n"
                                                                  "0 32 linear \n"
                                                                  "Name:              top\n"
                                                                  "State:             ACTIVE (READ-ONLY)\n"
                                                                  "Tables present:    LIVE\n"
                                                                  "Open count:        0\n"
                                                                  "Number of targets: 1\n"
                                                                  "Size:              32 sectors\n"
                                                                  "Name:              pool\n"
                                                                  "State:             ACTIVE\n"
                                                                  "Tables present:    LIVE\n"
                                                                  "Open count:        1\n"
                                                                  "Number of targets: 2\n"
                                                                  "Size:              32 sectors\n"
                                                                  "UUID:              P-1\n"
                                                                  "pool: 2 dependencies\t: (%A) (%B)\n"
                                                                  "top: 1 dependencies\t: (pool)\n"
                                                                  "pool\n"
                                                                  "top\n"
                                                                  "top\n"
                                                                  " └─pool\n"
                                                                  "    ├─%A\n"
                                                                  "    └─%B\n"
                                                                  "done\n")));
}

void TestShell::scriptFromStdinAndFromFileAgree()
{
    const QString script = QStringLiteral("create x 0 8 linear %A 4\ntable\nls --tree\n");
    const CliResult fromFile = runScript(script);
    const CliResult fromStdin = runCli({QStringLiteral("shell")}, expand(script).toUtf8());
    const CliResult fromDash =
        runCli({QStringLiteral("shell"), QStringLiteral("-f"), QStringLiteral("-")}, expand(script).toUtf8());
    QCOMPARE(fromFile.err, QByteArray());
    QCOMPARE(fromFile.exitCode, 0);
    QCOMPARE(QString::fromUtf8(fromFile.out), expand(QStringLiteral("x: 0 8 linear %A 4\nx\n └─%A\n")));
    for (const CliResult& other : {fromStdin, fromDash}) {
        QCOMPARE(other.err, QByteArray());
        QCOMPARE(other.exitCode, 0);
        QCOMPARE(other.out, fromFile.out);
    }
}

void TestShell::suspendReloadResumeSwapsTable()
{
    const CliResult result = runScript(QStringLiteral("create a 0 16 linear %A 0\n"
                                                      "table a\n"
                                                      "suspend a\n"
                                                      "info a\n"
                                                      "reload a 0 8 zero; 8 8 linear %B 4\n"
                                                      "info a\n"
                                                      "table a\n"
                                                      "resume a\n"
                                                      "table a\n"
                                                      "info a\n"
                                                      "read a 0 8192 %D/after.bin\n"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out), expand(QStringLiteral("0 16 linear %A 0\n"
                                                                  "Name:              a\n"
                                                                  "State:             SUSPENDED\n"
                                                                  "Tables present:    LIVE\n"
                                                                  "Open count:        0\n"
                                                                  "Number of targets: 1\n"
                                                                  "Size:              16 sectors\n"
                                                                  "Name:              a\n"
                                                                  "State:             SUSPENDED\n"
                                                                  "Tables present:    LIVE & INACTIVE\n"
                                                                  "Open count:        0\n"
                                                                  "Number of targets: 1\n"
                                                                  "Size:              16 sectors\n"
                                                                  "0 16 linear %A 0\n"
                                                                  "0 8 zero \n"
                                                                  "8 8 linear %B 4\n"
                                                                  "Name:              a\n"
                                                                  "State:             ACTIVE\n"
                                                                  "Tables present:    LIVE\n"
                                                                  "Open count:        0\n"
                                                                  "Number of targets: 2\n"
                                                                  "Size:              16 sectors\n")));
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("after.bin"))) ==
            QByteArray(8 * 512, '\0') + patternBytes(2, 4 * 512, 8 * 512));

    // A reload on a live device shows both tables too, and resume swaps without a suspend.
    const CliResult live = runScript(QStringLiteral("create a 0 16 linear %A 0\n"
                                                    "reload a 0 4 error\n"
                                                    "info a\n"
                                                    "resume a\n"
                                                    "table a\n"
                                                    "info a\n"));
    QCOMPARE(live.err, QByteArray());
    QCOMPARE(live.exitCode, 0);
    QCOMPARE(live.out, QByteArray("Name:              a\n"
                                  "State:             ACTIVE\n"
                                  "Tables present:    LIVE & INACTIVE\n"
                                  "Open count:        0\n"
                                  "Number of targets: 1\n"
                                  "Size:              16 sectors\n"
                                  "0 4 error \n"
                                  "Name:              a\n"
                                  "State:             ACTIVE\n"
                                  "Tables present:    LIVE\n"
                                  "Open count:        0\n"
                                  "Number of targets: 1\n"
                                  "Size:              4 sectors\n"));
}

void TestShell::ioWhileSuspendedIsRefused()
{
    const QByteArray digestA = fileDigest(m_a);
    const QString data = m_dir->filePath(QStringLiteral("data.bin"));
    QVERIFY(writeBytes(data, QByteArray(1024, 'd')));

    const CliResult write = runScript(QStringLiteral("create a 0 16 linear %A 0\n"
                                                     "suspend a\n"
                                                     "write a 0 %D/data.bin\n"
                                                     "echo never\n"));
    QCOMPARE(write.out, QByteArray());
    QCOMPARE(QString::fromUtf8(write.err),
             QStringLiteral(
                 "cryptstack: %1:3: device \"a\" is suspended: I/O to \"a\" would wait until it is resumed\n")
                 .arg(m_script));
    QCOMPARE(write.exitCode, 5);
    QCOMPARE(fileDigest(m_a), digestA);

    // A suspended lower device blocks I/O to the devices stacked on it, for reads too.
    const CliResult read = runScript(QStringLiteral("create low 0 16 linear %A 0\n"
                                                    "create top 0 8 linear low 8\n"
                                                    "suspend low\n"
                                                    "read top 0 512 -\n"));
    QCOMPARE(read.out, QByteArray());
    QCOMPARE(
        QString::fromUtf8(read.err),
        QStringLiteral("cryptstack: %1:4: device \"low\" is suspended: I/O to \"top\" would wait until it is "
                       "resumed\n")
            .arg(m_script));
    QCOMPARE(read.exitCode, 5);

    const CliResult stacked = runScript(QStringLiteral("create low 0 16 linear %A 0\n"
                                                       "create top 0 8 linear low 8\n"
                                                       "suspend low\n"
                                                       "write top 512 %D/data.bin\n"));
    QCOMPARE(stacked.exitCode, 5);
    QCOMPARE(
        QString::fromUtf8(stacked.err),
        QStringLiteral("cryptstack: %1:4: device \"low\" is suspended: I/O to \"top\" would wait until it is "
                       "resumed\n")
            .arg(m_script));
    QCOMPARE(fileDigest(m_a), digestA);

    // After resume the same write goes through.
    const CliResult resumed = runScript(QStringLiteral("create low 0 16 linear %A 0\n"
                                                       "create top 0 8 linear low 8\n"
                                                       "suspend low\n"
                                                       "resume low\n"
                                                       "write top 512 %D/data.bin\n"));
    QCOMPARE(resumed.err, QByteArray());
    QCOMPARE(resumed.exitCode, 0);
    QCOMPARE(readFile(m_a, 9 * 512, 1024), QByteArray(1024, 'd'));
    QCOMPARE(readFile(m_a, 8 * 512, 512), patternBytes(1, 8 * 512, 512));
    QCOMPARE(readFile(m_a, 11 * 512, 512), patternBytes(1, 11 * 512, 512));
}

void TestShell::messages()
{
    const CliResult unsupported = runScript(QStringLiteral("create a 0 8 linear %A 0; 8 8 zero\n"
                                                           "message a 0 hello world\n"));
    QCOMPARE(unsupported.out, QByteArray());
    QCOMPARE(QString::fromUtf8(unsupported.err),
             QStringLiteral("cryptstack: %1:2: device \"a\": Target type does not support messages\n")
                 .arg(m_script));
    QCOMPARE(unsupported.exitCode, 1);

    const CliResult secondTarget = runScript(QStringLiteral("create a 0 8 linear %A 0; 8 8 zero\n"
                                                            "message a 15 hello\n"));
    QCOMPARE(QString::fromUtf8(secondTarget.err),
             QStringLiteral("cryptstack: %1:2: device \"a\": Target type does not support messages\n")
                 .arg(m_script));
    QCOMPARE(secondTarget.exitCode, 1);

    const CliResult outside = runScript(QStringLiteral("create a 0 8 linear %A 0; 8 8 zero\n"
                                                       "message a 16 hello\n"));
    QCOMPARE(outside.out, QByteArray());
    QCOMPARE(QString::fromUtf8(outside.err),
             QStringLiteral("cryptstack: %1:2: device \"a\": Target message sector outside device.\n")
                 .arg(m_script));
    QCOMPARE(outside.exitCode, 1);

    const CliResult badSector = runScript(QStringLiteral("create a 0 8 zero\nmessage a x hello\n"));
    QCOMPARE(QString::fromUtf8(badSector.err),
             QStringLiteral("cryptstack: %1:2: Invalid target message parameters.\n").arg(m_script));
    QCOMPARE(badSector.exitCode, 1);

    const CliResult noWords = runScript(QStringLiteral("create a 0 8 zero\nmessage a 0\n"));
    QCOMPARE(QString::fromUtf8(noWords.err),
             QStringLiteral("cryptstack: %1:2: usage: message NAME SECTOR WORDS...\n").arg(m_script));
    QCOMPARE(noWords.exitCode, 1);

    const CliResult noDevice = runScript(QStringLiteral("message nosuch 0 hello\n"));
    QCOMPARE(QString::fromUtf8(noDevice.err),
             QStringLiteral("cryptstack: %1:1: device \"nosuch\" does not exist\n").arg(m_script));
    QCOMPARE(noDevice.exitCode, 4);
}

void TestShell::removeOfUsedDeviceIsBusy()
{
    const CliResult busy = runScript(QStringLiteral("create low 0 16 linear %A 0\n"
                                                    "create top 0 8 linear low 8\n"
                                                    "remove low\n"
                                                    "echo never\n"));
    QCOMPARE(busy.out, QByteArray());
    QCOMPARE(QString::fromUtf8(busy.err),
             QStringLiteral("cryptstack: %1:3: device \"low\" is busy: used by \"top\"\n").arg(m_script));
    QCOMPARE(busy.exitCode, 5);

    // An inactive table counts as a user too.
    const CliResult inactive = runScript(QStringLiteral("create low 0 16 linear %A 0\n"
                                                        "create top 0 8 linear low 8\n"
                                                        "create other 0 8 zero\n"
                                                        "reload other 0 8 linear low 0\n"
                                                        "remove low\n"));
    QCOMPARE(QString::fromUtf8(inactive.err),
             QStringLiteral("cryptstack: %1:5: device \"low\" is busy: used by \"other\", \"top\"\n")
                 .arg(m_script));
    QCOMPARE(inactive.exitCode, 5);

    const CliResult ordered = runScript(QStringLiteral("create low 0 16 linear %A 0\n"
                                                       "create top 0 8 linear low 8\n"
                                                       "remove top\n"
                                                       "ls\n"
                                                       "remove low\n"
                                                       "ls\n"
                                                       "remove low\n"));
    QCOMPARE(ordered.out, QByteArray("low\nNo devices found\n"));
    QCOMPARE(QString::fromUtf8(ordered.err),
             QStringLiteral("cryptstack: %1:7: device \"low\" does not exist\n").arg(m_script));
    QCOMPARE(ordered.exitCode, 4);
}

void TestShell::reloadThatWouldCycleIsRefused()
{
    // a is stacked on b; loading a table into b that uses a would close a loop.
    const CliResult cycle = runScript(QStringLiteral("create b 0 16 linear %A 0\n"
                                                     "create a 0 16 linear b 0\n"
                                                     "reload b 0 8 zero; 8 8 linear a 0\n"));
    QCOMPARE(cycle.out, QByteArray());
    QCOMPARE(
        QString::fromUtf8(cycle.err),
        QStringLiteral("cryptstack: %1:3: device \"b\", table line 2: linear: \"a\" is stacked on \"b\": "
                       "refusing a cycle\n")
            .arg(m_script));
    QCOMPARE(cycle.exitCode, 1);

    const CliResult indirect = runScript(QStringLiteral("create c 0 16 linear %A 0\n"
                                                        "create b 0 16 linear c 0\n"
                                                        "create a 0 16 linear b 0\n"
                                                        "reload c 0 16 linear a 0\n"));
    QCOMPARE(
        QString::fromUtf8(indirect.err),
        QStringLiteral("cryptstack: %1:4: device \"c\", table line 1: linear: \"a\" is stacked on \"c\": "
                       "refusing a cycle\n")
            .arg(m_script));
    QCOMPARE(indirect.exitCode, 1);

    const CliResult self = runScript(QStringLiteral("create a 0 16 linear %A 0\nreload a 0 16 linear a 0\n"));
    QCOMPARE(
        QString::fromUtf8(self.err),
        QStringLiteral("cryptstack: %1:2: device \"a\", table line 1: linear: \"a\" is stacked on \"a\": "
                       "refusing a cycle\n")
            .arg(m_script));
    QCOMPARE(self.exitCode, 1);

    // Reloading the upper device over the lower one again is fine.
    const CliResult fine = runScript(QStringLiteral("create b 0 16 linear %A 0\n"
                                                    "create a 0 16 linear b 0\n"
                                                    "reload a 0 8 linear b 8\n"
                                                    "resume a\n"
                                                    "table\n"));
    QCOMPARE(fine.err, QByteArray());
    QCOMPARE(fine.exitCode, 0);
    QCOMPARE(QString::fromUtf8(fine.out), expand(QStringLiteral("a: 0 8 linear b 8\nb: 0 16 linear %A 0\n")));
}

void TestShell::readAndWriteWithFiles()
{
    const QByteArray patch = patternBytes(50, 0, 1500);
    QVERIFY(writeBytes(m_dir->filePath(QStringLiteral("patch.bin")), patch));
    QByteArray expectedA = readFile(m_a);
    QByteArray expectedB = readFile(m_b);
    // d is a.img 8..16 then b.img 0..8; bytes 3000..4500 are a.img 8*512+3000.. (1096 bytes), then b.img
    // 0..404.
    expectedA.replace(8 * 512 + 3000, 1096, patch.left(1096));
    expectedB.replace(0, 404, patch.mid(1096));

    const CliResult result = runScript(QStringLiteral("create d 0 8 linear %A 8; 8 8 linear %B 0\n"
                                                      "write d 3000 %D/patch.bin\n"
                                                      "read d 2900 1700 %D/back.bin\n"
                                                      "read d 1K 2K %D/k.bin\n"
                                                      "read d 0 16 -\n"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QVERIFY(readFile(m_a) == expectedA);
    QVERIFY(readFile(m_b) == expectedB);
    const QByteArray device = expectedA.mid(8 * 512, 8 * 512) + expectedB.left(8 * 512);
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("back.bin"))) == device.mid(2900, 1700));
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("k.bin"))) == device.mid(1024, 2048));
    QVERIFY(result.out == device.left(16));

    // Write past the end through the shell: refused, nothing written.
    const QByteArray digestA = fileDigest(m_a);
    const QByteArray digestB = fileDigest(m_b);
    const CliResult past = runScript(QStringLiteral("create d 0 8 linear %A 8; 8 8 linear %B 0\n"
                                                    "write d 7000 %D/patch.bin\n"));
    QCOMPARE(
        QString::fromUtf8(past.err),
        QStringLiteral("cryptstack: %1:2: input is longer than the 1192 bytes from offset 7000 to the end of "
                       "\"d\"; nothing was written\n")
            .arg(m_script));
    QCOMPARE(past.exitCode, 1);
    QCOMPARE(fileDigest(m_a), digestA);
    QCOMPARE(fileDigest(m_b), digestB);

    const CliResult readOnly = runScript(QStringLiteral("create r --readonly 0 8 linear %A 0\n"
                                                        "write r 0 %D/patch.bin\n"));
    QCOMPARE(QString::fromUtf8(readOnly.err),
             QStringLiteral("cryptstack: %1:2: device \"r\" is read-only\n").arg(m_script));
    QCOMPARE(readOnly.exitCode, 2);
    QCOMPARE(fileDigest(m_a), digestA);

    const CliResult usage = runScript(QStringLiteral("create d 0 8 zero\nread d 0 512\n"));
    QCOMPARE(QString::fromUtf8(usage.err),
             QStringLiteral("cryptstack: %1:2: usage: read NAME OFFSET LENGTH FILE|-\n").arg(m_script));
    QCOMPARE(usage.exitCode, 1);
}

void TestShell::writeFromStdinWithScriptFile()
{
    // With the script in a file, "-" is the process's stdin.
    const QByteArray data = patternBytes(60, 0, 700);
    const CliResult result = runScript(QStringLiteral("create w 0 16 linear %A 16\nwrite w 100 -\n"), data);
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(readFile(m_a, 16 * 512 + 100, 700), data);
    QCOMPARE(readFile(m_a, 16 * 512, 100), patternBytes(1, 16 * 512, 100));
    QCOMPARE(readFile(m_a, 16 * 512 + 800, 100), patternBytes(1, 16 * 512 + 800, 100));
}

void TestShell::writeDashRefusedWhenScriptIsStdin()
{
    const QByteArray digestA = fileDigest(m_a);
    const CliResult result =
        runCli({QStringLiteral("shell")},
               expand(QStringLiteral("create w 0 16 linear %A 0\nwrite w 0 -\nsome data\n")).toUtf8());
    QCOMPARE(result.out, QByteArray());
    QCOMPARE(result.err,
             QByteArray("cryptstack: stdin:2: write: stdin holds the commands; give the data in a file, or "
                        "run the script with shell -f\n"));
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(fileDigest(m_a), digestA);

    // Reading to "-" (stdout) is fine from a stdin script.
    const CliResult read =
        runCli({QStringLiteral("shell")},
               expand(QStringLiteral("create w 0 16 linear %A 0\nread w 10 20 -\n")).toUtf8());
    QCOMPARE(read.err, QByteArray());
    QCOMPARE(read.exitCode, 0);
    QCOMPARE(read.out, patternBytes(1, 10, 20));
}

void TestShell::firstErrorStopsScript()
{
    const QString script = QStringLiteral("# line 1 is a comment\n"
                                          "\n"
                                          "echo one\n"
                                          "create a 0 8 zero\n"
                                          "frobnicate a\n"
                                          "echo never\n"
                                          "create b 0 8 zero\n");
    const CliResult fromFile = runScript(script);
    QCOMPARE(fromFile.out, QByteArray("one\n"));
    QCOMPARE(QString::fromUtf8(fromFile.err),
             QStringLiteral("cryptstack: %1:5: unknown command \"frobnicate\" (try help)\n").arg(m_script));
    QCOMPARE(fromFile.exitCode, 1);

    const CliResult fromStdin = runCli({QStringLiteral("shell")}, script.toUtf8());
    QCOMPARE(fromStdin.out, QByteArray("one\n"));
    QCOMPARE(fromStdin.err, QByteArray("cryptstack: stdin:5: unknown command \"frobnicate\" (try help)\n"));
    QCOMPARE(fromStdin.exitCode, 1);

    // quit ends the script early, successfully.
    const CliResult quit = runScript(QStringLiteral("echo a\nquit\necho b\nfrobnicate\n"));
    QCOMPARE(quit.err, QByteArray());
    QCOMPARE(quit.exitCode, 0);
    QCOMPARE(quit.out, QByteArray("a\n"));
}

void TestShell::errorExitCodes()
{
    struct Case
    {
        QString script;
        int exitCode;
        QString error; // after "cryptstack: SCRIPT:"
    };
    const QList<Case> cases{
        {QStringLiteral("create a 0 8 linear %A x\n"), 1,
         QStringLiteral("1: device \"a\", table line 1: linear: Invalid device sector")},
        {QStringLiteral("create a 0 8 linear %D/missing.img 0\n"), 4,
         QStringLiteral(
             "1: device \"a\", table line 1: linear: Device lookup failed: no device or image file named "
             "\"%D/missing.img\"")},
        {QStringLiteral("create a 0 8 zero\ncreate a 0 8 zero\n"), 5,
         QStringLiteral("2: device \"a\" already exists")},
        {QStringLiteral("create a --uuid U 0 8 zero\ncreate b --uuid U 0 8 zero\n"), 5,
         QStringLiteral("2: device \"b\": uuid U is already used by \"a\"")},
        {QStringLiteral("create a\n"), 1,
         QStringLiteral("1: usage: create NAME TABLE-LINE [; TABLE-LINE]...")},
        {QStringLiteral("table nosuch\n"), 4, QStringLiteral("1: device \"nosuch\" does not exist")},
        {QStringLiteral("create a 0 8 zero\ntable a b\n"), 1,
         QStringLiteral("2: usage: table [--showkeys] [NAME]")},
        {QStringLiteral("ls extra\n"), 1, QStringLiteral("1: usage: ls [--tree]")},
        {QStringLiteral("suspend\n"), 1, QStringLiteral("1: usage: suspend NAME")},
        {QStringLiteral("resume nosuch\n"), 4, QStringLiteral("1: device \"nosuch\" does not exist")},
        {QStringLiteral("create a 0 8 zero\nreload a 0 8 bogus\n"), 1,
         QStringLiteral("2: device \"a\", table line 1: bogus: unknown target type")},
        {QStringLiteral("sleep forever\n"), 1,
         QStringLiteral("1: usage: sleep SECONDS (0 to 3600, fractions allowed)")},
        {QStringLiteral("create a 0 8 zero\nread a 0 513x %D/x.bin\n"), 1,
         QStringLiteral("2: LENGTH: invalid byte count \"513x\"")},
        {QStringLiteral("create a 0 8 zero\nread a 4096 1 %D/x.bin\n"), 1,
         QStringLiteral("2: LENGTH 1 at offset 4096 reaches past the end of \"a\" (4096 bytes)")},
        {QStringLiteral("create a 0 8 zero\nread a 4097 0 %D/x.bin\n"), 1,
         QStringLiteral("2: OFFSET 4097 is past the end of \"a\" (4096 bytes)")},
        {QStringLiteral("create a 0 8 zero\nwrite a 5000 %B\n"), 1,
         QStringLiteral("2: OFFSET 5000 is past the end of \"a\" (4096 bytes)")},
        {QStringLiteral("create a 0 8 zero\nwrite a 0 %D/absent.bin\n"), 1,
         QStringLiteral("2: cannot open \"%D/absent.bin\": No such file or directory")},
    };
    for (const Case& c : cases) {
        const CliResult result = runScript(c.script);
        QVERIFY2(result.exitCode == c.exitCode,
                 qPrintable(QStringLiteral("%1 exited %2").arg(c.script.trimmed()).arg(result.exitCode)));
        QCOMPARE(result.out, QByteArray());
        QCOMPARE(QString::fromUtf8(result.err),
                 QStringLiteral("cryptstack: %1:").arg(m_script) + expand(c.error) + u'\n');
    }

    // The refused reads above never created their output file.
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("x.bin"))));

    // A refused read leaves an existing output file alone.
    const QString keep = m_dir->filePath(QStringLiteral("keep.bin"));
    QVERIFY(writeBytes(keep, "precious"));
    const CliResult refused = runScript(QStringLiteral("create a 0 8 zero\nread a 4000 200 %D/keep.bin\n"));
    QCOMPARE(refused.exitCode, 1);
    QCOMPARE(readFile(keep), QByteArray("precious"));

    const CliResult missing =
        runCli({QStringLiteral("shell"), QStringLiteral("-f"), m_dir->filePath(QStringLiteral("absent.dm"))});
    QCOMPARE(missing.out, QByteArray());
    QCOMPARE(QString::fromUtf8(missing.err),
             QStringLiteral("cryptstack: cannot open \"%1\": No such file or directory\n")
                 .arg(m_dir->filePath(QStringLiteral("absent.dm"))));
    QCOMPARE(missing.exitCode, 1);
}

void TestShell::interactiveKeepsGoing()
{
    // On a terminal the shell reports each error and carries on; the state after a refusal is unchanged.
    QByteArray input = expand(QStringLiteral("create b 0 16 linear %A 0\n"
                                             "create a 0 16 linear b 0\n"
                                             "reload b 0 16 linear a 0\n"
                                             "info b\n"
                                             "remove b\n"
                                             "ls --tree\n"))
                           .toUtf8();
    const CliResult result = runCliInteractive({QStringLiteral("shell")}, input);
    const QByteArray& out = result.out;
    const QByteArray& err = result.err;
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(out), expand(QStringLiteral("Name:              b\n"
                                                           "State:             ACTIVE\n"
                                                           "Tables present:    LIVE\n"
                                                           "Open count:        1\n"
                                                           "Number of targets: 1\n"
                                                           "Size:              16 sectors\n"
                                                           "a\n"
                                                           " └─b\n"
                                                           "    └─%A\n")));
    const QString errors = QString::fromUtf8(err);
    QVERIFY2(errors.startsWith(cli::Shell::help()), qPrintable(errors));
    QVERIFY2(errors.contains(
                 QStringLiteral("cryptstack: stdin:3: device \"b\", table line 1: linear: \"a\" is stacked "
                                "on \"b\": refusing a cycle\n")),
             qPrintable(errors));
    QVERIFY2(errors.contains(QStringLiteral("cryptstack: stdin:5: device \"b\" is busy: used by \"a\"\n")),
             qPrintable(errors));
    QCOMPARE(errors.count(QStringLiteral("cryptstack: ")), 2);
}

void TestShell::delayDevices()
{
    const QByteArray data = patternBytes(70, 0, 1024);
    QVERIFY(writeBytes(m_dir->filePath(QStringLiteral("data.bin")), data));
    const QByteArray digestA = fileDigest(m_a);
    // slow: every class delayed 20 ms over a.img; split: reads from a.img, writes to b.img.
    const CliResult result = runScript(QStringLiteral("create slow 0 16 delay %A 8 20\n"
                                                      "create split 0 16 delay %A 0 0 %B 16 0\n"
                                                      "table\n"
                                                      "status\n"
                                                      "read slow 0 8192 %D/slow.bin\n"
                                                      "write split 512 %D/data.bin\n"
                                                      "read split 0 8192 %D/split.bin\n"
                                                      "deps split\n"
                                                      "ls --tree\n"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out), expand(QStringLiteral("slow: 0 16 delay %A 8 20\n"
                                                                  "split: 0 16 delay %A 0 0 %B 16 0\n"
                                                                  "slow: 0 16 delay 0 0 0\n"
                                                                  "split: 0 16 delay 0 0 0\n"
                                                                  " 2 dependencies\t: (%A) (%B)\n"
                                                                  "slow\n"
                                                                  " └─%A\n"
                                                                  "split\n"
                                                                  " ├─%A\n"
                                                                  " └─%B\n")));
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("slow.bin"))) == patternBytes(1, 8 * 512, 8192));
    // The write went to b.img at sector 16 + 1; reads still come from a.img, which is untouched.
    QCOMPARE(fileDigest(m_a), digestA);
    QVERIFY(readFile(m_b, 17 * 512, 1024) == data);
    QVERIFY(readFile(m_b, 16 * 512, 512) == patternBytes(2, 16 * 512, 512));
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("split.bin"))) == patternBytes(1, 0, 8192));

    const CliResult bad = runScript(QStringLiteral("create d 0 16 delay %A 0\n"));
    QCOMPARE(QString::fromUtf8(bad.err),
             QStringLiteral("cryptstack: %1:1: device \"d\", table line 1: delay: Requires exactly 3, 6 or 9 "
                            "arguments\n")
                 .arg(m_script));
    QCOMPARE(bad.exitCode, 1);
}

void TestShell::flakeyDevices()
{
    const QByteArray data = patternBytes(80, 0, 512);
    QVERIFY(writeBytes(m_dir->filePath(QStringLiteral("data.bin")), data));
    const QByteArray digestA = fileDigest(m_a);
    // up: never down (down interval 0); drop: always down, dropping writes and passing reads.
    const CliResult result = runScript(QStringLiteral("create up 0 16 flakey %A 16 60 0\n"
                                                      "create drop 0 16 flakey %A 32 0 60 1 drop_writes\n"
                                                      "table\n"
                                                      "status drop\n"
                                                      "read up 0 8192 %D/up.bin\n"
                                                      "write drop 0 %D/data.bin\n"
                                                      "read drop 0 512 %D/drop.bin\n"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out),
             expand(QStringLiteral("drop: 0 16 flakey %A 32 0 60 1 drop_writes\n"
                                   "up: 0 16 flakey %A 16 60 0 2 error_reads "
                                   "error_writes\n"
                                   "0 16 flakey \n")));
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("up.bin"))) == patternBytes(1, 16 * 512, 8192));
    QCOMPARE(fileDigest(m_a), digestA);
    QVERIFY(readFile(m_dir->filePath(QStringLiteral("drop.bin"))) == patternBytes(1, 32 * 512, 512));

    // Always down with the default features: reads fail, and the script stops there.
    const CliResult down = runScript(QStringLiteral("create down 0 16 flakey %A 0 0 60\n"
                                                    "read down 0 512 %D/down.bin\n"
                                                    "echo never\n"));
    QCOMPARE(down.out, QByteArray());
    QCOMPARE(QString::fromUtf8(down.err),
             QStringLiteral("cryptstack: %1:2: down: read failed at sector 0: I/O error\n").arg(m_script));
    QCOMPARE(down.exitCode, 1);

    const CliResult zero = runScript(QStringLiteral("create f 0 16 flakey %A 0 0 0\n"));
    QCOMPARE(
        QString::fromUtf8(zero.err),
        QStringLiteral("cryptstack: %1:1: device \"f\", table line 1: flakey: Total (up + down) interval is "
                       "zero\n")
            .arg(m_script));
    QCOMPARE(zero.exitCode, 1);
}

void TestShell::workloadCommand()
{
    // A verified write pass and a random verified read-back of a.img's first 32 KiB (8 blocks).
    const CliResult result =
        runScript(QStringLiteral("create w 0 64 linear %A 0\n"
                                 "workload w --rw write --bs 4k --iodepth 4 --verify\n"
                                 "workload w --json --rw randread --bs=4k --numjobs 2 --verify\n"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    const QString out = QString::fromUtf8(result.out);
    QVERIFY2(out.startsWith(QStringLiteral(
                 "w: rw=write bs=4096 iodepth=4 numjobs=1 offset=0 size=32768 io_size=32768 verify\n"
                 "write: ops=8 bytes=32768 MB/s=")),
             qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("\ntotal: ops=8 bytes=32768 elapsed=")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral(" errors=0 mismatches=0 verified=0\n{")), qPrintable(out));
    QJsonParseError parseError;
    const QJsonObject json =
        QJsonDocument::fromJson(result.out.mid(result.out.indexOf("\n{") + 1), &parseError).object();
    QCOMPARE(parseError.error, QJsonParseError::NoError);
    QCOMPARE(json.value(QStringLiteral("device")).toString(), QStringLiteral("w"));
    QCOMPARE(json.value(QStringLiteral("rw")).toString(), QStringLiteral("randread"));
    QCOMPARE(json.value(QStringLiteral("numjobs")).toInteger(), 2);
    QCOMPARE(json.value(QStringLiteral("bytes")).toInteger(), 32768);
    QCOMPARE(json.value(QStringLiteral("verified_reads")).toInteger(), 8);
    QCOMPARE(json.value(QStringLiteral("mismatches")).toInteger(), 0);
    QVERIFY(json.value(QStringLiteral("error")).isNull());
    QCOMPARE(json.value(QStringLiteral("read")).toObject().value(QStringLiteral("ops")).toInteger(), 8);

    // Failures: one error line naming what failed, exit code 1 (4 for an unknown device); a run
    // that started prints its results first.
    struct Case
    {
        QString script;
        int exitCode;
        QString error; // after "cryptstack: SCRIPT:"
        QString out;   // the start of stdout
    };
    const QList<Case> cases{
        {QStringLiteral("create b 0 64 linear %B 0\nworkload b --rw read --verify\n"), 1,
         QStringLiteral("2: workload: b: verify failed at offset 0: no verify header (bad magic)"),
         QStringLiteral("b: rw=read bs=4096 iodepth=1 numjobs=1 offset=0 size=32768 io_size=32768 verify\n"
                        "read:  ops=1 bytes=4096 ")},
        {QStringLiteral("create e 0 16 error\nworkload e --rw randwrite --bs 512\n"), 1,
         QStringLiteral("2: workload: e: write failed at sector "),
         QStringLiteral("e: rw=randwrite bs=512 ")},
        {QStringLiteral("create z 0 16 zero\nworkload z --bs 4x\n"), 1,
         QStringLiteral("2: workload: --bs: expected a byte count (4096, 4k, 1M), not \"4x\""), QString()},
        {QStringLiteral("create z 0 16 zero\nworkload z --size 16k\n"), 1,
         QStringLiteral("2: workload: --size: 16384 at offset 0 reaches past the end of \"z\" (8192 bytes)"),
         QString()},
        {QStringLiteral("workload --rw read\n"), 1,
         QStringLiteral("1: usage: workload NAME [--json] [--rw MODE] [fio-style options] (see help)"),
         QString()},
        {QStringLiteral("workload nosuch --rw read\n"), 4,
         QStringLiteral("1: device \"nosuch\" does not exist"), QString()},
    };
    for (const Case& c : cases) {
        const CliResult failed = runScript(c.script);
        QVERIFY2(failed.exitCode == c.exitCode,
                 qPrintable(QStringLiteral("%1 exited %2").arg(c.script.trimmed()).arg(failed.exitCode)));
        const QString err = QString::fromUtf8(failed.err);
        QVERIFY2(err.startsWith(QStringLiteral("cryptstack: %1:").arg(m_script) + expand(c.error)),
                 qPrintable(err));
        QCOMPARE(err.count(u'\n'), 1);
        QVERIFY2(QString::fromUtf8(failed.out).startsWith(c.out), qPrintable(QString::fromUtf8(failed.out)));
        if (c.out.isEmpty())
            QCOMPARE(failed.out, QByteArray());
    }
    // The failed verify read left b.img alone.
    QVERIFY(readFile(m_b) == patternBytes(2, 0, 64 * 512));
}

void TestShell::cryptSettingsStatsAndTrace()
{
    const QString key(64, u'7');
    const CliResult result = runScript(QStringLiteral("create c 0 64 crypt aes-cbc-essiv:sha256 %1 0 %A 0\n"
                                                      "set c async on\n"
                                                      "set c trace on\n"
                                                      "write c 0 %D/data.bin\n"
                                                      "set c async off\n"
                                                      "stats c --json\n"
                                                      "trace c\n")
                                           .arg(key),
                                       {});
    // data.bin does not exist yet: the write must fail with one line naming the file.
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains("data.bin"), result.err.constData());

    QVERIFY(writeBytes(m_dir->filePath(QStringLiteral("data.bin")), patternBytes(3, 0, 8192)));
    const CliResult ok = runScript(QStringLiteral("create c 0 64 crypt aes-cbc-essiv:sha256 %1 0 %A 0\n"
                                                  "set c async on\n"
                                                  "set c trace on\n"
                                                  "write c 0 %D/data.bin\n"
                                                  "stats c --json\n"
                                                  "trace c\n")
                                       .arg(key));
    QVERIFY2(ok.exitCode == 0, ok.err.constData());
    const qsizetype jsonEnd = ok.out.indexOf("\n}\n") + 3;
    const QJsonObject stats = QJsonDocument::fromJson(ok.out.left(jsonEnd)).object();
    QCOMPARE(stats.value(QStringLiteral("device")).toString(), QStringLiteral("c"));
    const QJsonObject segment = stats.value(QStringLiteral("segments")).toArray().first().toObject();
    QVERIFY(segment.value(QStringLiteral("async")).toBool());
    QCOMPARE(
        segment.value(QStringLiteral("async_queue")).toObject().value(QStringLiteral("bytes")).toInteger(),
        8192);
    QCOMPARE(
        segment.value(QStringLiteral("write_tree")).toObject().value(QStringLiteral("items")).toInteger(), 1);
    const QByteArray trace = ok.out.mid(jsonEnd);
    // A write in async mode: crypt queue, then the cryptd driver, whose callback hands it to the
    // write thread.
    QVERIFY2(trace.startsWith("bio 1 write sector 0 (8192 bytes): map +0.0us; kcryptd queued"),
             trace.constData());
    QStringList stages;
    for (const QByteArray& part : trace.trimmed().split(';'))
        stages += QString::fromUtf8(part.trimmed()).section(u' ', 0, -2).section(u':', -1).trimmed();
    QCOMPARE(stages, (QStringList{QStringLiteral("map"), QStringLiteral("kcryptd queued"),
                                  QStringLiteral("cryptd queued"), QStringLiteral("crypt started"),
                                  QStringLiteral("crypt done"), QStringLiteral("cryptd callback"),
                                  QStringLiteral("dmcrypt_write queued"), QStringLiteral("lower submitted"),
                                  QStringLiteral("lower completed"), QStringLiteral("completed")}));

    for (const char* bad :
         {"set c async maybe", "set c pool 3", "set c teaching 1", "set c speed 9", "set nothere async on"}) {
        const CliResult refused =
            runScript(QStringLiteral("create c 0 64 crypt aes-cbc-essiv:sha256 %1 0 %A 0\n").arg(key) +
                      QString::fromLatin1(bad) + u'\n');
        QVERIFY2(refused.exitCode != 0, bad);
        QCOMPARE(refused.err.count('\n'), 1);
    }
}

void TestShell::keyctlKeysInTables()
{
    const QString key(128, u'9');
    const CliResult result =
        runScript(QStringLiteral("keyctl add logon cryptsetup:test %1\n"
                                 "create c 0 64 crypt aes-xts-plain64 :64:logon:cryptsetup:test 0 %A 0\n"
                                 "table --showkeys c\n"
                                 "keyctl unlink cryptsetup:test\n"
                                 "create d 0 64 crypt aes-xts-plain64 :64:logon:cryptsetup:test 0 %B 0\n")
                      .arg(key));
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(
        result.out,
        expand(QStringLiteral("0 64 crypt aes-xts-plain64 :64:logon:cryptsetup:test 0 %A 0\n")).toUtf8());
    QVERIFY2(result.err.endsWith("table line 1: crypt: Error decoding and setting key\n"),
             result.err.constData());
    QVERIFY(!result.err.contains(key.toLatin1()));
    for (const char* bad : {"keyctl add trusted a:b 00", "keyctl add logon nocolon 00",
                            "keyctl add user a xyz", "keyctl unlink absent", "keyctl"}) {
        const CliResult refused = runScript(QString::fromLatin1(bad) + u'\n');
        QVERIFY2(refused.exitCode != 0, bad);
        QCOMPARE(refused.err.count('\n'), 1);
    }
}

void TestShell::teachingModeStallIsReportedAndBroken()
{
    const QString image = createImage(m_dir->path(), QStringLiteral("big.img"), 4 << 20, 5);
    QVERIFY(writeBytes(m_dir->filePath(QStringLiteral("data.bin")), patternBytes(4, 0, 1 << 20)));
    const QString key(128, u'a');
    const CliResult result =
        runScript(QStringLiteral("create base 0 8192 linear %1 0\n"
                                 "create lower 0 8192 crypt aes-xts-plain64 %2 0 base 0\n"
                                 "create upper 0 8192 crypt aes-xts-plain64 %2 0 lower 0\n"
                                 "set lower pool 32\n"
                                 "set upper pool 32\n"
                                 "write upper 0 %D/data.bin\n"
                                 "set lower teaching on\n"
                                 "set upper teaching on\n"
                                 "watchdog 0.5\n"
                                 "write upper 0 %D/data.bin\n")
                      .arg(image, key));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.startsWith("cryptstack: watchdog: no bio completed for 0.5 s"),
             result.err.constData());
    QVERIFY2(result.err.contains("waits for pages of the page pool of \"upper\""), result.err.constData());
    QVERIFY2(result.err.contains("queued on its bio list, not yet started: write lower sector 0+256"),
             result.err.constData());
    QVERIFY2(result.err.trimmed().endsWith(":10: upper: write failed at sector 256: I/O error"),
             result.err.constData());
}

QTEST_GUILESS_MAIN(TestShell)
#include "TestShell.moc"
