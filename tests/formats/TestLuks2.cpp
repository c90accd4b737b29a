// LUKS2 volumes against the real cryptsetup 2.6.1: images it makes load, unlock and dump byte for
// byte like luksDump; images we make open and dump in cryptsetup; the hostile-input table of
// reference/luks.md Appendix A gives the same verdicts; damaged copies are used read-only and
// repaired on request; and writes happen in cryptsetup's crash-safe order.
#include "TestImages.h"
#include "block/MemoryDevice.h"
#include "formats/luks2/JsonValue.h"
#include "formats/luks2/Luks2BinaryHeader.h"
#include "formats/luks2/Luks2Volume.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <mutex>

using namespace cryptstack;
using namespace cryptstack::luks2;
using namespace cryptstack::test;

namespace {

const QByteArray Passphrase = "correct horse";

QString cryptsetupPath()
{
    const QString path = QStringLiteral("/usr/sbin/cryptsetup");
    return QFile::exists(path) ? path : QStandardPaths::findExecutable(QStringLiteral("cryptsetup"));
}

struct Run
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};

Run cryptsetup(const QStringList& args, const QByteArray& input = {})
{
    QProcess p;
    p.start(cryptsetupPath(), args);
    p.waitForStarted();
    if (!input.isNull())
        p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(60000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

QString makeImage(const QString& dir, const QString& name, qint64 bytes = 32 * 1024 * 1024)
{
    const QString path = QDir(dir).filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || !f.resize(bytes))
        qFatal("cannot create %s", qPrintable(path));
    return path;
}

QString passFile(const QString& dir, const QByteArray& pass = Passphrase,
                 const QString& name = QStringLiteral("pw"))
{
    const QString path = QDir(dir).filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot create %s", qPrintable(path));
    f.write(pass);
    return path;
}

QByteArray volumeKeyOf(const QString& image, const QString& pw)
{
    const Run r = cryptsetup({QStringLiteral("luksDump"), QStringLiteral("--dump-volume-key"),
                              QStringLiteral("-q"), QStringLiteral("-d"), pw, image});
    if (r.code != 0)
        return {};
    const qsizetype at = r.out.indexOf("MK dump:");
    QByteArray hex;
    for (const char c : r.out.mid(at + 8)) {
        if (std::isxdigit(static_cast<unsigned char>(c)))
            hex += c;
    }
    return QByteArray::fromHex(hex);
}

Result<std::unique_ptr<Luks2Volume>> loadImage(const QString& path, bool writable = false)
{
    auto device =
        HeaderDevice::open(path, writable ? HeaderDevice::Access::ReadWrite : HeaderDevice::Access::ReadOnly);
    if (!device)
        return device.status();
    return Luks2Volume::load(std::move(device.value()));
}

AddKeyslotOptions cheapKdf(const QString& type = QStringLiteral("pbkdf2"))
{
    AddKeyslotOptions o;
    o.kdf.type = type;
    o.kdf.forcedIterations = type == u"pbkdf2" ? 1000 : 4;
    o.kdf.maxMemoryKiB = 32;
    return o;
}

std::span<const uint8_t> bytesOf(const QByteArray& b)
{
    return {reinterpret_cast<const uint8_t*>(b.constData()), size_t(b.size())};
}

// Rewrites both header copies of an image with new JSON text, recomputing both checksums.
void rewriteJson(const QString& path, const QByteArray& jsonText, bool padWithNul = true)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadWrite))
        qFatal("cannot open %s", qPrintable(path));
    const QByteArray primary = f.read(4096);
    std::vector<uint8_t> raw(primary.begin(), primary.end());
    auto header = Luks2BinaryHeader::parse(raw, 0, false);
    if (!header)
        qFatal("no primary header");
    const uint64_t hdrSize = header->hdrSize;
    for (int copy = 0; copy < 2; ++copy) {
        const uint64_t offset = copy ? hdrSize : 0;
        f.seek(qint64(offset));
        const QByteArray bin = f.read(4096);
        std::vector<uint8_t> binRaw(bin.begin(), bin.end());
        auto h = Luks2BinaryHeader::parse(binRaw, offset, copy == 1);
        if (!h)
            qFatal("bad copy");
        QByteArray area = jsonText.left(qsizetype(hdrSize - 4096));
        if (padWithNul)
            area.append(qsizetype(hdrSize - 4096) - area.size(), '\0');
        h->csum = {};
        const auto zero = h->serialise();
        auto csum = Luks2BinaryHeader::checksum(h->checksumAlg, zero, bytesOf(area));
        std::memcpy(h->csum.data(), csum->constData(), size_t(csum->size()));
        const auto withCsum = h->serialise();
        f.seek(qint64(offset));
        f.write(reinterpret_cast<const char*>(withCsum.data()), qint64(withCsum.size()));
        f.write(area);
    }
}

