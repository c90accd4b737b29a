// Key hygiene: key material never survives in memory the engine frees, SecureBuffer is locked and
// wiped, key and header-backup files are owner-only, erase wipes every keyslot area, secrets stay
// out of messages and listings, and digests are compared in constant time.
//
// The freed-memory checks rely on FreedMemoryScanner (linked into this executable only), which
// looks into every block freed through free(), realloc(), operator delete and OpenSSL's allocator
// for the test's volume keys (whole and each half, as XTS ciphers receive them) and passphrases.
// All of them live in static storage here, so the test itself never frees a copy.
#include "CliRunner.h"
#include "Cryptsetup.h"
#include "FreedMemoryScanner.h"
#include "TestImages.h"
#include "crypt/CryptTarget.h"
#include "crypt/SecureBuffer.h"
#include "dm/DeviceRegistry.h"
#include "formats/ConstantTime.h"
#include "formats/HeaderDevice.h"
#include "formats/luks1/Luks1Volume.h"
#include "formats/luks2/Luks2Volume.h"
#include "volume/VolumeMapper.h"

#include <openssl/crypto.h>

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

// Test secrets, in static storage only.
constexpr unsigned char TableKey[64] = {
    0x3b, 0x91, 0x5e, 0x07, 0xc4, 0x28, 0xfd, 0x6a, 0x12, 0xe9, 0x70, 0xab, 0x35, 0x8c, 0xd2, 0x4f,
    0x96, 0x01, 0x7b, 0xee, 0x53, 0xa8, 0x2c, 0xf1, 0x64, 0xb7, 0x0d, 0x9a, 0xc3, 0x48, 0xe5, 0x1f,
    0x87, 0x2a, 0xd9, 0x56, 0xbc, 0x03, 0x6f, 0xa1, 0x4e, 0xf8, 0x15, 0x92, 0x7c, 0xdb, 0x30, 0x69,
    0xa4, 0x5d, 0xe2, 0x0b, 0x77, 0xc9, 0x1e, 0x84, 0xf3, 0x26, 0xbd, 0x58, 0x0a, 0x9f, 0x61, 0xc7};
constexpr unsigned char LuksKey[64] = {
    0xd0, 0x4b, 0x17, 0xa2, 0x6e, 0xf9, 0x35, 0x8c, 0x21, 0xb6, 0x7a, 0x0f, 0xe3, 0x58, 0x94, 0x2d,
    0xc1, 0x6c, 0x09, 0xf4, 0x3a, 0x87, 0x52, 0xbe, 0x1d, 0xa9, 0x66, 0x03, 0xdf, 0x40, 0x7b, 0xe8,
    0x25, 0x9e, 0x43, 0xca, 0x08, 0x71, 0xb5, 0x3f, 0xec, 0x12, 0x8d, 0x56, 0xa0, 0x2b, 0xf7, 0x64,
    0x99, 0x0e, 0xd3, 0x7c, 0x31, 0xab, 0x5f, 0xc6, 0x18, 0xe4, 0x4d, 0x82, 0x6a, 0xf0, 0x37, 0xbb};
constexpr char Passphrase[] = "hygiene passphrase: correct horse 41";
constexpr char NewPassphrase[] = "hygiene passphrase: battery staple 97";
constexpr char ThirdPassphrase[] = "hygiene passphrase: third keyslot 5150";
constexpr char WrongPassphrase[] = "hygiene passphrase: not the right one";
constexpr unsigned char Probe[40] = "probe bytes that prove the scanner sees";

struct Patterns
{
    int tableKey = -1, tableKeyLow = -1, tableKeyHigh = -1;
    int luksKey = -1, luksKeyLow = -1, luksKeyHigh = -1;
    int passphrase = -1, newPassphrase = -1, thirdPassphrase = -1;
    int probe = -1;
};

Patterns& patterns()
{
    static Patterns p = [] {
        Patterns r;
        using S = FreedMemoryScanner;
        r.tableKey = S::addPattern(TableKey, 64, "table key");
        r.tableKeyLow = S::addPattern(TableKey, 24, "table key, first bytes");
        r.tableKeyHigh = S::addPattern(TableKey + 32, 24, "table key, second half");
        r.luksKey = S::addPattern(LuksKey, 64, "LUKS volume key");
        r.luksKeyLow = S::addPattern(LuksKey, 24, "LUKS volume key, first bytes");
        r.luksKeyHigh = S::addPattern(LuksKey + 32, 24, "LUKS volume key, second half");
        r.passphrase = S::addPattern(Passphrase, sizeof Passphrase - 1, "passphrase");
        r.newPassphrase = S::addPattern(NewPassphrase, sizeof NewPassphrase - 1, "new passphrase");
        r.thirdPassphrase = S::addPattern(ThirdPassphrase, sizeof ThirdPassphrase - 1, "third passphrase");
        r.probe = S::addPattern(Probe, sizeof Probe - 1, "probe");
        return r;
    }();
    return p;
}

