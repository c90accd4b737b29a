// The real cryptstack binary's serve verb against real NBD clients (Debian's libnbd-bin 1.14:
// nbdinfo, nbdcopy; qemu-utils: qemu-img, qemu-io; e2fsprogs: mkfs.ext4, e2fsck, e2label), on
// volumes made by the real cryptsetup and qemu-img. What the clients wrote is checked after the
// server has exited: through our trusted read path, and once through qemu's own LUKS driver.
// Also: --readonly refuses writes, SIGINT during a copy exits 0 and leaves no torn block, bad
// --nbd values and busy addresses fail with one line, TCP on a free loopback port, a stack device.
#include "CliRunner.h"
#include "Cryptsetup.h"
#include "TestImages.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <random>

#include <csignal>
#include <cstring>

using namespace cryptstack::test;

namespace {

constexpr qint64 MiB = 1 << 20;
QByteArray randomBytes(qint64 size, uint64_t seed)
{
    std::mt19937_64 random(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i + 8 <= size; i += 8) {
        const uint64_t value = random();
        std::memcpy(bytes.data() + i, &value, 8);
    }
    return bytes;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

bool sparseFile(const QString& path, qint64 size)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.resize(size);
}

QString describe(const ToolRun& run)
{
    return QStringLiteral("exit %1: %2%3")
        .arg(run.exitCode)
        .arg(QString::fromLocal8Bit(run.out), QString::fromLocal8Bit(run.err));
}

// The serve verb as a child process, in the foreground as a person runs it.
class ServeProcess
{
public:
    bool start(const QStringList& arguments)
    {
        m_process.setProgram(QStringLiteral(CRYPTSTACK_BIN));
        m_process.setArguments(QStringList{QStringLiteral("serve")} + arguments);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return false;
        m_process.closeWriteChannel();
        QElapsedTimer timer;
        timer.start();
        while (!m_process.canReadLine() && timer.elapsed() < 15000 && m_process.state() == QProcess::Running)
            m_process.waitForReadyRead(200);
        if (!m_process.canReadLine()) {
            m_process.waitForFinished(1000);
            m_error = QString::fromLocal8Bit(m_process.readAllStandardError());
            return false;
        }
        m_line = QString::fromUtf8(m_process.readLine()).trimmed();
        m_uri = m_line.section(QStringLiteral("clients connect to "), 1);
        return !m_uri.isEmpty();
    }
    // Sends the signal and returns the exit code (-1: killed or hung).
    int stop(int signal = SIGINT)
    {
        if (m_process.state() == QProcess::NotRunning)
            return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
        ::kill(pid_t(m_process.processId()), signal);
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished();
            return -1;
        }
        m_out += m_process.readAllStandardOutput();
        m_error += QString::fromLocal8Bit(m_process.readAllStandardError());
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    ~ServeProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    const QString& line() const { return m_line; }
    const QString& uri() const { return m_uri; }
    const QString& error() const { return m_error; }
    QString output() const { return QString::fromUtf8(m_out); }

private:
    QProcess m_process;
    QString m_line;
    QString m_uri;
    QString m_error;
    QByteArray m_out;
};

} // namespace

class TestNbdClients : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_nbdinfo, m_nbdcopy, m_qemuImg, m_qemuIo, m_cryptsetup, m_mkfs, m_e2fsck, m_e2label;
    QString m_key;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // A LUKS2 volume made by the real cryptsetup, key file m_key.
    bool luks2Volume(const QString& image, qint64 size, QString* why)
    {
        if (!sparseFile(image, size))
            return false;
        const ToolRun made =
            runTool(m_cryptsetup, QStringList{QStringLiteral("luksFormat"), QStringLiteral("-q"),
                                              QStringLiteral("--type"), QStringLiteral("luks2")} +
                                      CheapKdf + QStringList{image, m_key});
        *why = describe(made);
        return made.ok();
    }
    QByteArray trustedRead(const QStringList& volumeArguments)
    {
        const CliResult result = runCli(QStringList{QStringLiteral("read")} + volumeArguments);
        if (result.exitCode != 0)
            qWarning("read: %s", result.err.constData());
        return result.out;
    }
    // The tools are Debian packages scripts/test installs: a missing one fails the test, never skips it.
    bool missingTool(const QStringList& tools)
    {
        for (const QString& tool : tools) {
            if (tool.isEmpty())
                return true;
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_nbdinfo = findTool(QStringLiteral("nbdinfo"));
        m_nbdcopy = findTool(QStringLiteral("nbdcopy"));
        m_qemuImg = findTool(QStringLiteral("qemu-img"));
        m_qemuIo = findTool(QStringLiteral("qemu-io"));
        m_cryptsetup = findTool(QStringLiteral("cryptsetup"));
        m_mkfs = findTool(QStringLiteral("mkfs.ext4"));
        m_e2fsck = findTool(QStringLiteral("e2fsck"));
        m_e2label = findTool(QStringLiteral("e2label"));
        m_key = path(QStringLiteral("pass.key"));
        QVERIFY(writeFile(m_key, "nbd test passphrase"));
    }

    void luks2RoundTrips();
    void plainVolumeAndFilesystem();
    void qemuLuks1DecryptsWhatClientsWrote();
    void readOnlyRefusesWrites();
    void sigintDuringCopy();
    void badAddresses();
    void tcpAndStackDevice();
};