QByteArray jsonAreaText(const QString& path, uint64_t offset = 4096, qint64 size = 12288)
{
    QByteArray area = readFile(path, qint64(offset), size);
    return area.left(area.indexOf('\0'));
}

// Passes every request to a memory device and records writes and flushes in order.
class RecordingDevice final : public BlockDevice
{
public:
    explicit RecordingDevice(uint64_t sectors) : m_inner(std::make_shared<MemoryDevice>(sectors)) {}
    QString displayName() const override { return QStringLiteral("recorder"); }
    uint64_t sectors() const override { return m_inner->sectors(); }
    QStringList log() const
    {
        std::lock_guard lock(m_mutex);
        return m_log;
    }
    void clear()
    {
        std::lock_guard lock(m_mutex);
        m_log.clear();
    }

protected:
    void startRequest(Bio* bio) override
    {
        {
            std::lock_guard lock(m_mutex);
            if (bio->op == BioOp::Write)
                m_log += QStringLiteral("W %1+%2").arg(bio->sector * 512).arg(bio->size);
            else if (bio->op == BioOp::Flush)
                m_log += QStringLiteral("F");
        }
        m_inner->submit(bio);
    }

private:
    std::shared_ptr<MemoryDevice> m_inner;
    mutable std::mutex m_mutex;
    QStringList m_log;
};

} // namespace

class TestLuks2 : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cryptsetupImages_data();
    void cryptsetupImages();
    void ourImages_data();
    void ourImages();
    void appendixA_data();
    void appendixA();
    void damagedCopy_data();
    void damagedCopy();
    void bothCopiesBad();
    void writeOrder();
    void keyslotLifecycle();
    void requirementsBlockChanges();

private:
    QTemporaryDir m_dir;
    QString m_pw;
    QString m_base; // a pbkdf2 image from cryptsetup, copied by the hostile rows
    QByteArray m_baseKey;
};

void TestLuks2::initTestCase()
{
    if (cryptsetupPath().isEmpty())
        QFAIL("cryptsetup is not installed: the LUKS2 interoperability tests need cryptsetup 2.6.1");
    QVERIFY(m_dir.isValid());
    m_pw = passFile(m_dir.path());
    m_base = makeImage(m_dir.path(), QStringLiteral("base.img"));
    const Run r = cryptsetup({"luksFormat", "-q", "--type", "luks2", "--pbkdf", "pbkdf2",
                              "--pbkdf-force-iterations", "1000", "-d", m_pw, m_base});
    QVERIFY2(r.code == 0, r.err.constData());
    m_baseKey = volumeKeyOf(m_base, m_pw);
    QVERIFY(!m_baseKey.isEmpty());
}