std::span<const uint8_t> bytesOf(const char* text, size_t withNul)
{
    return {reinterpret_cast<const uint8_t*>(text), withNul - 1};
}

SecureBuffer secureCopy(const unsigned char* bytes, size_t size)
{
    SecureBuffer buffer(size);
    std::memcpy(buffer.data(), bytes, size);
    return buffer;
}

QString hexOf(const unsigned char* bytes, size_t size)
{
    return secureCopy(bytes, size).toHex();
}

// Writes a file with POSIX calls only, so no buffer of ours holds its contents afterwards.
bool writeSecretFile(const QString& path, const void* bytes, size_t size)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, bytes, size) == static_cast<ssize_t>(size);
    return ::close(fd) == 0 && ok;
}

QString zeroImage(const QString& path, qint64 bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || !file.resize(bytes))
        return {};
    return path;
}

uint64_t secretHits()
{
    const Patterns& p = patterns();
    uint64_t total = 0;
    for (int i : {p.tableKey, p.tableKeyLow, p.tableKeyHigh, p.luksKey, p.luksKeyLow, p.luksKeyHigh,
                  p.passphrase, p.newPassphrase, p.thirdPassphrase})
        total += FreedMemoryScanner::hits(i);
    return total;
}

// Arms the scanner for a scope and reports what it found.
class ScanScope
{
public:
    ScanScope()
    {
        FreedMemoryScanner::resetCounts();
        FreedMemoryScanner::setArmed(true);
    }
    ~ScanScope() { FreedMemoryScanner::setArmed(false); }
    void report(const char* what) const
    {
        qInfo("%s: scanned %llu blocks via free(), %llu via operator delete, %llu via OpenSSL (%llu MiB)",
              what,
              static_cast<unsigned long long>(
                  FreedMemoryScanner::scannedBlocks(FreedMemoryScanner::Source::Free)),
              static_cast<unsigned long long>(
                  FreedMemoryScanner::scannedBlocks(FreedMemoryScanner::Source::OperatorDelete)),
              static_cast<unsigned long long>(
                  FreedMemoryScanner::scannedBlocks(FreedMemoryScanner::Source::OpenSsl)),
              static_cast<unsigned long long>(FreedMemoryScanner::scannedBytes() >> 20));
        if (secretHits())
            FreedMemoryScanner::printHits();
    }
};

struct KeyslotArea
{
    int slot = 0;
    qint64 offset = 0;
    qint64 length = 0;
};

// The keyslot areas a luksDump names: LUKS2 gives offset and length; LUKS1 gives the material
// offset in sectors, and the length is key bytes * stripes rounded up to a sector.
QList<KeyslotArea> keyslotAreas(const QString& dump)
{
    QList<KeyslotArea> areas;
    static const QRegularExpression luks2(
        QStringLiteral(
            "^  (\\d+): luks2\\n(?:\\t.*\\n)*?\\tArea offset:(\\d+) \\[bytes\\]\\n\\tArea length:(\\d+) "
            "\\[bytes\\]"),
        QRegularExpression::MultilineOption);
    for (auto it = luks2.globalMatch(dump); it.hasNext();) {
        const auto m = it.next();
        areas.append({m.captured(1).toInt(), m.captured(2).toLongLong(), m.captured(3).toLongLong()});
    }
    static const QRegularExpression keyBits(QStringLiteral("^MK bits:\\s*(\\d+)"),
                                            QRegularExpression::MultilineOption);
    static const QRegularExpression luks1(
        QStringLiteral("^Key Slot (\\d): ENABLED\\n(?:\\t.*\\n)*?\\tKey material "
                       "offset:\\s*(\\d+)\\n\\tAF stripes:\\s*(\\d+)"),
        QRegularExpression::MultilineOption);
    const auto bits = keyBits.match(dump);
    for (auto it = luks1.globalMatch(dump); it.hasNext();) {
        const auto m = it.next();
        const qint64 bytes = bits.captured(1).toLongLong() / 8 * m.captured(3).toLongLong();
        areas.append({m.captured(1).toInt(), m.captured(2).toLongLong() * 512, (bytes + 511) / 512 * 512});
    }
    return areas;
}

} // namespace

