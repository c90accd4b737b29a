// Known answers for the crypt target from implementations we did not write (tests/vectors/):
// every row builds a crypt device over an image file, writes the row's plaintext through it, and
// checks the ciphertext that lands in the image, then reads it back through the device. Refusal
// rows check the kernel's constructor error instead.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

const QStringList VectorFiles = {
    QStringLiteral("dmcrypt_generic.txt"),
    QStringLiteral("dmcrypt_multikey.txt"),
    QStringLiteral("dmcrypt_lmk.txt"),
    QStringLiteral("dmcrypt_tcw.txt"),
    QStringLiteral("dmcrypt_eboiv_elephant.txt"),
    QStringLiteral("qemu_luks1.txt"),
    QStringLiteral("aespipe.txt"),
};

// Chain modes CryptStack implements; kernel-valid rows with other modes (cts) must be refused
// cleanly rather than mis-encrypted.
const QStringList SupportedModes = {QStringLiteral("ecb"), QStringLiteral("cbc"), QStringLiteral("xts"),
                                    QStringLiteral("ctr"), QStringLiteral("lrw"), QStringLiteral("pcbc")};

QString vectorPath(const QString& name)
{
    return QDir(qEnvironmentVariable("CRYPTSTACK_SOURCE_DIR"))
        .filePath(QStringLiteral("tests/vectors/") + name);
}

QList<QStringList> rowsOf(const QString& name)
{
    QFile file(vectorPath(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read vector file %s", qPrintable(file.fileName()));
    QList<QStringList> rows;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (!line.isEmpty() && !line.startsWith(u'#'))
            rows += line.split(u' ', Qt::SkipEmptyParts);
    }
    return rows;
}

// block k = SHA-256(LE32(seed) || LE32(k)), as the generator defines the plaintext.
QByteArray plaintext(uint32_t seed, qsizetype bytes)
{
    QByteArray out;
    for (uint32_t block = 0; out.size() < bytes; ++block) {
        QByteArray input(8, '\0');
        for (int i = 0; i < 4; ++i) {
            input[i] = static_cast<char>(seed >> (8 * i));
            input[4 + i] = static_cast<char>(block >> (8 * i));
        }
        out += QCryptographicHash::hash(input, QCryptographicHash::Sha256);
    }
    return out.left(bytes);
}

QString chainModeOf(const QString& spec)
{
    if (spec.startsWith(u"capi:")) {
        const qsizetype paren = spec.indexOf(u'(');
        return spec.mid(5, paren - 5);
    }
    // The legacy aliases "aes" and "aes-plain" mean aes-cbc-plain.
    const QStringList parts = spec.split(u'-');
    if (parts.size() == 1 || (parts.size() == 2 && parts.at(1) == u"plain"))
        return QStringLiteral("cbc");
    return parts.at(1);
}

} // namespace

class TestCryptVectors : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void sectors_data();
    void sectors();
    void refusals_data();
    void refusals();

private:
    QTemporaryDir m_dir;
    QString m_image;
};

void TestCryptVectors::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_image = createImage(m_dir.path(), QStringLiteral("vectors.img"), 16384, 0);
}

void TestCryptVectors::sectors_data()
{
    QTest::addColumn<QStringList>("row");
    int rows = 0;
    for (const QString& file : VectorFiles) {
        int line = 0;
        for (const QStringList& row : rowsOf(file)) {
            QTest::newRow(qPrintable(QStringLiteral("%1:%2 %3").arg(file).arg(++line).arg(row.at(0)))) << row;
            ++rows;
        }
    }
    QVERIFY2(rows > 2000, "the vector files should hold a few thousand rows");
}

void TestCryptVectors::sectors()
{
    QFETCH(QStringList, row);
    QCOMPARE(row.size(), 10);
    const QString& spec = row.at(0);
    const uint64_t ivOffset = row.at(2).toULongLong();
    const unsigned sectorSize = row.at(3).toUInt();
    const bool large = row.at(4) == u"1";
    const uint64_t start = row.at(5).toULongLong();
    const qsizetype bytes = row.at(6).toLongLong();
    const QByteArray plain = plaintext(row.at(7).toUInt(), bytes);

    // The start sector goes into iv_offset: both only ever appear as their sum (cc_sector).
    QStringList options;
    if (sectorSize != 512)
        options += QStringLiteral("sector_size:%1").arg(sectorSize);
    if (large)
        options += QStringLiteral("iv_large_sectors");
    QString line =
        QStringLiteral("0 %1 crypt %2 %3 %4 %5 0")
            .arg(QString::number(bytes / 512), spec, row.at(1), QString::number(ivOffset + start), m_image);
    if (!options.isEmpty())
        line += QStringLiteral(" %1 ").arg(options.size()) + options.join(u' ');

    DeviceRegistry registry;
    auto device = registry.create(QStringLiteral("v"), {line});
    if (!SupportedModes.contains(chainModeOf(spec))) {
        // A valid kernel spec whose mode CryptStack lacks: refused, never mis-encrypted.
        QVERIFY(!device);
        QCOMPARE(device.message(),
                 QStringLiteral("device \"v\", table line 1: crypt: Error allocating crypto tfm"));
        return;
    }
    QVERIFY2(device, qPrintable(device.message()));
    QVERIFY((*device)->writeSectors(0, plain.constData(), static_cast<uint64_t>(bytes)));
    QVERIFY((*device)->flush());
    const QByteArray cipher = readFile(m_image, 0, bytes);
    QCOMPARE(cipher.left(32).toHex(), row.at(9).toLatin1());
    QCOMPARE(QCryptographicHash::hash(cipher, QCryptographicHash::Sha256).toHex(), row.at(8).toLatin1());
    QByteArray back(bytes, Qt::Uninitialized);
    QVERIFY((*device)->readSectors(0, back.data(), static_cast<uint64_t>(bytes)));
    QCOMPARE(back, plain);
}

void TestCryptVectors::refusals_data()
{
    QTest::addColumn<QStringList>("row");
    int line = 0;
    for (const QStringList& row : rowsOf(QStringLiteral("refusals.txt")))
        QTest::newRow(qPrintable(QStringLiteral("refusals:%1 %2").arg(++line).arg(row.at(0)))) << row;
}

void TestCryptVectors::refusals()
{
    QFETCH(QStringList, row);
    const unsigned sectorSize = row.at(2).toUInt();
    const QString expected = row.mid(3).join(u' ');
    QString line = QStringLiteral("0 16 crypt %1 %2 0 %3 0").arg(row.at(0), row.at(1), m_image);
    if (sectorSize != 512)
        line += QStringLiteral(" 1 sector_size:%1").arg(sectorSize);
    const QByteArray before = fileDigest(m_image);
    DeviceRegistry registry;
    const auto device = registry.create(QStringLiteral("r"), {line});
    QVERIFY(!device);
    QCOMPARE(device.message(), QStringLiteral("device \"r\", table line 1: crypt: ") + expected);
    QCOMPARE(fileDigest(m_image), before);
}

QTEST_GUILESS_MAIN(TestCryptVectors)
#include "TestCryptVectors.moc"