void TestLuks2::cryptsetupImages_data()
{
    QTest::addColumn<QStringList>("format");
    QTest::addColumn<QList<QStringList>>("then");

    const QStringList pbkdf2 = {"--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"};
    const QStringList argon = {"--pbkdf", "argon2id",       "--pbkdf-force-iterations",
                               "4",       "--pbkdf-memory", "32"};
    QTest::newRow("pbkdf2 default sector") << pbkdf2 << QList<QStringList>{};
    QTest::newRow("argon2id") << argon << QList<QStringList>{};
    QTest::newRow("sector 512") << (pbkdf2 + QStringList{"--sector-size", "512"}) << QList<QStringList>{};
    QTest::newRow("sector 4096 sha512")
        << (pbkdf2 + QStringList{"--sector-size", "4096", "--hash", "sha512"}) << QList<QStringList>{};
    QTest::newRow("aes-cbc-essiv") << (pbkdf2 +
                                       QStringList{"--cipher", "aes-cbc-essiv:sha256", "--key-size", "256"})
                                   << QList<QStringList>{};
    QTest::newRow("label subsystem") << (pbkdf2 + QStringList{"--label", "mylabel", "--subsystem", "mysub"})
                                     << QList<QStringList>{};
    QTest::newRow("add, prefer, token, flags")
        << argon
        << QList<QStringList>{
               {"luksAddKey", "-q", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "-d", "PW",
                "IMG", "PW2"},
               {"config", "--priority", "prefer", "--key-slot", "1", "IMG"},
               {"token", "add", "--key-description", "my-key", "--key-slot", "1", "IMG"},
           };
    QTest::newRow("add then kill slot 0")
        << pbkdf2
        << QList<QStringList>{
               {"luksAddKey", "-q", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "-d", "PW",
                "IMG", "PW2"},
               {"luksKillSlot", "-q", "IMG", "0"},
               {"luksAddKey", "-q", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "-d", "PW2",
                "IMG", "PW"},
           };
}

void TestLuks2::cryptsetupImages()
{
    QFETCH(QStringList, format);
    QFETCH(QList<QStringList>, then);
    const QString image = makeImage(m_dir.path(), QStringLiteral("cs.img"));
    const QString pw2 = passFile(m_dir.path(), "second pass", QStringLiteral("pw2"));
    Run r = cryptsetup(QStringList{"luksFormat", "-q", "--type", "luks2"} + format +
                       QStringList{"-d", m_pw, image});
    QVERIFY2(r.code == 0, r.err.constData());
    for (QStringList args : then) {
        args.replaceInStrings(QStringLiteral("PW2"), pw2);
        for (QString& a : args) {
            if (a == u"PW")
                a = m_pw;
            else if (a == u"IMG")
                a = image;
        }
        r = cryptsetup(args);
        QVERIFY2(r.code == 0, (args.join(u' ') + QString::fromUtf8(r.err)).toUtf8().constData());
    }
    const QByteArray digestBefore = fileDigest(image);
    auto volume = loadImage(image);
    QVERIFY2(volume.isOk(), qPrintable(volume.message()));
    QVERIFY((*volume)->warnings().isEmpty() || (*volume)->warnings().join(u' ').contains(u"unknown flag"));

    const Run dump = cryptsetup({"luksDump", image});
    QCOMPARE((*volume)->dump(image), QString::fromUtf8(dump.out));
    const Run json = cryptsetup({"luksDump", "--dump-json-metadata", image});
    QCOMPARE((*volume)->dumpJson(), QString::fromUtf8(json.out));
    // Our compact writer gives the bytes json-c wrote.
    QCOMPARE((*volume)->metadata().toCompact(), jsonAreaText(image));

    const QByteArray key = volumeKeyOf(image, m_pw);
    auto unlocked = (*volume)->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY2(unlocked.isOk(), qPrintable(unlocked.message()));
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(unlocked->volumeKey.data()),
                        qsizetype(unlocked->volumeKey.size())),
             key);
    auto wrong = (*volume)->unlock(bytesOf("wrong"), std::nullopt);
    QCOMPARE(wrong.status().code(), ErrorCode::WrongPassphrase);
    QCOMPARE(fileDigest(image), digestBefore);
}

void TestLuks2::ourImages_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<unsigned>("sectorSize");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<QString>("kdf");
    QTest::addColumn<QString>("label");
    QTest::newRow("xts auto sector") << QStringLiteral("aes-xts-plain64") << 0u << 64
                                     << QStringLiteral("pbkdf2") << QString();
    QTest::newRow("xts 512 argon2id label") << QStringLiteral("aes-xts-plain64") << 512u << 32
                                            << QStringLiteral("argon2id") << QStringLiteral("ours");
    QTest::newRow("cbc-essiv") << QStringLiteral("aes-cbc-essiv:sha256") << 4096u << 32
                               << QStringLiteral("pbkdf2") << QString();
}