class TestKeyHygiene : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void scannerSeesUnwipedFrees();
    void secureBufferWipesOnReleaseAndMove();
    void cryptTargetLeavesNoKeyInFreedMemory_data();
    void cryptTargetLeavesNoKeyInFreedMemory();
    void luksLifecycleLeavesNoSecretInFreedMemory_data();
    void luksLifecycleLeavesNoSecretInFreedMemory();
    void secureBufferIsLockedWhereAllowed();
    void keyFilesAndBackupsAreOwnerOnly();
    void eraseWipesEveryKeyslotArea_data();
    void eraseWipesEveryKeyslotArea();
    void secretsStayOutOfMessagesAndListings();
    void digestsAreComparedInConstantTime();

private:
    QString path(const QString& name) const { return m_dir.path() + u'/' + name; }
    void requireScanner();
    QTemporaryDir m_dir;
};

void TestKeyHygiene::initTestCase()
{
    QVERIFY(m_dir.isValid());
    patterns();
}

void TestKeyHygiene::requireScanner()
{
    if (!FreedMemoryScanner::available())
        QSKIP("a sanitizer replaces the allocator: freed memory cannot be scanned in this build");
    QVERIFY2(FreedMemoryScanner::openSslHooked(),
             "CRYPTO_set_mem_functions was refused (OpenSSL allocated first)");
}

void TestKeyHygiene::scannerSeesUnwipedFrees()
{
    // The negative control: unwiped frees through each path are seen, so "no hit" below means
    // something.
    requireScanner();
    ScanScope scope;
    // The barrier keeps the compiler from eliding an allocation whose contents nobody reads.
    auto escape = [](void* p) {
        asm volatile("" : : "r"(p) : "memory");
    };
    auto* viaMalloc = static_cast<unsigned char*>(std::malloc(100));
    std::memcpy(viaMalloc + 10, Probe, sizeof Probe);
    escape(viaMalloc);
    std::free(viaMalloc);
    auto* viaNew = new unsigned char[200];
    std::memcpy(viaNew + 150, Probe, sizeof Probe);
    escape(viaNew);
    delete[] viaNew;
    auto* viaOpenSsl = static_cast<unsigned char*>(OPENSSL_malloc(64));
    std::memcpy(viaOpenSsl, Probe, sizeof Probe);
    escape(viaOpenSsl);
    OPENSSL_free(viaOpenSsl);
    {
        QByteArray text(reinterpret_cast<const char*>(Probe), sizeof Probe - 1);
        text.append(QByteArray(5000, 'x')); // grows through realloc: the old block is scanned too
    }
    QCOMPARE(FreedMemoryScanner::hits(patterns().probe), uint64_t{5});
    QVERIFY(FreedMemoryScanner::scannedBlocks(FreedMemoryScanner::Source::OpenSsl) >= 1);
    QVERIFY(FreedMemoryScanner::scannedBlocks(FreedMemoryScanner::Source::OperatorDelete) >= 1);
}

void TestKeyHygiene::secureBufferWipesOnReleaseAndMove()
{
    requireScanner();
    ScanScope scope;
    {
        SecureBuffer a = secureCopy(Probe, sizeof Probe);
        SecureBuffer b(std::move(a)); // moved: one owner, nothing freed
        QVERIFY(a.isEmpty());
        QCOMPARE(std::memcmp(b.data(), Probe, sizeof Probe), 0);
        SecureBuffer c = secureCopy(Probe, sizeof Probe);
        c = std::move(b); // c's old buffer is released, wiped
        SecureBuffer d = c.copy();
        d.wipe();
        QVERIFY(std::all_of(d.data(), d.data() + d.size(), [](uint8_t v) { return v == 0; }));
        auto fromHex = SecureBuffer::fromHex(hexOf(Probe, sizeof Probe), sizeof Probe);
        QVERIFY(fromHex);
    } // all released here
    QCOMPARE(FreedMemoryScanner::hits(patterns().probe), uint64_t{0});
    // toHex/fromHex went through QString (hex text, not the bytes): only SecureBuffers held bytes.
}