void TestNbdClients::luks2RoundTrips()
{
    if (missingTool({m_nbdinfo, m_nbdcopy, m_qemuImg, m_qemuIo, m_cryptsetup}))
        QFAIL("needs nbdinfo, nbdcopy (libnbd-bin), qemu-img, qemu-io (qemu-utils) and cryptsetup");
    const QString image = path(QStringLiteral("luks2.img"));
    QString why;
    QVERIFY2(luks2Volume(image, 48 * MiB, &why), qPrintable(why));
    const qint64 exportSize = 32 * MiB; // cryptsetup's LUKS2 data offset is 16 MiB
    const QString socket = path(QStringLiteral("luks2.sock"));
    ServeProcess server;
    QVERIFY2(
        server.start({image, QStringLiteral("-d"), m_key, QStringLiteral("--nbd"),
                      QStringLiteral("unix:") + socket, QStringLiteral("--stats"), QStringLiteral("0.5")}),
        qPrintable(server.error()));
    QCOMPARE(server.line(),
             QStringLiteral(
                 "Serving the decrypted device of %1 (%2 bytes, read-write) over NBD on unix:%3; clients "
                 "connect to nbd+unix:///?socket=%3")
                 .arg(image)
                 .arg(exportSize)
                 .arg(socket));
    const QString uri = server.uri();

    ToolRun run = runTool(m_nbdinfo, {QStringLiteral("--size"), uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QCOMPARE(run.out.trimmed(), QByteArray::number(exportSize));
    run = runTool(m_nbdinfo, {uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QVERIFY2(run.out.contains("can_multi_conn: true") && run.out.contains("is_read_only: false") &&
                 run.out.contains("cryptstack: cryptstack-serve"),
             run.out.constData());
    run = runTool(m_nbdinfo, {QStringLiteral("--list"), uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));

    // nbdcopy in (several connections: multi-conn) and out with one, then the other way round.
    const QByteArray first = randomBytes(exportSize, 1);
    const QByteArray second = randomBytes(exportSize, 2);
    const QString firstFile = path(QStringLiteral("first.bin"));
    const QString secondFile = path(QStringLiteral("second.bin"));
    const QString back = path(QStringLiteral("back.bin"));
    QVERIFY(writeFile(firstFile, first));
    QVERIFY(writeFile(secondFile, second));
    run = runTool(m_nbdcopy, {firstFile, uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    run = runTool(m_nbdcopy, {QStringLiteral("-C"), QStringLiteral("1"), uri, back});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QVERIFY(readFile(back) == first);
    run = runTool(m_nbdcopy,
                  {QStringLiteral("-C"), QStringLiteral("1"), QStringLiteral("--flush"), secondFile, uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QFile::remove(back);
    run = runTool(m_nbdcopy, {uri, back});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QVERIFY(readFile(back) == second);

    // qemu-img both ways, and compare.
    run = runTool(m_qemuImg,
                  {QStringLiteral("convert"), QStringLiteral("-n"), QStringLiteral("-f"),
                   QStringLiteral("raw"), QStringLiteral("-O"), QStringLiteral("raw"), firstFile, uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    run = runTool(m_qemuImg, {QStringLiteral("compare"), QStringLiteral("-f"), QStringLiteral("raw"),
                              QStringLiteral("-F"), QStringLiteral("raw"), firstFile, uri});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    const QString converted = path(QStringLiteral("converted.raw"));
    run = runTool(m_qemuImg, {QStringLiteral("convert"), QStringLiteral("-f"), QStringLiteral("raw"),
                              QStringLiteral("-O"), QStringLiteral("raw"), uri, converted});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QVERIFY(readFile(converted) == first);

    // qemu-io: write, read back, flush, write zeroes, discard (a hint), on unaligned offsets too.
    run = runTool(m_qemuIo,
                  {QStringLiteral("-f"), QStringLiteral("raw"), uri, QStringLiteral("-c"),
                   QStringLiteral("write -P 0xab 0 1M"), QStringLiteral("-c"),
                   QStringLiteral("read -P 0xab 0 1M"), QStringLiteral("-c"), QStringLiteral("flush"),
                   QStringLiteral("-c"), QStringLiteral("write -z 1M 1M"), QStringLiteral("-c"),
                   QStringLiteral("read -P 0 1M 1M"), QStringLiteral("-c"), QStringLiteral("discard 4M 1M"),
                   QStringLiteral("-c"), QStringLiteral("write -P 0x5c 3000 5000"), QStringLiteral("-c"),
                   QStringLiteral("read -P 0x5c 3000 5000")});
    QVERIFY2(run.ok() && !run.out.contains("failed") && !run.out.contains("error"),
             qPrintable(describe(run)));

    QCOMPARE(server.stop(SIGTERM), 0);
    QVERIFY(!QFile::exists(socket));
    QVERIFY2(server.output().contains(QStringLiteral("nbd: 0 connection(s) open")) &&
                 server.output().contains(QStringLiteral("kcryptd")),
             qPrintable(server.output()));

    // What the clients left, decrypted by the already-trusted read path.
    QByteArray expected = first;
    expected.replace(0, MiB, QByteArray(MiB, char(0xab)));
    expected.replace(MiB, MiB, QByteArray(MiB, '\0'));
    expected.replace(3000, 5000, QByteArray(5000, char(0x5c)));
    const QByteArray decrypted = trustedRead({image, QStringLiteral("-d"), m_key});
    QCOMPARE(decrypted.size(), expected.size());
    QVERIFY(decrypted.left(4 * MiB) == expected.left(4 * MiB));
    QVERIFY(decrypted.mid(5 * MiB) == expected.mid(5 * MiB)); // 4M..5M was discarded: unspecified
}

void TestNbdClients::plainVolumeAndFilesystem()
{
    if (missingTool({m_nbdinfo, m_nbdcopy, m_mkfs, m_e2fsck, m_e2label}))
        QFAIL("needs nbdinfo, nbdcopy (libnbd-bin), mkfs.ext4, e2fsck and e2label (e2fsprogs)");
    const QString image = path(QStringLiteral("plain.img"));
    QVERIFY(sparseFile(image, 40 * MiB));
    // Plain mode takes the key file's bytes as the key: 64 of them for aes-xts-plain64 with 512 bits.
    const QString key = path(QStringLiteral("plain.key"));
    QVERIFY(writeFile(key, randomBytes(64, 8)));
    const QStringList volume{image,
                             QStringLiteral("--type"),
                             QStringLiteral("plain"),
                             QStringLiteral("-c"),
                             QStringLiteral("aes-xts-plain64"),
                             QStringLiteral("-s"),
                             QStringLiteral("512"),
                             QStringLiteral("-d"),
                             key};
    const QString socket = path(QStringLiteral("plain.sock"));
    ServeProcess server;
    QVERIFY2(server.start(volume + QStringList{QStringLiteral("--nbd"), QStringLiteral("unix:") + socket}),
             qPrintable(server.error()));
    ToolRun run = runTool(m_nbdinfo, {QStringLiteral("--size"), server.uri()});
    QCOMPARE(run.out.trimmed(), QByteArray::number(40 * MiB));

    // A filesystem made outside, copied in, copied back out: clean and labelled.
    const QString fs = path(QStringLiteral("fs.img"));
    QVERIFY(sparseFile(fs, 32 * MiB));
    run = runTool(m_mkfs, {QStringLiteral("-q"), QStringLiteral("-F"), QStringLiteral("-L"),
                           QStringLiteral("CSNBD"), fs});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    run = runTool(m_nbdcopy, {fs, server.uri()});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    const QString out = path(QStringLiteral("fs-back.img"));
    run = runTool(m_nbdcopy, {server.uri(), out});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QCOMPARE(server.stop(), 0);
    QVERIFY(!QFile::exists(socket));
    run = runTool(m_e2fsck, {QStringLiteral("-fn"), out});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    run = runTool(m_e2label, {out});
    QCOMPARE(run.out.trimmed(), QByteArray("CSNBD"));
    // The image holds it encrypted: the trusted read path decrypts the same filesystem.
    QVERIFY(!readFile(image, 0, 32 * MiB).contains(QByteArray("CSNBD")));
    QVERIFY(trustedRead(volume + QStringList{QStringLiteral("--length"), QString::number(32 * MiB)}) ==
            readFile(fs));
}

void TestNbdClients::qemuLuks1DecryptsWhatClientsWrote()
{
    if (missingTool({m_nbdcopy, m_qemuImg, m_cryptsetup}))
        QFAIL("needs nbdcopy (libnbd-bin), qemu-img (qemu-utils) and cryptsetup");
    const QString image = path(QStringLiteral("qemu-luks1.img"));
    const QString secret = QStringLiteral("secret,id=sec0,file=") + m_key;
    ToolRun created;
    // qemu-img's iteration benchmark sometimes fails on a busy machine; retry.
    for (int attempt = 0; attempt < 5 && !created.ok(); ++attempt) {
        QFile::remove(image);
        created = runTool(m_qemuImg,
                          {QStringLiteral("create"), QStringLiteral("-f"), QStringLiteral("luks"),
                           QStringLiteral("--object"), secret, QStringLiteral("-o"),
                           QStringLiteral("key-secret=sec0,iter-time=10"), image, QStringLiteral("16M")});
    }
    if (!created.ok()) {
        // cryptsetup makes the container instead (2 MiB of LUKS1 header for a 512-bit key before
        // the same 16 MiB); qemu's own driver still does the decrypting below.
        qWarning("qemu-img create failed 5 times (%s); cryptsetup makes the LUKS1 image",
                 qPrintable(describe(created)));
        QFile::remove(image);
        QVERIFY(sparseFile(image, 18 * MiB));
        created =
            runTool(m_cryptsetup,
                    {QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                     QStringLiteral("luks1"), QStringLiteral("-c"), QStringLiteral("aes-xts-plain64"),
                     QStringLiteral("-s"), QStringLiteral("512"), QStringLiteral("--pbkdf-force-iterations"),
                     QStringLiteral("1000"), QStringLiteral("--key-file"), m_key, image});
        QVERIFY2(created.ok(), qPrintable(describe(created)));
    }
    const QString socket = path(QStringLiteral("q.sock"));
    ServeProcess server;
    QVERIFY2(server.start({image, QStringLiteral("-d"), m_key, QStringLiteral("--nbd"),
                           QStringLiteral("unix:") + socket}),
             qPrintable(server.error()));
    const QByteArray data = randomBytes(16 * MiB, 3);
    const QString source = path(QStringLiteral("q-data.bin"));
    QVERIFY(writeFile(source, data));
    ToolRun run = runTool(m_nbdcopy, {source, server.uri()});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QCOMPARE(server.stop(), 0);
    // qemu decrypts the image with its own LUKS driver.
    const QString raw = path(QStringLiteral("q-out.raw"));
    run = runTool(m_qemuImg, {QStringLiteral("convert"), QStringLiteral("--object"), secret,
                              QStringLiteral("--image-opts"),
                              QStringLiteral("driver=luks,key-secret=sec0,file.filename=") + image,
                              QStringLiteral("-O"), QStringLiteral("raw"), raw});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QVERIFY(readFile(raw) == data);
}

void TestNbdClients::readOnlyRefusesWrites()
{
    if (missingTool({m_nbdinfo, m_nbdcopy, m_qemuIo, m_cryptsetup}))
        QFAIL("needs nbdinfo, nbdcopy, qemu-io and cryptsetup");
    const QString image = path(QStringLiteral("ro.img"));
    QString why;
    QVERIFY2(luks2Volume(image, 24 * MiB, &why), qPrintable(why));
    const QByteArray before = fileDigest(image);
    ServeProcess server;
    QVERIFY2(
        server.start({image, QStringLiteral("-d"), m_key, QStringLiteral("--readonly"),
                      QStringLiteral("--nbd"), QStringLiteral("unix:") + path(QStringLiteral("ro.sock"))}),
        qPrintable(server.error()));
    QVERIFY(server.line().contains(QStringLiteral("read-only")));
    ToolRun run = runTool(m_nbdinfo, {QStringLiteral("--is"), QStringLiteral("read-only"), server.uri()});
    QCOMPARE(run.exitCode, 0);
    const QString source = path(QStringLiteral("ro-data.bin"));
    QVERIFY(writeFile(source, randomBytes(8 * MiB, 4)));
    run = runTool(m_nbdcopy, {source, server.uri()});
    QVERIFY2(!run.ok(), qPrintable(describe(run)));
    run = runTool(m_qemuIo, {QStringLiteral("-f"), QStringLiteral("raw"), server.uri(), QStringLiteral("-c"),
                             QStringLiteral("write -P 0x11 0 64k")});
    QVERIFY2(!run.ok() && run.err.contains("Permission denied"), qPrintable(describe(run)));
    run = runTool(m_nbdcopy, {server.uri(), QStringLiteral("null:")});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QCOMPARE(server.stop(), 0);
    QCOMPARE(fileDigest(image), before);
}

void TestNbdClients::sigintDuringCopy()
{
    if (missingTool({m_nbdcopy, m_cryptsetup}))
        QFAIL("needs nbdcopy and cryptsetup");
    const QString image = path(QStringLiteral("sigint.img"));
    QString why;
    QVERIFY2(luks2Volume(image, 32 * MiB, &why), qPrintable(why));
    const qint64 size = 16 * MiB;
    const QByteArray oldData = randomBytes(size, 5);
    const QByteArray newData = randomBytes(size, 6);
    const QString oldFile = path(QStringLiteral("old.bin"));
    const QString newFile = path(QStringLiteral("new.bin"));
    QVERIFY(writeFile(oldFile, oldData));
    QVERIFY(writeFile(newFile, newData));
    const QString socket = path(QStringLiteral("sigint.sock"));
    ServeProcess server;
    QVERIFY2(server.start({image, QStringLiteral("-d"), m_key, QStringLiteral("--nbd"),
                           QStringLiteral("unix:") + socket}),
             qPrintable(server.error()));
    ToolRun run = runTool(m_nbdcopy, {QStringLiteral("--flush"), oldFile, server.uri()});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    // A slow copy (4 KiB requests, one at a time) interrupted by SIGINT.
    QProcess copy;
    copy.start(m_nbdcopy, {QStringLiteral("-C"), QStringLiteral("1"), QStringLiteral("--requests=1"),
                           QStringLiteral("--request-size=4096"), newFile, server.uri()});
    QVERIFY(copy.waitForStarted());
    QThread::msleep(400);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(server.stop(SIGINT), 0);
    QVERIFY(timer.elapsed() < 15000);
    QVERIFY(copy.waitForFinished(30000));
    QVERIFY(!QFile::exists(socket));
    // Every 4 KiB block is the old or the new data, nothing torn; a finished copy left it all.
    const QByteArray decrypted = trustedRead({image, QStringLiteral("-d"), m_key});
    QCOMPARE(decrypted.size(), size);
    qint64 updated = 0;
    for (qint64 at = 0; at < size; at += 4096) {
        const QByteArray block = decrypted.mid(at, 4096);
        if (block == newData.mid(at, 4096))
            ++updated;
        else
            QVERIFY2(block == oldData.mid(at, 4096), qPrintable(QStringLiteral("torn block at %1").arg(at)));
    }
    if (copy.exitStatus() == QProcess::NormalExit && copy.exitCode() == 0)
        QCOMPARE(updated, size / 4096);
    qInfo("SIGINT after %lld of %lld blocks were copied", static_cast<long long>(updated),
          static_cast<long long>(size / 4096));
}

void TestNbdClients::badAddresses()
{
    const QString image = path(QStringLiteral("bad.img"));
    QVERIFY(sparseFile(image, 8 * MiB));
    const QString key = path(QStringLiteral("bad.key"));
    QVERIFY(writeFile(key, randomBytes(32, 9))); // plain's default: aes-cbc-essiv:sha256, 256 bits
    struct Case
    {
        QStringList nbd;
        QString error;
        int exitCode;
    };
    const QString regular = path(QStringLiteral("regular-file"));
    QVERIFY(writeFile(regular, "not a socket"));
    const QList<Case> cases = {
        {{}, QStringLiteral("cryptstack: serve: --nbd ADDRESS is required (unix:PATH or tcp:HOST:PORT)"), 1},
        {{QStringLiteral("--nbd"), QStringLiteral("bogus")},
         QStringLiteral("cryptstack: --nbd: expected unix:PATH or tcp:HOST:PORT, got \"bogus\""),
         1},
        {{QStringLiteral("--nbd"), QStringLiteral("unix:")},
         QStringLiteral("cryptstack: --nbd: empty socket path in \"unix:\""),
         1},
        {{QStringLiteral("--nbd"), QStringLiteral("tcp::99999")},
         QStringLiteral(
             "cryptstack: --nbd: invalid port \"99999\" (0 to 65535; 0 picks a free one) in \"tcp::99999\""),
         1},
        {{QStringLiteral("--nbd"), QStringLiteral("unix:") + regular},
         QStringLiteral("cryptstack: --nbd unix:%1: %1 exists and is not a socket; not replacing it")
             .arg(regular),
         5},
    };
    for (const Case& c : cases) {
        const ToolRun run = runTool(QStringLiteral(CRYPTSTACK_BIN),
                                    QStringList{QStringLiteral("serve"), image, QStringLiteral("--type"),
                                                QStringLiteral("plain"), QStringLiteral("-d"), key} +
                                        c.nbd);
        QCOMPARE(QString::fromLocal8Bit(run.err), c.error + u'\n');
        QCOMPARE(run.exitCode, c.exitCode);
        QVERIFY(run.out.isEmpty());
    }
    QCOMPARE(readFile(regular), QByteArray("not a socket"));
    // A missing image: exit 4, and no socket file is left behind.
    const QString socket = path(QStringLiteral("bad.sock"));
    ToolRun run = runTool(QStringLiteral(CRYPTSTACK_BIN),
                          {QStringLiteral("serve"), path(QStringLiteral("absent.img")), QStringLiteral("-d"),
                           m_key, QStringLiteral("--nbd"), QStringLiteral("unix:") + socket});
    QCOMPARE(run.exitCode, 4);
    QCOMPARE(run.err.count('\n'), 1);
    QVERIFY(!QFile::exists(socket));
    // An address in use: exit 5; the first server is unharmed.
    ServeProcess first;
    QVERIFY2(first.start({image, QStringLiteral("--type"), QStringLiteral("plain"), QStringLiteral("-d"), key,
                          QStringLiteral("--nbd"), QStringLiteral("unix:") + socket}),
             qPrintable(first.error()));
    run = runTool(QStringLiteral(CRYPTSTACK_BIN),
                  {QStringLiteral("serve"), image, QStringLiteral("--type"), QStringLiteral("plain"),
                   QStringLiteral("-d"), key, QStringLiteral("--readonly"), QStringLiteral("--nbd"),
                   QStringLiteral("unix:") + socket});
    QCOMPARE(QString::fromLocal8Bit(run.err),
             QStringLiteral("cryptstack: --nbd unix:%1: address already in use\n").arg(socket));
    QCOMPARE(run.exitCode, 5);
    QVERIFY(QFile::exists(socket));
    QCOMPARE(first.stop(SIGTERM), 0);
    QVERIFY(!QFile::exists(socket));
}

void TestNbdClients::tcpAndStackDevice()
{
    if (missingTool({m_nbdinfo, m_nbdcopy}))
        QFAIL("needs nbdinfo and nbdcopy (libnbd-bin)");
    const QString image = createImage(m_dir.path(), QStringLiteral("stack.img"), 4 * MiB, 9);
    ServeProcess server;
    // A stack device (no encryption here) on a free loopback port.
    QVERIFY2(server.start({QStringLiteral("top"), QStringLiteral("--concise"),
                           QStringLiteral("top,,,rw,0 4096 linear %1 4096").arg(image),
                           QStringLiteral("--nbd"), QStringLiteral("tcp:127.0.0.1:0")}),
             qPrintable(server.error()));
    const QRegularExpression line(
        QStringLiteral("^Serving device \"top\" \\(2097152 bytes, read-write\\) over NBD on "
                       "tcp:127\\.0\\.0\\.1:(\\d+); clients connect to nbd://127\\.0\\.0\\.1:(\\d+)$"));
    const auto match = line.match(server.line());
    QVERIFY2(match.hasMatch(), qPrintable(server.line()));
    QCOMPARE(match.captured(1), match.captured(2));
    QVERIFY(match.captured(1).toInt() > 0);
    ToolRun run = runTool(m_nbdinfo, {QStringLiteral("--size"), server.uri()});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QCOMPARE(run.out.trimmed(), QByteArray("2097152"));
    const QString out = path(QStringLiteral("stack-out.bin"));
    run = runTool(m_nbdcopy, {server.uri(), out});
    QVERIFY2(run.ok(), qPrintable(describe(run)));
    QCOMPARE(readFile(out), patternBytes(9, 2 * MiB, 2 * MiB));
    QCOMPARE(server.stop(), 0);
}

QTEST_GUILESS_MAIN(TestNbdClients)
#include "TestNbdClients.moc"