void TestLuks2::ourImages()
{
    QFETCH(QString, cipher);
    QFETCH(unsigned, sectorSize);
    QFETCH(int, keyBytes);
    QFETCH(QString, kdf);
    QFETCH(QString, label);
    const QString image = makeImage(m_dir.path(), QStringLiteral("ours.img"));
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device.isOk());
    Luks2FormatOptions options;
    options.cipher = cipher;
    options.sectorSize = sectorSize;
    options.digestKdf.forcedIterations = 1000;
    options.label = label;
    SecureBuffer key{size_t(keyBytes)};
    for (int i = 0; i < keyBytes; ++i)
        key.data()[i] = uint8_t(i * 7 + 1);
    auto volume = Luks2Volume::format(std::move(device.value()), options, key);
    QVERIFY2(volume.isOk(), qPrintable(volume.message()));
    QCOMPARE((*volume)->seqid(), uint64_t(2));
    auto slot = (*volume)->addKeyslot(key, bytesOf(Passphrase), cheapKdf(kdf));
    QVERIFY2(slot.isOk(), qPrintable(slot.message()));
    QCOMPARE(*slot, 0);
    QCOMPARE((*volume)->seqid(), uint64_t(3));
    volume.value().reset();

    Run r = cryptsetup({"open", "--test-passphrase", "-d", m_pw, image});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(volumeKeyOf(image, m_pw), QByteArray(reinterpret_cast<const char*>(key.data()), keyBytes));
    auto again = loadImage(image);
    QVERIFY2(again.isOk(), qPrintable(again.message()));
    QCOMPARE((*again)->dump(image), QString::fromUtf8(cryptsetup({"luksDump", image}).out));
    QCOMPARE((*again)->dumpJson(),
             QString::fromUtf8(cryptsetup({"luksDump", "--dump-json-metadata", image}).out));

    again.value().reset(); // our shared flock would make cryptsetup wait for its exclusive one

    // cryptsetup rewrites our JSON for a label change; with the same content the bytes agree.
    r = cryptsetup({"config", "--label", "changed", image});
    QVERIFY2(r.code == 0, r.err.constData());
    auto relabelled = loadImage(image, true);
    QVERIFY(relabelled.isOk());
    QCOMPARE((*relabelled)->metadata().toCompact(), jsonAreaText(image));
    QCOMPARE((*relabelled)->label(), QStringLiteral("changed"));
    QVERIFY((*relabelled)->setLabel(QStringLiteral("back")).isOk());
    QVERIFY((*relabelled)->setSubsystem(QStringLiteral("sub")).isOk());
    relabelled.value().reset();
    const Run dump = cryptsetup({"luksDump", image});
    QVERIFY(dump.out.contains("Label:         \tback\n"));
    QVERIFY(dump.out.contains("Subsystem:     \tsub\n"));
    QVERIFY(dump.out.contains("Epoch:         \t6\n"));
}