void TestKeyHygiene::cryptTargetLeavesNoKeyInFreedMemory_data()
{
    QTest::addColumn<QString>("cipher");
    QTest::addColumn<int>("keyBytes");
    QTest::addColumn<bool>("keyring");
    const std::tuple<const char*, int> ciphers[] = {
        {"aes-xts-plain64", 64},      // libgcrypt (AES goes there first)
        {"camellia-cbc-plain64", 32}, // OpenSSL EVP
        {"serpent-xts-plain64", 64},  // libgcrypt
        {"aes-lrw-benbi", 48},        // the project's own LRW over a raw AES
        {"aes-cbc-essiv:sha256", 32}, // ESSIV: a second cipher keyed by a hash of the key
        {"twofish-pcbc-plain", 32},   // own PCBC over the project's Twofish
    };
    for (const auto& [cipher, bytes] : ciphers) {
        for (bool keyring : {false, true})
            QTest::newRow(
                qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(cipher), keyring ? "keyring" : "hex")))
                << QString::fromLatin1(cipher) << bytes << keyring;
    }
}

void TestKeyHygiene::cryptTargetLeavesNoKeyInFreedMemory()
{
    QFETCH(QString, cipher);
    QFETCH(int, keyBytes);
    QFETCH(bool, keyring);
    requireScanner();
    createImage(m_dir.path(), QStringLiteral("crypt.img"), 2 << 20, 3);
    ScanScope scope;
    {
        DeviceRegistry registry;
        QString keyWord;
        if (keyring) {
            QVERIFY(registry.keyRing().add(KeyRing::Type::Logon, QStringLiteral("hygiene:key"),
                                           secureCopy(TableKey, static_cast<size_t>(keyBytes))));
            keyWord = QStringLiteral(":%1:logon:hygiene:key").arg(keyBytes);
        } else {
            keyWord = hexOf(TableKey, static_cast<size_t>(keyBytes));
        }
        DeviceCreateOptions options;
        options.baseDirectory = m_dir.path();
        auto device = registry.create(
            QStringLiteral("c"), {QStringLiteral("0 4096 crypt %1 %2 0 crypt.img 0").arg(cipher, keyWord)},
            options);
        QVERIFY2(device, qPrintable(device.message()));
        const QByteArray data = patternBytes(9, 0, 300 * 1024);
        QVERIFY((*device)->writeSectors(0, data.constData(), data.size()));
        QVERIFY(registry.setEngineOption(QStringLiteral("c"), QStringLiteral("async"), QStringLiteral("on")));
        QByteArray back(data.size(), Qt::Uninitialized);
        QVERIFY((*device)->readSectors(0, back.data(), back.size()));
        QCOMPARE(back, data);
        // Wipe the key and set it again, as cryptsetup luksSuspend/luksResume do.
        QVERIFY(registry.suspend(QStringLiteral("c")));
        QVERIFY(registry.message(QStringLiteral("c"), 0, {QStringLiteral("key"), QStringLiteral("wipe")}));
        QVERIFY(!registry.resume(QStringLiteral("c")));
        QVERIFY(registry.message(QStringLiteral("c"), 0,
                                 {QStringLiteral("key"), QStringLiteral("set"), keyWord}));
        QVERIFY(registry.resume(QStringLiteral("c")));
        QVERIFY((*device)->readSectors(0, back.data(), back.size()));
        QCOMPARE(back, data);
        // A reload builds a second target with the key, and retires the first.
        QVERIFY(registry.reload(
            QStringLiteral("c"),
            {QStringLiteral("0 4096 crypt %1 %2 0 crypt.img 0 1 no_read_workqueue").arg(cipher, keyWord)},
            m_dir.path()));
        QVERIFY(registry.resume(QStringLiteral("c")));
        QVERIFY((*device)->readSectors(0, back.data(), back.size()));
        QCOMPARE(back, data);
        device = Result<std::shared_ptr<MappedDevice>>(ErrorCode::NoSuchDevice, QString());
        QVERIFY(registry.remove(QStringLiteral("c")));
        if (keyring)
            (void)registry.keyRing().unlink(QStringLiteral("hygiene:key"));
    }
    scope.report(qPrintable(cipher));
    QCOMPARE(secretHits(), uint64_t{0});
}

void TestKeyHygiene::luksLifecycleLeavesNoSecretInFreedMemory_data()
{
    QTest::addColumn<int>("version");
    QTest::newRow("luks1") << 1;
    QTest::newRow("luks2") << 2;
}

