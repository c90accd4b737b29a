// Every input a fuzz target once crashed on (tests/fuzz/crashes/<target>-<n>) and every seed
// (fuzz/corpus/<target>/*) runs through the same entry point as in the fuzzer. Each input runs in
// a child process, so a crash, an abort from a broken invariant or a hang fails its own row and
// names the file; the child's sanitizer or invariant report is on stderr.
#include "FuzzSupport.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace cryptstack;

namespace {

using EntryPoint = int (*)(const uint8_t*, size_t);

struct Target
{
    const char* name;
    EntryPoint run;
};

constexpr Target Targets[] = {
    {"table_line", &fuzz::tableLine},         {"concise", &fuzz::concise},
    {"cipher_spec", &fuzz::cipherSpec},       {"luks1_header", &fuzz::luks1Header},
    {"luks2_header", &fuzz::luks2Header},     {"luks2_json", &fuzz::luks2Json},
    {"keyslot_unlock", &fuzz::keyslotUnlock},
};

constexpr unsigned TimeoutSeconds = 60;

EntryPoint entryFor(const QString& name)
{
    for (const Target& target : Targets) {
        if (name == QLatin1String(target.name))
            return target.run;
    }
    return nullptr;
}

QString sourceDir()
{
    const QByteArray dir = qgetenv("CRYPTSTACK_SOURCE_DIR");
    return dir.isEmpty() ? QStringLiteral(CRYPTSTACK_FUZZ_SOURCE_DIR) : QString::fromLocal8Bit(dir);
}

} // namespace

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void replay_data();
    void replay();
};

void TestFuzzRegressions::initTestCase()
{
    QVERIFY2(QDir(sourceDir()).exists(QStringLiteral("fuzz/corpus")),
             qPrintable(QStringLiteral("no fuzz/corpus under %1").arg(sourceDir())));
}

void TestFuzzRegressions::replay_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("path");
    const QDir root(sourceDir());
    // Reproducers: <target>-<n>; a name with a dot (README.md, notes) is not an input.
    const QDir crashes(root.filePath(QStringLiteral("tests/fuzz/crashes")));
    for (const QString& file : crashes.entryList(QDir::Files, QDir::Name)) {
        if (file.contains(u'.'))
            continue;
        const QString target = file.section(u'-', 0, 0);
        QTest::newRow(qPrintable(QStringLiteral("crash %1").arg(file))) << target << crashes.filePath(file);
    }
    for (const Target& target : Targets) {
        const QDir corpus(root.filePath(QStringLiteral("fuzz/corpus/%1").arg(QLatin1String(target.name))));
        for (const QString& file : corpus.entryList(QDir::Files, QDir::Name)) {
            QTest::newRow(qPrintable(QStringLiteral("seed %1/%2").arg(QLatin1String(target.name), file)))
                << QString::fromLatin1(target.name) << corpus.filePath(file);
        }
    }
}

void TestFuzzRegressions::replay()
{
    QFETCH(QString, target);
    QFETCH(QString, path);
    const EntryPoint run = entryFor(target);
    QVERIFY2(run, qPrintable(QStringLiteral("%1: no fuzz target named \"%2\"").arg(path, target)));
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
    const QByteArray input = file.readAll();

    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        alarm(TimeoutSeconds);
        run(reinterpret_cast<const uint8_t*>(input.constData()), size_t(input.size()));
        _exit(0);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QString how;
    if (WIFSIGNALED(status))
        how = WTERMSIG(status) == SIGALRM ? QStringLiteral("timed out after %1 s").arg(TimeoutSeconds)
                                          : QStringLiteral("died with signal %1").arg(WTERMSIG(status));
    else if (WEXITSTATUS(status) != 0)
        how = QStringLiteral("exited with %1").arg(WEXITSTATUS(status));
    QVERIFY2(
        how.isEmpty(),
        qPrintable(
            QStringLiteral("%1 (%2): %3; replay with fuzz_%2 %1 in a fuzz build").arg(path, target, how)));
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "TestFuzzRegressions.moc"