void TestLuks2::appendixA_data()
{
    QTest::addColumn<QByteArray>("from");
    QTest::addColumn<QByteArray>("to");
    QTest::addColumn<bool>("loads");
    QTest::addColumn<int>("opens"); // 1 opens, 0 refused, -1 not checked

    // Each row replaces one piece of the compact JSON cryptsetup wrote for base.img.
    QTest::newRow("unknown top-level member")
        << QByteArray("\"config\":{") << QByteArray("\"x\":1,\"config\":{") << true << 1;
    QTest::newRow("unknown keyslot member") << QByteArray("\"key_size\":64,\"af\"")
                                            << QByteArray("\"key_size\":64,\"zz\":[],\"af\"") << true << 1;
    QTest::newRow("extra kdf member")
        << QByteArray("\"kdf\":{\"type\":\"pbkdf2\",")
        << QByteArray("\"kdf\":{\"type\":\"pbkdf2\",\"memory\":5,") << true << 1;
    QTest::newRow("duplicate member")
        << QByteArray("\"tokens\":{}") << QByteArray("\"tokens\":{},\"tokens\":{}") << true << 1;
    QTest::newRow("stripes 1") << QByteArray("\"stripes\":4000") << QByteArray("\"stripes\":1") << true << 1;
    QTest::newRow("area offset unaligned")
        << QByteArray("\"offset\":\"32768\"") << QByteArray("\"offset\":\"32769\"") << true << 1;
    QTest::newRow("sector_size 8192")
        << QByteArray("\"sector_size\":4096") << QByteArray("\"sector_size\":8192") << true << 1;
    QTest::newRow("digest iterations string") << QByteArray("\"iterations\":1000,\"salt\"")
                                              << QByteArray("\"iterations\":1000,\"salt\"") << true << 1;
    QTest::newRow("requirements unknown")
        << QByteArray("\"config\":{")
        << QByteArray("\"config\":{\"requirements\":{\"mandatory\":[\"foo-req\"]},") << true << 1;
    QTest::newRow("kdf scrypt") << QByteArray("\"kdf\":{\"type\":\"pbkdf2\"")
                                << QByteArray("\"kdf\":{\"type\":\"scrypt\"") << true << 0;
    QTest::newRow("keyslot type foo")
        << QByteArray("\"0\":{\"type\":\"luks2\"") << QByteArray("\"0\":{\"type\":\"foo\"") << true << 0;
    QTest::newRow("priority 0") << QByteArray("\"key_size\":64,\"af\"")
                                << QByteArray("\"priority\":0,\"key_size\":64,\"af\"") << true << 0;
    QTest::newRow("key_size string") << QByteArray("\"key_size\":64,\"af\"")
                                     << QByteArray("\"key_size\":\"64\",\"af\"") << false << -1;
    QTest::newRow("area offset number")
        << QByteArray("\"offset\":\"32768\"") << QByteArray("\"offset\":32768") << false << -1;
    QTest::newRow("json_size number")
        << QByteArray("\"json_size\":\"12288\"") << QByteArray("\"json_size\":12288") << false << -1;
    QTest::newRow("stripes string") << QByteArray("\"stripes\":4000") << QByteArray("\"stripes\":\"4000\"")
                                    << false << -1;
    QTest::newRow("area in json area")
        << QByteArray("\"offset\":\"32768\"") << QByteArray("\"offset\":\"16384\"") << false << -1;
    QTest::newRow("area past end") << QByteArray("\"offset\":\"32768\"")
                                   << QByteArray("\"offset\":\"16773120\"") << false << -1;
    QTest::newRow("keyslot not in digest")
        << QByteArray("\"keyslots\":[\"0\"]") << QByteArray("\"keyslots\":[]") << false << -1;
    QTest::newRow("digest names missing keyslot")
        << QByteArray("\"keyslots\":[\"0\"]") << QByteArray("\"keyslots\":[\"0\",\"5\"]") << false << -1;
    QTest::newRow("segment in no digest")
        << QByteArray("\"segments\":[\"0\"]") << QByteArray("\"segments\":[]") << false << -1;
    QTest::newRow("segment offset unaligned")
        << QByteArray("\"offset\":\"16777216\"") << QByteArray("\"offset\":\"16777217\"") << false << -1;
    QTest::newRow("segment size zero")
        << QByteArray("\"size\":\"dynamic\"") << QByteArray("\"size\":\"0\"") << false << -1;
    QTest::newRow("segment size Dynamic")
        << QByteArray("\"size\":\"dynamic\"") << QByteArray("\"size\":\"Dynamic\"") << false << -1;
    QTest::newRow("iv_tweak -1") << QByteArray("\"iv_tweak\":\"0\"") << QByteArray("\"iv_tweak\":\"-1\"")
                                 << false << -1;
    QTest::newRow("sector_size 1000")
        << QByteArray("\"sector_size\":4096") << QByteArray("\"sector_size\":1000") << false << -1;
    QTest::newRow("json_size mismatch")
        << QByteArray("\"json_size\":\"12288\"") << QByteArray("\"json_size\":\"28672\"") << false << -1;
    QTest::newRow("keyslots_size unaligned") << QByteArray("\"keyslots_size\":\"16744448\"")
                                             << QByteArray("\"keyslots_size\":\"16744449\"") << false << -1;
    QTest::newRow("keyslots_size into data") << QByteArray("\"keyslots_size\":\"16744448\"")
                                             << QByteArray("\"keyslots_size\":\"16748544\"") << false << -1;
    QTest::newRow("object name a") << QByteArray("\"keyslots\":{\"0\"") << QByteArray("\"keyslots\":{\"a\"")
                                   << false << -1;
    QTest::newRow("object name 00") << QByteArray("\"keyslots\":[\"0\"]")
                                    << QByteArray("\"keyslots\":[\"00\"]") << false << -1;
    QTest::newRow("tokens missing") << QByteArray("\"tokens\":{},") << QByteArray("") << false << -1;
    QTest::newRow("flags not array") << QByteArray("\"config\":{")
                                     << QByteArray("\"config\":{\"flags\":\"x\",") << false << -1;
    QTest::newRow("af type") << QByteArray("\"type\":\"luks1\"") << QByteArray("\"type\":\"luks2\"") << false
                             << -1;
    QTest::newRow("token without keyslots")
        << QByteArray("\"tokens\":{}") << QByteArray("\"tokens\":{\"0\":{\"type\":\"x\"}}") << false << -1;
    QTest::newRow("token names missing keyslot")
        << QByteArray("\"tokens\":{}")
        << QByteArray("\"tokens\":{\"0\":{\"type\":\"x\",\"keyslots\":[\"3\"]}}") << false << -1;
    QTest::newRow("space before brace")
        << QByteArray("{\"keyslots\"") << QByteArray(" {\"keyslots\"") << false << -1;
    QTest::newRow("persistent flags") << QByteArray("\"keyslots_size\":\"16744448\"")
                                      << QByteArray("\"keyslots_size\":\"16744448\",\"flags\":[\"allow-"
                                                    "discards\",\"no-read-workqueue\",\"foo-flag\"]")
                                      << true << 1;
    QTest::newRow("trailing newline") << QByteArray("}}}") << QByteArray("}}}\n") << true << 1;
    QTest::newRow("deep nesting") << QByteArray("\"config\":{")
                                  << (QByteArray("\"config\":{\"x\":") + QByteArray(40, '[') +
                                      QByteArray(40, ']') + ",")
                                  << false << -1;
}