void TestKeyHygiene::luksLifecycleLeavesNoSecretInFreedMemory()
{
    QFETCH(int, version);
    requireScanner();
    const QString image = zeroImage(path(QStringLiteral("luks%1.img").arg(version)), 20 << 20);
    QVERIFY(!image.isEmpty());
    const QString passFile = path(QStringLiteral("pass%1.key").arg(version));
    QVERIFY(writeSecretFile(passFile, Passphrase, sizeof Passphrase - 1));
    AddKeyslotOptions slotOptions;
    slotOptions.kdf.type = QStringLiteral("pbkdf2");
    slotOptions.kdf.forcedIterations = 1000;
    ScanScope scope;
    {
        auto header = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
        QVERIFY2(header, qPrintable(header.message()));
        const SecureBuffer volumeKey = secureCopy(LuksKey, 64);
        std::unique_ptr<LuksVolume> volume;
        if (version == 1) {
            Luks1FormatOptions options;
            options.kdf.forcedIterations = 1000;
            auto formatted = Luks1Volume::format(std::move(*header), options, volumeKey);
            QVERIFY2(formatted, qPrintable(formatted.message()));
            volume = std::move(*formatted);
        } else {
            Luks2FormatOptions options;
            options.digestKdf.forcedIterations = 1000;
            auto formatted = Luks2Volume::format(std::move(*header), options, volumeKey);
            QVERIFY2(formatted, qPrintable(formatted.message()));
            volume = std::move(*formatted);
        }
        QVERIFY(volume->addKeyslot(volumeKey, bytesOf(Passphrase, sizeof Passphrase), slotOptions));
        QVERIFY(volume->verifyVolumeKey(volumeKey));
        auto opened = volume->unlock(bytesOf(Passphrase, sizeof Passphrase), std::nullopt);
        QVERIFY2(opened, qPrintable(opened.message()));
        QCOMPARE(std::memcmp(opened->volumeKey.data(), LuksKey, 64), 0);
        QCOMPARE(
            volume->unlock(bytesOf(WrongPassphrase, sizeof WrongPassphrase), std::nullopt).status().code(),
            ErrorCode::WrongPassphrase);
        auto changed =
            volume->changeKeyslot(*opened, bytesOf(NewPassphrase, sizeof NewPassphrase), slotOptions);
        QVERIFY2(changed, qPrintable(changed.message()));
        auto third = volume->addKeyslot(opened->volumeKey, bytesOf(ThirdPassphrase, sizeof ThirdPassphrase),
                                        slotOptions);
        QVERIFY(third);
        QVERIFY(volume->destroyKeyslot(*third));
        auto reopened = volume->unlock(bytesOf(NewPassphrase, sizeof NewPassphrase), std::nullopt);
        QVERIFY(reopened);

        // Map it (a hex key word for LUKS1, the keyring for LUKS2, as cryptsetup does) and do I/O.
        DeviceRegistry registry;
        VolumeMapper mapper(registry);
        MappingRequest request;
        request.name = QStringLiteral("vol");
        request.dataDevice = image;
        request.volumeType = version == 1 ? QStringLiteral("LUKS1") : QStringLiteral("LUKS2");
        request.volumeUuid = volume->uuid();
        request.activation = volume->activation();
        auto mapped = mapper.open(request, reopened->volumeKey);
        QVERIFY2(mapped, qPrintable(mapped.message()));
        const QByteArray data = patternBytes(4, 0, 200 * 1024);
        QVERIFY((*mapped)->writeSectors(0, data.constData(), data.size()));
        mapped = Result<std::shared_ptr<MappedDevice>>(ErrorCode::NoSuchDevice, QString());
        QVERIFY(mapper.close(QStringLiteral("vol")));
    }
    // The CLI's own paths: format, unlock and add a key from key files.
    const QString newPassFile = path(QStringLiteral("new%1.key").arg(version));
    QVERIFY(writeSecretFile(newPassFile, NewPassphrase, sizeof NewPassphrase - 1));
    const QString type = QStringLiteral("luks%1").arg(version);
    CliResult result = runCli(QStringList{"luksFormat", "-q", "--type", type, image, passFile} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    result = runCli({"open", "--test-passphrase", image, "-d", passFile});
    QCOMPARE(result.exitCode, 0);
    result = runCli(QStringList{"luksAddKey", image, newPassFile, "-d", passFile} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    result = runCli({"read", image, "-d", newPassFile, "--offset", "0", "--length", "4096"});
    QCOMPARE(result.exitCode, 0);
    scope.report(qPrintable(type));
    QCOMPARE(secretHits(), uint64_t{0});
}

void TestKeyHygiene::secureBufferIsLockedWhereAllowed()
{
    struct rlimit limit = {};
    QCOMPARE(::getrlimit(RLIMIT_MEMLOCK, &limit), 0);
    SecureBuffer key(64);
    // Locking whole pages: a limit of at least two pages leaves room for a 64-byte buffer that
    // straddles a page boundary. With less, the key is still wiped, just not locked.
    if (limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < 2 * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE))) {
        qInfo("RLIMIT_MEMLOCK is %llu bytes: SecureBuffer cannot lock",
              static_cast<unsigned long long>(limit.rlim_cur));
        QVERIFY(!key.isLocked());
        return;
    }
    QVERIFY(key.isLocked());
    SecureBuffer moved(std::move(key));
    QVERIFY(moved.isLocked()); // the lock travels with the memory
    QVERIFY(!key.isLocked());
    QVERIFY(moved.copy().isLocked());
    // The keys the crypt target and the keyring hold are SecureBuffers too.
    QVERIFY(SecureBuffer::fromHex(hexOf(TableKey, 64), 64)->isLocked());
}

void TestKeyHygiene::keyFilesAndBackupsAreOwnerOnly()
{
    // tests/cli/TestCryptsetupCli checks the modes of --volume-key-file (luksVerbs), the header
    // backup (headerBackupRestore) and the convert backup (convertBackupAndRestore) under the
    // default umask. Here: with umask 0 the files are still 0400, and the backup luksHeaderRestore
    // takes before overwriting is 0400 too.
    const mode_t oldMask = ::umask(0);
    const QString image = zeroImage(path(QStringLiteral("modes.img")), 20 << 20);
    const QString passFile = path(QStringLiteral("modes.key"));
    QVERIFY(writeSecretFile(passFile, Passphrase, sizeof Passphrase - 1));
    CliResult result = runCli(QStringList{"luksFormat", "-q", image, passFile} + CheapKdf);
    QVERIFY2(result.exitCode == 0, result.err.constData());
    const QString vk = path(QStringLiteral("modes.vk"));
    result = runCli({"luksDump", "-q", "--dump-volume-key", "-d", passFile, "--volume-key-file", vk, image});
    QCOMPARE(result.exitCode, 0);
    const QString backup = path(QStringLiteral("modes.backup"));
    result = runCli({"luksHeaderBackup", image, "--header-backup-file", backup});
    QCOMPARE(result.exitCode, 0);
    result = runCli({"luksHeaderRestore", "-q", image, "--header-backup-file", backup});
    QVERIFY2(result.exitCode == 0, result.err.constData());
    ::umask(oldMask);
    const QStringList restoreBackups =
        QDir(m_dir.path()).entryList({QStringLiteral("modes.img.before-restore-*")}, QDir::Files);
    QCOMPARE(restoreBackups.size(), 1);
    for (const QString& file : {vk, backup, path(restoreBackups.front())}) {
        struct stat info = {};
        QCOMPARE(::stat(QFile::encodeName(file).constData(), &info), 0);
        QVERIFY2((info.st_mode & 07777) == 0400,
                 qPrintable(file + QStringLiteral(" has mode ") + QString::number(info.st_mode & 07777, 8)));
    }
}

void TestKeyHygiene::eraseWipesEveryKeyslotArea_data()
{
    QTest::addColumn<QString>("type");
    QTest::newRow("luks1") << "luks1";
    QTest::newRow("luks2") << "luks2";
}