void TestLuks2::appendixA()
{
    QFETCH(QByteArray, from);
    QFETCH(QByteArray, to);
    QFETCH(bool, loads);
    QFETCH(int, opens);
    const QString image = QDir(m_dir.path()).filePath(QStringLiteral("mutated.img"));
    QFile::remove(image);
    QVERIFY(QFile::copy(m_base, image));
    QByteArray text = jsonAreaText(image);
    QVERIFY(text.contains(from));
    text.replace(text.indexOf(from), from.size(), to);
    rewriteJson(image, text);
    const QByteArray digest = fileDigest(image);

    auto volume = loadImage(image);
    QCOMPARE(volume.isOk(), loads);
    if (!loads)
        QVERIFY(
            volume.message().startsWith(QStringLiteral("Device %1 is not a valid LUKS device.").arg(image)));
    QCOMPARE(fileDigest(image), digest);

    // cryptsetup on a copy (it repairs copies on read).
    const QString copy = QDir(m_dir.path()).filePath(QStringLiteral("mutated-cs.img"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(image, copy));
    const Run dump = cryptsetup({"luksDump", copy});
    QCOMPARE(dump.code == 0, loads);
    if (!loads)
        return;
    QCOMPARE((*volume)->dump(image), QString::fromUtf8(dump.out));
    if (opens < 0)
        return;
    const Run test = cryptsetup({"open", "--test-passphrase", "-d", m_pw, copy});
    QCOMPARE(test.code == 0, opens == 1);
    auto unlocked = (*volume)->unlock(bytesOf(Passphrase), std::nullopt);
    QCOMPARE(unlocked.isOk(), opens == 1);
    if (unlocked.isOk())
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(unlocked->volumeKey.data()), 64), m_baseKey);
}

void TestLuks2::damagedCopy_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("primaryBad");
    QTest::newRow("secondary json byte") << qint64(16384 + 4096 + 10) << QByteArray("X") << false;
    QTest::newRow("primary json byte") << qint64(4096 + 10) << QByteArray("X") << true;
    QTest::newRow("primary zeroed") << qint64(0) << QByteArray(4096, '\0') << true;
}

void TestLuks2::damagedCopy()
{
    QFETCH(qint64, offset);
    QFETCH(QByteArray, bytes);
    QFETCH(bool, primaryBad);
    const QString image = QDir(m_dir.path()).filePath(QStringLiteral("damaged.img"));
    QFile::remove(image);
    QVERIFY(QFile::copy(m_base, image));
    {
        QFile f(image);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(offset);
        f.write(bytes);
    }
    const QByteArray digest = fileDigest(image);
    auto volume = loadImage(image, true);
    QVERIFY2(volume.isOk(), qPrintable(volume.message()));
    QCOMPARE(fileDigest(image), digest); // loading never writes
    QCOMPARE((*volume)->warnings().size(), 1);
    QVERIFY((*volume)->warnings().at(0).contains(primaryBad ? u"offset 0 " : u"offset 16384 "));
    auto unlocked = (*volume)->unlock(bytesOf(Passphrase), std::nullopt);
    QVERIFY(unlocked.isOk());
    const QByteArray goodSalt = readFile(image, primaryBad ? 16384 + 104 : 104, 64);
    QVERIFY((*volume)->repair().isOk());
    volume.value().reset();
    // The rewritten copy has a fresh salt, the same seqid, and cryptsetup finds nothing to fix.
    const QByteArray before = fileDigest(image);
    auto repaired = loadImage(image);
    QVERIFY(repaired.isOk());
    QVERIFY((*repaired)->warnings().isEmpty());
    QCOMPARE((*repaired)->seqid(), uint64_t(3));
    QVERIFY(readFile(image, primaryBad ? 104 : 16384 + 104, 64) != goodSalt);
    QCOMPARE(cryptsetup({"luksDump", image}).code, 0);
    QCOMPARE(fileDigest(image), before);
}

void TestLuks2::bothCopiesBad()
{
    const QString image = QDir(m_dir.path()).filePath(QStringLiteral("bad.img"));
    QFile::remove(image);
    QVERIFY(QFile::copy(m_base, image));
    {
        QFile f(image);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(4096 + 5);
        f.write("X");
        f.seek(16384 + 4096 + 5);
        f.write("X");
    }
    const QByteArray digest = fileDigest(image);
    auto volume = loadImage(image);
    QVERIFY(!volume.isOk());
    QCOMPARE(volume.status().code(), ErrorCode::Corruption);
    QCOMPARE(volume.message().section(u'\n', 0, 0),
             QStringLiteral("Device %1 is not a valid LUKS device.").arg(image));
    QCOMPARE(fileDigest(image), digest);
    QVERIFY(cryptsetup({"luksDump", image}).code != 0);

    const QString zero = makeImage(m_dir.path(), QStringLiteral("zero.img"), 1024 * 1024);
    auto none = loadImage(zero);
    QCOMPARE(none.status().code(), ErrorCode::InvalidArgument);
}

void TestLuks2::writeOrder()
{
    auto recorder = std::make_shared<RecordingDevice>(64 * 1024 * 2);
    auto device = HeaderDevice::over(recorder, QStringLiteral("recorder"));
    Luks2FormatOptions options;
    options.digestKdf.forcedIterations = 1000;
    SecureBuffer key(64);
    auto volume = Luks2Volume::format(std::move(device), options, key);
    QVERIFY2(volume.isOk(), qPrintable(volume.message()));
    const QStringList commit = {"W 0+4096",     "W 4096+12288",  "W 0+4096",     "F",
                                "W 16384+4096", "W 20480+12288", "W 16384+4096", "F"};
    QCOMPARE(recorder->log().mid(recorder->log().size() - commit.size()), commit);
    recorder->clear();
    auto slot = (*volume)->addKeyslot(key, bytesOf(Passphrase), cheapKdf());
    QVERIFY2(slot.isOk(), qPrintable(slot.message()));
    // Key material (256000 bytes at 32768) and its flush come before the header commit.
    const QStringList expected = QStringList{"W 32768+256000", "F"} + commit;
    QCOMPARE(recorder->log(), expected);
    recorder->clear();
    QVERIFY((*volume)->destroyKeyslot(0).isOk());
    const QStringList log = recorder->log();
    QVERIFY(log.first().startsWith(u"W 32768+"));
    QCOMPARE(log.mid(log.size() - commit.size()), commit);
    QVERIFY(log.indexOf(QStringLiteral("W 0+4096")) > log.indexOf(QStringLiteral("F")));
}