void TestKeyHygiene::eraseWipesEveryKeyslotArea()
{
    QFETCH(QString, type);
    const QString image = zeroImage(path(type + QStringLiteral("-erase.img")), 20 << 20);
    const QString passFile = path(QStringLiteral("erase.key"));
    const QString newPassFile = path(QStringLiteral("erase-new.key"));
    QVERIFY(writeSecretFile(passFile, Passphrase, sizeof Passphrase - 1));
    QVERIFY(writeSecretFile(newPassFile, NewPassphrase, sizeof NewPassphrase - 1));
    QVERIFY(runCli(QStringList{"luksFormat", "-q", "--type", type, image, passFile} + CheapKdf).exitCode ==
            0);
    QVERIFY(runCli(QStringList{"luksAddKey", image, newPassFile, "-d", passFile} + CheapKdf).exitCode == 0);
    QVERIFY(runCli(QStringList{"luksAddKey", image, newPassFile, "-d", passFile, "-S", "5"} + CheapKdf)
                .exitCode == 0);

    // The areas as our luksDump reports them, cross-checked with cryptsetup's where installed.
    const CliResult dump = runCli({"luksDump", image});
    QCOMPARE(dump.exitCode, 0);
    const QList<KeyslotArea> areas = keyslotAreas(QString::fromUtf8(dump.out));
    QCOMPARE(areas.size(), 3);
    const QString cryptsetup = findTool(QStringLiteral("cryptsetup"));
    if (!cryptsetup.isEmpty()) {
        const ToolRun theirs = runTool(cryptsetup, {QStringLiteral("luksDump"), image});
        if (theirs.ok()) {
            const QList<KeyslotArea> theirAreas = keyslotAreas(QString::fromUtf8(theirs.out));
            QCOMPARE(theirAreas.size(), areas.size());
            for (qsizetype i = 0; i < areas.size(); ++i) {
                QCOMPARE(theirAreas[i].offset, areas[i].offset);
                QCOMPARE(theirAreas[i].length, areas[i].length);
            }
            qInfo("%s: %lld keyslot areas, the same as cryptsetup luksDump reports", qPrintable(type),
                  static_cast<long long>(areas.size()));
        } else {
            qInfo("cryptsetup luksDump failed here (%s): areas from our dump only", theirs.err.constData());
        }
    }
    QList<QByteArray> before;
    for (const KeyslotArea& area : areas) {
        before.append(readFile(image, area.offset, area.length));
        QVERIFY(before.last().count('\0') < before.last().size()); // there is material to wipe
    }

    const CliResult erased = runCli({"erase", "-q", image});
    QVERIFY2(erased.exitCode == 0, erased.err.constData());
    for (qsizetype i = 0; i < areas.size(); ++i) {
        const QByteArray after = readFile(image, areas[i].offset, areas[i].length);
        // Every 512-byte sector changed: no stripe of the split key survives.
        for (qsizetype s = 0; s < after.size(); s += 512)
            QVERIFY2(
                after.mid(s, 512) != before[i].mid(s, 512),
                qPrintable(QStringLiteral("slot %1 sector %2 unchanged").arg(areas[i].slot).arg(s / 512)));
    }
    const CliResult after = runCli({"luksDump", image});
    QCOMPARE(after.exitCode, 0);
    QVERIFY(keyslotAreas(QString::fromUtf8(after.out)).isEmpty());
    QVERIFY(!after.out.contains("ENABLED"));
    for (const QString& key : {passFile, newPassFile})
        QCOMPARE(runCli({"open", "--test-passphrase", image, "-d", key}).exitCode, 1);
}