void TestLuks2::keyslotLifecycle()
{
    const QString image = QDir(m_dir.path()).filePath(QStringLiteral("life.img"));
    QFile::remove(image);
    QVERIFY(QFile::copy(m_base, image));
    auto volume = loadImage(image, true);
    QVERIFY(volume.isOk());
    SecureBuffer key(64);
    std::memcpy(key.data(), m_baseKey.constData(), 64);
    AddKeyslotOptions options = cheapKdf();
    auto slot1 = (*volume)->addKeyslot(key, bytesOf("second"), options);
    QCOMPARE(*slot1, 1);
    QVERIFY((*volume)->setPriority(1, 2).isOk());
    QVERIFY((*volume)->destroyKeyslot(0).isOk());
    auto slot0 = (*volume)->addKeyslot(key, bytesOf(Passphrase), options);
    QCOMPARE(*slot0, 0);
    // JSON order "1" then "0"; slot 0 went back to the first gap.
    const QByteArray text = jsonAreaText(image);
    QVERIFY(text.indexOf("\"1\":{") < text.indexOf("\"0\":{"));
    QVERIFY(text.contains("\"offset\":\"32768\""));
    QCOMPARE((*volume)->seqid(), uint64_t(7));
    QCOMPARE((*volume)->destroyKeyslot(5).message(), QStringLiteral("Keyslot 5 is not active."));
    SecureBuffer wrong(64);
    QCOMPARE((*volume)->addKeyslot(wrong, bytesOf("x"), options).status().code(), ErrorCode::WrongPassphrase);
    volume.value().reset();
    QCOMPARE(cryptsetup({"open", "--test-passphrase", "-d", m_pw, image}).code, 0);
    const QString pw2 = passFile(m_dir.path(), "second", QStringLiteral("pw-second"));
    QCOMPARE(cryptsetup({"open", "--test-passphrase", "-d", pw2, image}).code, 0);
    auto reloaded = loadImage(image);
    QCOMPARE((*reloaded)->dump(image), QString::fromUtf8(cryptsetup({"luksDump", image}).out));
    const CryptActivation a = (*reloaded)->activation();
    QCOMPARE(a.cipher, QStringLiteral("aes-xts-plain64"));
    QCOMPARE(a.dataOffsetSectors, uint64_t(32768));
    QCOMPARE(a.optionWords, QStringList{QStringLiteral("sector_size:4096")});
    QCOMPARE(a.keyringDescription, QStringLiteral("cryptsetup:%1-d0").arg((*reloaded)->uuid()));
}

void TestLuks2::requirementsBlockChanges()
{
    const QString image = QDir(m_dir.path()).filePath(QStringLiteral("req.img"));
    QFile::remove(image);
    QVERIFY(QFile::copy(m_base, image));
    QByteArray text = jsonAreaText(image);
    text.replace("\"config\":{", "\"config\":{\"requirements\":{\"mandatory\":[\"foo-req\"]},");
    rewriteJson(image, text);
    auto volume = loadImage(image, true);
    QVERIFY(volume.isOk());
    QVERIFY((*volume)->dump(image).contains(u"Requirements:\tfoo-req \n\n"));
    const QByteArray digest = fileDigest(image);
    QCOMPARE((*volume)->checkRequirements().message(), QStringLiteral("Unmet LUKS2 requirements detected."));
    QCOMPARE((*volume)->setLabel(QStringLiteral("x")).message(),
             QStringLiteral("Unmet LUKS2 requirements detected."));
    QCOMPARE((*volume)->destroyKeyslot(0).message(), QStringLiteral("Unmet LUKS2 requirements detected."));
    QCOMPARE(fileDigest(image), digest);
}

QTEST_GUILESS_MAIN(TestLuks2)
#include "TestLuks2.moc"