void TestKeyHygiene::secretsStayOutOfMessagesAndListings()
{
    const QString hexKey = hexOf(TableKey, 64);
    const QByteArray hexUpper = hexKey.toUpper().toLatin1();
    auto clean = [&](const QByteArray& text) {
        return !text.contains(hexKey.toLatin1()) && !text.contains(hexUpper) && !text.contains(Passphrase) &&
               !text.contains(hexKey.left(32).toLatin1()) && !text.contains(hexKey.mid(64).toLatin1());
    };
    // A failed unlock, verbose.
    const QString image = zeroImage(path(QStringLiteral("msg.img")), 20 << 20);
    const QString passFile = path(QStringLiteral("msg.key"));
    const QString wrongFile = path(QStringLiteral("msg-wrong.key"));
    QVERIFY(writeSecretFile(passFile, Passphrase, sizeof Passphrase - 1));
    QVERIFY(writeSecretFile(wrongFile, WrongPassphrase, sizeof WrongPassphrase - 1));
    QVERIFY(runCli(QStringList{"luksFormat", "-q", image, passFile} + CheapKdf).exitCode == 0);
    CliResult result = runCli({"open", "--test-passphrase", "-v", image, "-d", wrongFile});
    QCOMPARE(result.exitCode, 2);
    QVERIFY(!result.out.contains(WrongPassphrase) && !result.err.contains(WrongPassphrase));
    QVERIFY(clean(result.out + result.err));
    result = runCli({"open", "--test-passphrase", "-v", image}, QByteArray(WrongPassphrase) + '\n');
    QCOMPARE(result.exitCode, 2);
    QVERIFY(!result.out.contains(WrongPassphrase) && !result.err.contains(WrongPassphrase));

    // Bad table lines that carry a hex key: the engine's messages never repeat it.
    createImage(m_dir.path(), QStringLiteral("msg-data.img"), 1 << 20, 8);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = m_dir.path();
    const QStringList badLines = {
        QStringLiteral("0 100 crypt aes-xts-plain64 %1 0 missing.img 0").arg(hexKey),
        QStringLiteral("0 100 crypt aes-xts-plain64 %1 0 msg-data.img 0 1 no_such_option").arg(hexKey),
        QStringLiteral("0 100 crypt aes-xts-plain64 %1 0 msg-data.img 0").arg(hexKey.left(126)),
        QStringLiteral("0 100 crypt aes-xts-plain64 %1 0 msg-data.img 0")
            .arg(hexKey.left(126) + QStringLiteral("zz")),
        QStringLiteral("0 100 crypt no-such-cipher %1 0 msg-data.img 0").arg(hexKey),
        QStringLiteral("0 100000 crypt aes-xts-plain64 %1 0 msg-data.img 0").arg(hexKey),
        QStringLiteral("0 100 crypt aes-xts-plain64 %1 x msg-data.img 0").arg(hexKey),
    };
    for (const QString& line : badLines) {
        auto refused = registry.create(QStringLiteral("bad"), {line}, options);
        QVERIFY2(!refused, qPrintable(line));
        QVERIFY2(clean(refused.message().toUtf8()), qPrintable(refused.message()));
        // The same through the CLI, where the message is printed.
        const CliResult cli = runCli(
            {"dm", "table", "--concise",
             QStringLiteral("bad,,,rw,") + QString(line).replace(QStringLiteral("msg-data.img"),
                                                                 path(QStringLiteral("msg-data.img")))});
        QVERIFY(cli.exitCode != 0);
        QVERIFY2(clean(cli.out + cli.err), cli.err.constData());
    }
    // A good line: table and status mask the key without --showkeys, print it with.
    const QString good = QStringLiteral("0 100 crypt aes-xts-plain64 %1 0 %2 0")
                             .arg(hexKey, path(QStringLiteral("msg-data.img")));
    for (const char* verb : {"table", "status", "info", "ls"}) {
        const CliResult listed = runCli({"dm", verb, "--concise", QStringLiteral("good,,,rw,") + good});
        QCOMPARE(listed.exitCode, 0);
        QVERIFY2(clean(listed.out + listed.err), listed.out.constData());
    }
    const CliResult shown =
        runCli({"dm", "table", "--showkeys", "--concise", QStringLiteral("good,,,rw,") + good});
    QCOMPARE(shown.exitCode, 0);
    QVERIFY(shown.out.contains(hexKey.toLatin1())); // the masking above is not an empty listing
}

void TestKeyHygiene::digestsAreComparedInConstantTime()
{
    // Timing cannot be observed reliably here; what is checked is the function LUKS1
    // (Luks1Volume::verifyVolumeKey) and LUKS2 (Luks2Volume's digest check) call, and that those
    // call sites still use it.
    const uint8_t a[32] = {1, 2, 3};
    uint8_t b[32] = {1, 2, 3};
    QVERIFY(constantTimeEqual(a, b));
    b[0] ^= 1;
    QVERIFY(!constantTimeEqual(a, b));
    b[0] ^= 1;
    b[31] ^= 0x80;
    QVERIFY(!constantTimeEqual(a, b));
    QVERIFY(!constantTimeEqual(std::span(a, 32), std::span(a, 31)));
    QVERIFY(constantTimeEqual({}, {}));

    const QString source = qEnvironmentVariable("CRYPTSTACK_SOURCE_DIR");
    if (source.isEmpty())
        QSKIP("CRYPTSTACK_SOURCE_DIR is not set (run through ctest to check the call sites)");
    for (const char* file :
         {"engine/formats/luks1/Luks1Volume.cpp", "engine/formats/luks2/Luks2Volume.cpp"}) {
        const QByteArray text = readFile(source + u'/' + QLatin1String(file));
        QVERIFY2(text.contains("constantTimeEqual("), file);
    }
    // The ConstantTime implementation itself is OpenSSL's CRYPTO_memcmp.
    QVERIFY(readFile(source + QStringLiteral("/engine/formats/ConstantTime.cpp")).contains("CRYPTO_memcmp("));
}

QTEST_GUILESS_MAIN(TestKeyHygiene)
#include "TestKeyHygiene.moc"
