// dm verbs in-process over image files: reports, read/write through a 3-level stack, one-line errors.
#include "CliRunner.h"
#include "TestImages.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr qint64 ImageBytes = 2 << 20;

// A run of sectors of one image file; a device's bytes are its extents laid end to end.
struct Extent
{
    QString image;
    qint64 sector;
    qint64 sectors;
};

qint64 totalBytes(const QList<Extent>& extents)
{
    qint64 total = 0;
    for (const Extent& extent : extents)
        total += extent.sectors * 512;
    return total;
}

// What the device should read as, from the image files as they are now.
QByteArray expectedBytes(const QList<Extent>& extents)
{
    QByteArray bytes;
    for (const Extent& extent : extents)
        bytes += readFile(extent.image, extent.sector * 512, extent.sectors * 512);
    return bytes;
}

// Applies a write of `data` at device byte `offset` to the expected image contents.
void applyWrite(const QList<Extent>& extents, qint64 offset, const QByteArray& data,
                QHash<QString, QByteArray>* images)
{
    qint64 deviceStart = 0;
    for (const Extent& extent : extents) {
        const qint64 deviceEnd = deviceStart + extent.sectors * 512;
        const qint64 from = std::max(offset, deviceStart);
        const qint64 to = std::min(offset + data.size(), deviceEnd);
        if (from < to) {
            QByteArray& image = (*images)[extent.image];
            image.replace(extent.sector * 512 + (from - deviceStart), to - from,
                          data.mid(from - offset, to - from));
        }
        deviceStart = deviceEnd;
    }
}

bool writeText(const QString& path, const QByteArray& text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

QStringList lines(const QByteArray& bytes)
{
    return QString::fromUtf8(bytes).split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

class TestCliDm : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void noDevicesFound_data();
    void noDevicesFound();
    void tableOfOneDeviceHasNoPrefix();
    void tableOfAllDevicesIsPrefixedAndSorted();
    void statusLines();
    void infoOfOneAndAllDevices();
    void depsOfOneAndAllDevices();
    void lsListsNamesSorted();
    void lsTreeDrawsStacksDownToImages();

    void readWholeDevicesThroughThreeLevels_data();
    void readWholeDevicesThroughThreeLevels();
    void readRanges_data();
    void readRanges();
    void readWithMegabyteSuffixes();
    void readToOutputFile();
    void optionsBeforeAndAfterPositionals();

    void writeFromStdinLandsAtImageOffsets();
    void writeFromInputFileLandsAtImageOffsets();
    void writeUnalignedThroughMiddleLevel();
    void longUnalignedFileWriteThroughCrypt_data();
    void longUnalignedFileWriteThroughCrypt();

    void errorsAreOneLineAndLeaveImagesUntouched_data();
    void errorsAreOneLineAndLeaveImagesUntouched();

private:
    // pool (3 segments over a and b) ← mid (over pool and b) ← top (over mid and pool).
    QString stackSpec(const QString& topFlags = QStringLiteral("rw")) const;
    QList<Extent> poolExtents() const;
    QList<Extent> midExtents() const;
    QList<Extent> topExtents() const;
    QList<Extent> extentsOf(const QString& device) const;
    QHash<QString, QByteArray> imageContents() const;
    void compareImages(const QHash<QString, QByteArray>& expected) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_a;
    QString m_b;
};

void TestCliDm::init()
{
    // Fresh images for every test function, so writes of one never leak into another.
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_a = createImage(m_dir->path(), QStringLiteral("a.img"), ImageBytes, 1);
    m_b = createImage(m_dir->path(), QStringLiteral("b.img"), ImageBytes, 2);
}

QString TestCliDm::stackSpec(const QString& topFlags) const
{
    return QStringLiteral("pool,POOL-UUID,3,rw,0 16 linear %1 32,16 8 linear %2 100,24 40 linear %1 64;"
                          "mid,,,rw,0 20 linear pool 10,20 24 linear %2 40;"
                          "top,,,%3,0 30 linear mid 4,30 16 linear pool 0")
        .arg(m_a, m_b, topFlags);
}

QList<Extent> TestCliDm::poolExtents() const
{
    return {{m_a, 32, 16}, {m_b, 100, 8}, {m_a, 64, 40}};
}

QList<Extent> TestCliDm::midExtents() const
{
    // mid 0..20 is pool 10..30: a 42..48, b 100..108, a 64..70; mid 20..44 is b 40..64.
    return {{m_a, 42, 6}, {m_b, 100, 8}, {m_a, 64, 6}, {m_b, 40, 24}};
}

QList<Extent> TestCliDm::topExtents() const
{
    // top 0..30 is mid 4..34: pool 14..30 (a 46..48, b 100..108, a 64..70), then b 40..54;
    // top 30..46 is pool 0..16: a 32..48.
    return {{m_a, 46, 2}, {m_b, 100, 8}, {m_a, 64, 6}, {m_b, 40, 14}, {m_a, 32, 16}};
}

QList<Extent> TestCliDm::extentsOf(const QString& device) const
{
    if (device == u"pool")
        return poolExtents();
    if (device == u"mid")
        return midExtents();
    return topExtents();
}

QHash<QString, QByteArray> TestCliDm::imageContents() const
{
    return {{m_a, readFile(m_a)}, {m_b, readFile(m_b)}};
}

void TestCliDm::compareImages(const QHash<QString, QByteArray>& expected) const
{
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        const QByteArray actual = readFile(it.key());
        QCOMPARE(actual.size(), it.value().size());
        if (actual != it.value()) {
            qsizetype first = 0;
            while (actual.at(first) == it.value().at(first))
                ++first;
            QFAIL(qPrintable(QStringLiteral("%1 differs first at byte %2").arg(it.key()).arg(first)));
        }
    }
}

void TestCliDm::noDevicesFound_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("table") << QStringList{QStringLiteral("dm"), QStringLiteral("table")};
    QTest::newRow("table --showkeys")
        << QStringList{QStringLiteral("dm"), QStringLiteral("table"), QStringLiteral("--showkeys")};
    QTest::newRow("status") << QStringList{QStringLiteral("dm"), QStringLiteral("status")};
    QTest::newRow("info") << QStringList{QStringLiteral("dm"), QStringLiteral("info")};
    QTest::newRow("deps") << QStringList{QStringLiteral("dm"), QStringLiteral("deps")};
    QTest::newRow("ls") << QStringList{QStringLiteral("dm"), QStringLiteral("ls")};
    QTest::newRow("ls --tree") << QStringList{QStringLiteral("dm"), QStringLiteral("ls"),
                                              QStringLiteral("--tree")};
}

void TestCliDm::noDevicesFound()
{
    QFETCH(QStringList, arguments);
    const CliResult result = runCli(arguments);
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray("No devices found\n"));
}

void TestCliDm::tableOfOneDeviceHasNoPrefix()
{
    const CliResult result = runCli({QStringLiteral("dm"), QStringLiteral("table"), QStringLiteral("top"),
                                     QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray("0 30 linear mid 4\n30 16 linear pool 0\n"));

    const CliResult pool =
        runCli({QStringLiteral("dm"), QStringLiteral("table"), QStringLiteral("--showkeys"),
                QStringLiteral("pool"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(pool.err, QByteArray());
    QCOMPARE(pool.exitCode, 0);
    QCOMPARE(QString::fromUtf8(pool.out),
             QStringLiteral("0 16 linear %1 32\n16 8 linear %2 100\n24 40 linear %1 64\n").arg(m_a, m_b));
}

void TestCliDm::tableOfAllDevicesIsPrefixedAndSorted()
{
    // Created pool, mid, top; listed by name: mid, pool, top.
    const CliResult result =
        runCli({QStringLiteral("dm"), QStringLiteral("table"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out), QStringLiteral("mid: 0 20 linear pool 10\n"
                                                           "mid: 20 24 linear %2 40\n"
                                                           "pool: 0 16 linear %1 32\n"
                                                           "pool: 16 8 linear %2 100\n"
                                                           "pool: 24 40 linear %1 64\n"
                                                           "top: 0 30 linear mid 4\n"
                                                           "top: 30 16 linear pool 0\n")
                                                .arg(m_a, m_b));

    // Two --concise options add up; names sort regardless of which option made them.
    const CliResult two = runCli({QStringLiteral("dm"), QStringLiteral("table"), QStringLiteral("--concise"),
                                  QStringLiteral("zz,,,,0 8 zero"), QStringLiteral("--concise"),
                                  QStringLiteral("aa,,,,0 4 error,4 4 zero")});
    QCOMPARE(two.err, QByteArray());
    QCOMPARE(two.exitCode, 0);
    QCOMPARE(two.out, QByteArray("aa: 0 4 error \naa: 4 4 zero \nzz: 0 8 zero \n"));
}

void TestCliDm::statusLines()
{
    const QString spec = stackSpec() + QStringLiteral(";slow,,,rw,0 8 delay %1 0 0").arg(m_a);
    const CliResult one = runCli({QStringLiteral("dm"), QStringLiteral("status"), QStringLiteral("top"),
                                  QStringLiteral("--concise"), spec});
    QCOMPARE(one.err, QByteArray());
    QCOMPARE(one.exitCode, 0);
    QCOMPARE(one.out, QByteArray("0 30 linear \n30 16 linear \n"));

    const CliResult all =
        runCli({QStringLiteral("dm"), QStringLiteral("status"), QStringLiteral("--concise"), spec});
    QCOMPARE(all.err, QByteArray());
    QCOMPARE(all.exitCode, 0);
    QCOMPARE(all.out, QByteArray("mid: 0 20 linear \nmid: 20 24 linear \n"
                                 "pool: 0 16 linear \npool: 16 8 linear \npool: 24 40 linear \n"
                                 "slow: 0 8 delay 0 0 0\n"
                                 "top: 0 30 linear \ntop: 30 16 linear \n"));
}

void TestCliDm::infoOfOneAndAllDevices()
{
    const CliResult pool = runCli({QStringLiteral("dm"), QStringLiteral("info"), QStringLiteral("pool"),
                                   QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(pool.err, QByteArray());
    QCOMPARE(pool.exitCode, 0);
    QCOMPARE(pool.out, QByteArray("Name:              pool\n"
                                  "State:             ACTIVE\n"
                                  "Tables present:    LIVE\n"
                                  "Open count:        2\n"
                                  "Minor:             3\n"
                                  "Number of targets: 3\n"
                                  "Size:              64 sectors\n"
                                  "UUID:              POOL-UUID\n"));

    const CliResult all = runCli({QStringLiteral("dm"), QStringLiteral("info"), QStringLiteral("--concise"),
                                  stackSpec(QStringLiteral("ro"))});
    QCOMPARE(all.err, QByteArray());
    QCOMPARE(all.exitCode, 0);
    QCOMPARE(all.out, QByteArray("Name:              mid\n"
                                 "State:             ACTIVE\n"
                                 "Tables present:    LIVE\n"
                                 "Open count:        1\n"
                                 "Number of targets: 2\n"
                                 "Size:              44 sectors\n"
                                 "\n"
                                 "Name:              pool\n"
                                 "State:             ACTIVE\n"
                                 "Tables present:    LIVE\n"
                                 "Open count:        2\n"
                                 "Minor:             3\n"
                                 "Number of targets: 3\n"
                                 "Size:              64 sectors\n"
                                 "UUID:              POOL-UUID\n"
                                 "\n"
                                 "Name:              top\n"
                                 "State:             ACTIVE (READ-ONLY)\n"
                                 "Tables present:    LIVE\n"
                                 "Open count:        0\n"
                                 "Number of targets: 2\n"
                                 "Size:              46 sectors\n"));
}

void TestCliDm::depsOfOneAndAllDevices()
{
    const CliResult one = runCli({QStringLiteral("dm"), QStringLiteral("deps"), QStringLiteral("top"),
                                  QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(one.err, QByteArray());
    QCOMPARE(one.exitCode, 0);
    QCOMPARE(one.out, QByteArray(" 2 dependencies\t: (mid) (pool)\n"));

    const CliResult all =
        runCli({QStringLiteral("dm"), QStringLiteral("deps"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(all.err, QByteArray());
    QCOMPARE(all.exitCode, 0);
    // pool uses a.img twice; each lower device is listed once.
    QCOMPARE(QString::fromUtf8(all.out), QStringLiteral("mid: 2 dependencies\t: (pool) (%2)\n"
                                                        "pool: 2 dependencies\t: (%1) (%2)\n"
                                                        "top: 2 dependencies\t: (mid) (pool)\n")
                                             .arg(m_a, m_b));
}

void TestCliDm::lsListsNamesSorted()
{
    const CliResult result =
        runCli({QStringLiteral("dm"), QStringLiteral("ls"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray("mid\npool\ntop\n"));
}

void TestCliDm::lsTreeDrawsStacksDownToImages()
{
    // Relative image paths in a concise file: the tree shows them as written.
    const QString file = m_dir->filePath(QStringLiteral("stack.concise"));
    QVERIFY(writeText(file, "# the three-level stack, and two more roots\n"
                            "pool,,,rw,0 16 linear a.img 32,16 8 linear b.img 100,24 40 linear a.img 64\n"
                            "mid,,,rw,0 20 linear pool 10,20 24 linear b.img 40\n"
                            "top,,,rw,0 30 linear mid 4,30 16 linear pool 0\n"
                            "alone,,,rw,0 8 zero\n"
                            "err,,,ro,0 4 linear a.img 0,4 4 error\n"));
    const CliResult result = runCli({QStringLiteral("dm"), QStringLiteral("ls"), QStringLiteral("--tree"),
                                     QStringLiteral("--concise-file"), file});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromUtf8(result.out), QStringLiteral("alone\n"
                                                           "err\n"
                                                           " └─a.img\n"
                                                           "top\n"
                                                           " ├─mid\n"
                                                           " │  ├─pool\n"
                                                           " │  │  ├─a.img\n"
                                                           " │  │  └─b.img\n"
                                                           " │  └─b.img\n"
                                                           " └─pool\n"
                                                           "    ├─a.img\n"
                                                           "    └─b.img\n"));

    // With absolute paths in --concise the leaves are those paths.
    const CliResult inlineSpec =
        runCli({QStringLiteral("dm"), QStringLiteral("ls"), QStringLiteral("--concise"),
                QStringLiteral("base,,,rw,0 16 linear %1 0;top,,,ro,0 16 linear base 0").arg(m_a),
                QStringLiteral("--tree")});
    QCOMPARE(inlineSpec.err, QByteArray());
    QCOMPARE(inlineSpec.exitCode, 0);
    QCOMPARE(QString::fromUtf8(inlineSpec.out), QStringLiteral("top\n └─base\n    └─%1\n").arg(m_a));
}

void TestCliDm::readWholeDevicesThroughThreeLevels_data()
{
    QTest::addColumn<QString>("device");
    QTest::addColumn<qint64>("size");
    QTest::newRow("pool") << QStringLiteral("pool") << qint64{64 * 512};
    QTest::newRow("mid") << QStringLiteral("mid") << qint64{44 * 512};
    QTest::newRow("top") << QStringLiteral("top") << qint64{46 * 512};
}

void TestCliDm::readWholeDevicesThroughThreeLevels()
{
    QFETCH(QString, device);
    QFETCH(qint64, size);
    const QList<Extent> extents = extentsOf(device);
    QCOMPARE(totalBytes(extents), size);
    const QHash<QString, QByteArray> before = imageContents();
    const CliResult result = runCli(
        {QStringLiteral("dm"), QStringLiteral("read"), device, QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(qint64{result.out.size()}, size);
    QVERIFY(result.out == expectedBytes(extents));
    // Spot checks straight from the pattern: top starts at a.img sector 46 and ends with a.img 32..48.
    if (device == u"top") {
        QVERIFY(result.out.left(1024) == patternBytes(1, 46 * 512, 1024));
        QVERIFY(result.out.mid(1024, 4096) == patternBytes(2, 100 * 512, 4096));
        QVERIFY(result.out.right(16 * 512) == patternBytes(1, 32 * 512, 16 * 512));
    }
    compareImages(before);
}

void TestCliDm::readRanges_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length"); // -1: to the end

    QTest::newRow("unaligned offset and length")
        << QStringList{QStringLiteral("--offset"), QStringLiteral("1000"), QStringLiteral("--length"),
                       QStringLiteral("5000")}
        << qint64{1000} << qint64{5000};
    QTest::newRow("one byte before a boundary")
        << QStringList{QStringLiteral("--offset=1023"), QStringLiteral("--length=1")} << qint64{1023}
        << qint64{1};
    QTest::newRow("two bytes across a segment boundary")
        << QStringList{QStringLiteral("--offset=1023"), QStringLiteral("--length=2")} << qint64{1023}
        << qint64{2};
    QTest::newRow("across the top's segment boundary")
        << QStringList{QStringLiteral("--offset"), QStringLiteral("15000"), QStringLiteral("--length"),
                       QStringLiteral("1001")}
        << qint64{15000} << qint64{1001};
    QTest::newRow("K suffixes") << QStringList{QStringLiteral("--offset"), QStringLiteral("4K"),
                                               QStringLiteral("--length"), QStringLiteral("8K")}
                                << qint64{4096} << qint64{8192};
    QTest::newRow("KiB and sector suffixes")
        << QStringList{QStringLiteral("--offset"), QStringLiteral("3s"), QStringLiteral("--length"),
                       QStringLiteral("2KiB")}
        << qint64{1536} << qint64{2048};
    QTest::newRow("offset only, unaligned")
        << QStringList{QStringLiteral("--offset"), QStringLiteral("777")} << qint64{777} << qint64{-1};
    QTest::newRow("length only") << QStringList{QStringLiteral("--length"), QStringLiteral("1")} << qint64{0}
                                 << qint64{1};
    QTest::newRow("last byte") << QStringList{QStringLiteral("--offset"), QStringLiteral("23551")}
                               << qint64{23551} << qint64{-1};
    QTest::newRow("zero length") << QStringList{QStringLiteral("--offset"), QStringLiteral("100"),
                                                QStringLiteral("--length"), QStringLiteral("0")}
                                 << qint64{100} << qint64{0};
    QTest::newRow("offset at the end")
        << QStringList{QStringLiteral("--offset"), QStringLiteral("23552")} << qint64{23552} << qint64{-1};
}

void TestCliDm::readRanges()
{
    QFETCH(QStringList, options);
    QFETCH(qint64, offset);
    QFETCH(qint64, length);
    const QByteArray whole = expectedBytes(topExtents());
    QCOMPARE(whole.size(), qsizetype{23552});
    const CliResult result =
        runCli(QStringList{QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("top")} + options +
               QStringList{QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    const QByteArray expected = whole.mid(offset, length);
    QCOMPARE(result.out.size(), expected.size());
    QVERIFY(result.out == expected);
}

void TestCliDm::readWithMegabyteSuffixes()
{
    // big maps the second MiB of b.img, then the first MiB of a.img.
    const QString spec = QStringLiteral("big,,,ro,0 2048 linear %1 2048,2048 2048 linear %2 0").arg(m_b, m_a);
    const CliResult result =
        runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("big"),
                QStringLiteral("--offset"), QStringLiteral("1M"), QStringLiteral("--length"),
                QStringLiteral("1MiB"), QStringLiteral("--concise"), spec});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.size(), qsizetype{1 << 20});
    QVERIFY(result.out == patternBytes(1, 0, 1 << 20));

    const CliResult across =
        runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("big"),
                QStringLiteral("--offset"), QStringLiteral("1023K"), QStringLiteral("--length"),
                QStringLiteral("3K"), QStringLiteral("--concise"), spec});
    QCOMPARE(across.err, QByteArray());
    QCOMPARE(across.exitCode, 0);
    QVERIFY(across.out == patternBytes(2, (1 << 20) + 1023 * 1024, 1024) + patternBytes(1, 0, 2048));
}

void TestCliDm::readToOutputFile()
{
    const QString output = m_dir->filePath(QStringLiteral("out.bin"));
    QVERIFY(writeText(output, QByteArray(100000, 'x'))); // truncated by the read
    const CliResult result = runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("top"),
                                     QStringLiteral("--offset"), QStringLiteral("100"),
                                     QStringLiteral("--length"), QStringLiteral("3000"), QStringLiteral("-o"),
                                     output, QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray());
    QVERIFY(readFile(output) == expectedBytes(topExtents()).mid(100, 3000));

    const QString second = m_dir->filePath(QStringLiteral("mid.bin"));
    const CliResult longForm =
        runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("--output=") + second,
                QStringLiteral("mid"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(longForm.err, QByteArray());
    QCOMPARE(longForm.exitCode, 0);
    QCOMPARE(longForm.out, QByteArray());
    QVERIFY(readFile(second) == expectedBytes(midExtents()));

    // A refused read leaves the output file as it was.
    const CliResult refused = runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("top"),
                                      QStringLiteral("--offset"), QStringLiteral("23000"),
                                      QStringLiteral("--length"), QStringLiteral("1K"), QStringLiteral("-o"),
                                      output, QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(refused.exitCode, 1);
    QCOMPARE(refused.out, QByteArray());
    QCOMPARE(refused.err,
             QByteArray("cryptstack: dm read: --length 1024 at offset 23000 reaches past the end of "
                        "\"top\" (23552 bytes)\n"));
    QVERIFY(readFile(output) == expectedBytes(topExtents()).mid(100, 3000));
    const CliResult unknown = runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("nosuch"),
                                      QStringLiteral("-o"), m_dir->filePath(QStringLiteral("never.bin"))});
    QCOMPARE(unknown.exitCode, 4);
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("never.bin"))));

    // "-o -" is stdout.
    const CliResult dash = runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("pool"),
                                   QStringLiteral("-o"), QStringLiteral("-"), QStringLiteral("--length"),
                                   QStringLiteral("512"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(dash.err, QByteArray());
    QCOMPARE(dash.exitCode, 0);
    QVERIFY(dash.out == patternBytes(1, 32 * 512, 512));
}

void TestCliDm::optionsBeforeAndAfterPositionals()
{
    const QByteArray whole = expectedBytes(topExtents());
    const QList<QStringList> spellings{
        {QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("--length"), QStringLiteral("700"),
         QStringLiteral("top"), QStringLiteral("--offset=1500"), QStringLiteral("--concise"), stackSpec()},
        {QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("--concise"), stackSpec(),
         QStringLiteral("--offset"), QStringLiteral("1500"), QStringLiteral("--length=700"),
         QStringLiteral("top")},
        {QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("--concise=") + stackSpec(),
         QStringLiteral("top"), QStringLiteral("--length"), QStringLiteral("700"), QStringLiteral("--offset"),
         QStringLiteral("1500")},
        {QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("--offset"), QStringLiteral("1500"),
         QStringLiteral("--length"), QStringLiteral("700"), QStringLiteral("--concise"), stackSpec(),
         QStringLiteral("--"), QStringLiteral("top")},
    };
    for (const QStringList& arguments : spellings) {
        const CliResult result = runCli(arguments);
        QCOMPARE(result.err, QByteArray());
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out == whole.mid(1500, 700), qPrintable(arguments.join(u' ')));
    }
    const CliResult table =
        runCli({QStringLiteral("dm"), QStringLiteral("table"), QStringLiteral("--concise"), stackSpec(),
                QStringLiteral("top"), QStringLiteral("--showkeys")});
    QCOMPARE(table.err, QByteArray());
    QCOMPARE(table.exitCode, 0);
    QCOMPARE(table.out, QByteArray("0 30 linear mid 4\n30 16 linear pool 0\n"));
}

void TestCliDm::writeFromStdinLandsAtImageOffsets()
{
    // Bytes 1000..4000 of top: the tail of a.img sector 46..48, then b.img from sector 100.
    QHash<QString, QByteArray> expected = imageContents();
    const QByteArray data = patternBytes(77, 0, 3000);
    applyWrite(topExtents(), 1000, data, &expected);
    QCOMPARE(expected.value(m_a).mid(46 * 512 + 1000, 24), data.left(24));
    QCOMPARE(expected.value(m_b).mid(100 * 512, 2976), data.mid(24));

    const CliResult result =
        runCli({QStringLiteral("dm"), QStringLiteral("write"), QStringLiteral("top"),
                QStringLiteral("--offset"), QStringLiteral("1000"), QStringLiteral("--concise"), stackSpec()},
               data);
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray());
    compareImages(expected);
    QVERIFY(readFile(m_a, 46 * 512 + 1000, 24) == data.left(24));
    QVERIFY(readFile(m_b, 100 * 512, 2976) == data.mid(24));

    // Read back through the stack.
    const CliResult back =
        runCli({QStringLiteral("dm"), QStringLiteral("read"), QStringLiteral("top"),
                QStringLiteral("--offset"), QStringLiteral("1000"), QStringLiteral("--length"),
                QStringLiteral("3000"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(back.exitCode, 0);
    QVERIFY(back.out == data);

    // An empty stdin writes nothing and succeeds.
    const CliResult empty = runCli({QStringLiteral("dm"), QStringLiteral("write"), QStringLiteral("top"),
                                    QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(empty.err, QByteArray());
    QCOMPARE(empty.exitCode, 0);
    compareImages(expected);
}

void TestCliDm::writeFromInputFileLandsAtImageOffsets()
{
    // Bytes 7000..17000 of top: a.img 64..70, b.img 40..54, a.img 32..48 (not its last two sectors).
    QHash<QString, QByteArray> expected = imageContents();
    const QByteArray data = patternBytes(88, 0, 10000);
    applyWrite(topExtents(), 7000, data, &expected);
    const QString input = m_dir->filePath(QStringLiteral("in.bin"));
    QVERIFY(writeText(input, data));

    const CliResult result = runCli({QStringLiteral("dm"), QStringLiteral("write"), QStringLiteral("-i"),
                                     input, QStringLiteral("--concise"), stackSpec(), QStringLiteral("top"),
                                     QStringLiteral("--offset=7000")},
                                    QByteArray("stdin is not used"));
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray());
    compareImages(expected);
    // By hand: top byte 7000 is top sector 13 + 344, which is a.img sector 64 + 3 (top 10..16 is
    // a.img 64..70).
    QVERIFY(readFile(m_a, (64 + 3) * 512 + 344, 1192) == data.left(1192));
    QVERIFY(readFile(m_b, 40 * 512, 14 * 512) == data.mid(1192, 14 * 512));
    QVERIFY(readFile(m_a, 32 * 512, 17000 - 30 * 512) == data.mid(1192 + 14 * 512));
    QVERIFY(readFile(m_a, 32 * 512 + 17000 - 30 * 512, 100) ==
            patternBytes(1, 32 * 512 + 17000 - 30 * 512, 100));

    // --input=FILE and a K suffix on the offset, to the last byte of the device.
    const QByteArray tail = patternBytes(99, 0, 1024);
    QVERIFY(writeText(input, tail));
    applyWrite(topExtents(), 22528, tail, &expected);
    const CliResult suffixed = runCli({QStringLiteral("dm"), QStringLiteral("write"), QStringLiteral("top"),
                                       QStringLiteral("--input=") + input, QStringLiteral("--offset"),
                                       QStringLiteral("22K"), QStringLiteral("--concise"), stackSpec()});
    QCOMPARE(suffixed.err, QByteArray());
    QCOMPARE(suffixed.exitCode, 0);
    compareImages(expected);
    QVERIFY(readFile(m_a, 46 * 512, 1024) == tail);
}

void TestCliDm::writeUnalignedThroughMiddleLevel()
{
    QHash<QString, QByteArray> expected = imageContents();
    const QByteArray data("hello, unaligned world");
    applyWrite(midExtents(), 3067, data, &expected); // straddles mid's a.img 42..48 / b.img 100 boundary
    const CliResult result =
        runCli({QStringLiteral("dm"), QStringLiteral("write"), QStringLiteral("mid"),
                QStringLiteral("--offset"), QStringLiteral("3067"), QStringLiteral("--concise"), stackSpec()},
               data);
    QCOMPARE(result.err, QByteArray());
    QCOMPARE(result.exitCode, 0);
    compareImages(expected);
    QCOMPARE(readFile(m_a, 48 * 512 - 5, 5), data.left(5));
    QCOMPARE(readFile(m_b, 100 * 512, data.size() - 5), data.mid(5));
}

void TestCliDm::longUnalignedFileWriteThroughCrypt_data()
{
    QTest::addColumn<int>("sectorSize");
    QTest::newRow("512-byte sectors") << 512;
    QTest::newRow("4096-byte sectors") << 4096;
}

void TestCliDm::longUnalignedFileWriteThroughCrypt()
{
    // A file longer than one copy chunk, written at an offset inside a crypt sector: the chunks
    // in flight at once must not share a partial sector, or one read-modify-write loses another's
    // bytes. Read back through the device, every byte matches and the bytes around are untouched.
    QFETCH(int, sectorSize);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString image = createImage(dir.path(), QStringLiteral("crypt.img"), 8 << 20, 11);
    const QString input = createImage(dir.path(), QStringLiteral("input.bin"), (3 << 20) + 777, 12);
    const QString concise = QStringLiteral("c,,,rw,0 16384 crypt aes-xts-plain64 %1 0 %2 0 1 sector_size:%3")
                                .arg(QStringLiteral("0123456789abcdef").repeated(4) +
                                         QStringLiteral("fedcba9876543210").repeated(4),
                                     image)
                                .arg(sectorSize);
    const QString before = dir.filePath(QStringLiteral("before.bin"));
    QCOMPARE(runCli({"dm", "read", "c", "-o", before, "--concise", concise}).exitCode, 0);

    const CliResult written =
        runCli({"dm", "write", "c", "--offset", "100", "-i", input, "--concise", concise});
    QCOMPARE(written.err, QByteArray());
    QCOMPARE(written.exitCode, 0);

    const QString after = dir.filePath(QStringLiteral("after.bin"));
    QCOMPARE(runCli({"dm", "read", "c", "-o", after, "--concise", concise}).exitCode, 0);
    const QByteArray old = readFile(before);
    const QByteArray now = readFile(after);
    const QByteArray data = readFile(input);
    QCOMPARE(now.size(), old.size());
    QVERIFY(now.mid(100, data.size()) == data);
    QVERIFY(now.left(100) == old.left(100));
    QVERIFY(now.mid(100 + data.size()) == old.mid(100 + data.size()));
}

void TestCliDm::errorsAreOneLineAndLeaveImagesUntouched_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("error"); // %1 a.img, %2 b.img, %3 the temporary directory

    const QString dm = QStringLiteral("dm");
    const QString concise = QStringLiteral("--concise");
    const QString good = QStringLiteral("top,,,rw,0 16 linear %1 0");

    // Malformed concise strings.
    QTest::newRow("concise too few fields")
        << QStringList{dm, QStringLiteral("table"), concise, QStringLiteral("top,,,rw")} << QByteArray() << 1
        << QStringLiteral(
               "concise device 1: expected \"name,uuid,minor,flags,table[,table]...\" but found 4 field(s)");
    QTest::newRow("concise empty") << QStringList{dm, QStringLiteral("ls"), concise, QString()}
                                   << QByteArray() << 1
                                   << QStringLiteral("concise device specification is empty");
    QTest::newRow("concise bad flags")
        << QStringList{dm, QStringLiteral("read"), QStringLiteral("top"), concise,
                       QStringLiteral("top,,,rx,0 16 linear %1 0")}
        << QByteArray() << 1
        << QStringLiteral("concise device \"top\": invalid flags \"rx\" (expected ro or "
                          "rw)");
    QTest::newRow("concise duplicate name")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("top"), concise,
                       QStringLiteral("top,,,rw,0 16 linear %1 0;top,,,rw,0 16 linear %2 0")}
        << QByteArray("data") << 1 << QStringLiteral("concise device \"top\": defined more than once");
    QTest::newRow("concise dangling backslash")
        << QStringList{dm, QStringLiteral("table"), concise, QStringLiteral("top,,,rw,0 16 linear %1 0\\")}
        << QByteArray() << 1
        << QStringLiteral("concise device 1: backslash at the end with nothing to escape");
    QTest::newRow("concise file missing")
        << QStringList{dm, QStringLiteral("table"), QStringLiteral("--concise-file"),
                       QStringLiteral("%3/nope.concise")}
        << QByteArray() << 4
        << QStringLiteral("cannot read concise file \"%3/nope.concise\": No such file or directory");

    // Bad table lines.
    QTest::newRow("linear bad sector")
        << QStringList{dm, QStringLiteral("table"), concise, QStringLiteral("top,,,rw,0 16 linear %1 x")}
        << QByteArray() << 1 << QStringLiteral("device \"top\", table line 1: linear: Invalid device sector");
    QTest::newRow("linear argument count")
        << QStringList{dm, QStringLiteral("read"), QStringLiteral("top"), concise,
                       QStringLiteral("top,,,rw,0 16 linear %1")}
        << QByteArray() << 1
        << QStringLiteral("device \"top\", table line 1: linear: Invalid argument count");
    QTest::newRow("gap on line 2") << QStringList{dm, QStringLiteral("ls"), concise,
                                                  QStringLiteral("top,,,rw,0 8 linear %1 0,16 8 zero")}
                                   << QByteArray() << 1
                                   << QStringLiteral("device \"top\", table line 2: zero: Gap in table");
    QTest::newRow("unknown target")
        << QStringList{dm, QStringLiteral("ls"), concise, QStringLiteral("top,,,rw,0 8 stripe %1 0")}
        << QByteArray() << 1 << QStringLiteral("device \"top\", table line 1: stripe: unknown target type");
    QTest::newRow("lower device too small")
        << QStringList{dm, QStringLiteral("ls"), concise,
                       QStringLiteral("low,,,rw,0 8 linear %1 0;top,,,rw,0 16 linear low 0")}
        << QByteArray() << 1
        << QStringLiteral("device \"top\", table line 1: linear: low too small for target: start=0, len=16, "
                          "dev_size=8");
    QTest::newRow("second device bad, first rolled back")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("low"), concise,
                       QStringLiteral("low,,,rw,0 16 linear %1 0;top,,,rw,0 8 delay low 0")}
        << QByteArray("x") << 1
        << QStringLiteral("device \"top\", table line 1: delay: Requires exactly 3, 6 or 9 arguments");
    QTest::newRow("rw over ro device")
        << QStringList{dm, QStringLiteral("ls"), concise,
                       QStringLiteral("low,,,ro,0 16 linear %1 0;top,,,rw,0 16 linear low 0")}
        << QByteArray() << 2
        << QStringLiteral("device \"top\", table line 1: linear: Device lookup failed: \"low\" is read-only");

    // Unknown device and missing image.
    QTest::newRow("unknown device for table")
        << QStringList{dm, QStringLiteral("table"), QStringLiteral("nosuch"), concise, good} << QByteArray()
        << 4 << QStringLiteral("device \"nosuch\" does not exist");
    QTest::newRow("unknown device for info")
        << QStringList{dm, QStringLiteral("info"), QStringLiteral("nosuch")} << QByteArray() << 4
        << QStringLiteral("device \"nosuch\" does not exist");
    QTest::newRow("unknown device for read")
        << QStringList{dm, QStringLiteral("read"), QStringLiteral("nosuch"), concise, good} << QByteArray()
        << 4 << QStringLiteral("device \"nosuch\" does not exist");
    QTest::newRow("unknown device for write")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("nosuch"), concise, good}
        << QByteArray("data") << 4 << QStringLiteral("device \"nosuch\" does not exist");
    QTest::newRow("missing image")
        << QStringList{dm, QStringLiteral("read"), QStringLiteral("top"), concise,
                       QStringLiteral("top,,,rw,0 16 linear %3/missing.img 0")}
        << QByteArray() << 4
        << QStringLiteral(
               "device \"top\", table line 1: linear: Device lookup failed: no device or image file named "
               "\"%3/missing.img\"");
    QTest::newRow("missing image in third device")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("top"), concise,
                       QStringLiteral(
                           "top,,,rw,0 16 linear %1 0;b,,,rw,0 8 linear %2 0;c,,,rw,0 8 linear %3/gone 0")}
        << QByteArray("data") << 4
        << QStringLiteral(
               "device \"c\", table line 1: linear: Device lookup failed: no device or image file named "
               "\"%3/gone\"");

    // Reads and writes out of range.
    QTest::newRow("write past the end")
        << QStringList{dm,
                       QStringLiteral("write"),
                       QStringLiteral("top"),
                       QStringLiteral("--offset"),
                       QStringLiteral("8000"),
                       concise,
                       good}
        << QByteArray(200, 'w') << 1
        << QStringLiteral(
               "dm write: input is longer than the 192 bytes from offset 8000 to the end of \"top\"; "
               "nothing was written");
    QTest::newRow("write much longer than the device")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("top"), concise, good}
        << QByteArray(3 << 20, 'w') << 1
        << QStringLiteral(
               "dm write: input is longer than the 8192 bytes from offset 0 to the end of \"top\"; "
               "nothing was written");
    QTest::newRow("write offset past the end")
        << QStringList{dm,
                       QStringLiteral("write"),
                       QStringLiteral("top"),
                       QStringLiteral("--offset"),
                       QStringLiteral("9K"),
                       concise,
                       good}
        << QByteArray("w") << 1
        << QStringLiteral("dm write: --offset 9216 is past the end of \"top\" (8192 bytes)");
    QTest::newRow("read past the end")
        << QStringList{dm,
                       QStringLiteral("read"),
                       QStringLiteral("top"),
                       QStringLiteral("--offset"),
                       QStringLiteral("8000"),
                       QStringLiteral("--length"),
                       QStringLiteral("193"),
                       concise,
                       good}
        << QByteArray() << 1
        << QStringLiteral(
               "dm read: --length 193 at offset 8000 reaches past the end of \"top\" (8192 bytes)");
    QTest::newRow("read offset past the end")
        << QStringList{dm,
                       QStringLiteral("read"),
                       QStringLiteral("top"),
                       QStringLiteral("--offset"),
                       QStringLiteral("8193"),
                       concise,
                       good}
        << QByteArray() << 1
        << QStringLiteral("dm read: --offset 8193 is past the end of \"top\" (8192 bytes)");
    QTest::newRow("bad byte count") << QStringList{dm,
                                                   QStringLiteral("read"),
                                                   QStringLiteral("top"),
                                                   QStringLiteral("--length"),
                                                   QStringLiteral("12Q"),
                                                   concise,
                                                   good}
                                    << QByteArray() << 1
                                    << QStringLiteral("dm read: --length: invalid byte count \"12Q\"");
    QTest::newRow("write input file missing")
        << QStringList{dm,
                       QStringLiteral("write"),
                       QStringLiteral("top"),
                       QStringLiteral("-i"),
                       QStringLiteral("%3/absent.bin"),
                       concise,
                       good}
        << QByteArray() << 1 << QStringLiteral("cannot open \"%3/absent.bin\": No such file or directory");

    // Read-only devices.
    QTest::newRow("write to ro device")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("top"), concise,
                       QStringLiteral("top,,,ro,0 16 linear %1 0")}
        << QByteArray("data") << 2 << QStringLiteral("dm write: device \"top\" is read-only");
    QTest::newRow("write to ro top of a stack")
        << QStringList{dm,
                       QStringLiteral("write"),
                       QStringLiteral("top"),
                       QStringLiteral("--offset"),
                       QStringLiteral("512"),
                       concise,
                       QStringLiteral("low,,,rw,0 16 linear %1 0;top,,,ro,0 16 linear low 0")}
        << QByteArray("data") << 2 << QStringLiteral("dm write: device \"top\" is read-only");

    // Command-line mistakes.
    QTest::newRow("unknown option") << QStringList{dm, QStringLiteral("table"), QStringLiteral("--bogus")}
                                    << QByteArray() << 1
                                    << QStringLiteral("dm table: unknown option --bogus");
    QTest::newRow("unknown short option")
        << QStringList{dm, QStringLiteral("read"), QStringLiteral("top"), QStringLiteral("-x"), concise, good}
        << QByteArray() << 1 << QStringLiteral("dm read: unknown option -x");
    QTest::newRow("flag given a value")
        << QStringList{dm, QStringLiteral("ls"), QStringLiteral("--tree=yes")} << QByteArray() << 1
        << QStringLiteral("dm ls: option --tree takes no value");
    QTest::newRow("option without its value")
        << QStringList{dm,   QStringLiteral("read"),    QStringLiteral("top"), concise,
                       good, QStringLiteral("--offset")}
        << QByteArray() << 1 << QStringLiteral("dm read: option --offset needs a value (BYTES)");
    QTest::newRow("unknown dm command")
        << QStringList{dm, QStringLiteral("frobnicate"), QStringLiteral("top")} << QByteArray() << 1
        << QStringLiteral("unknown command \"dm frobnicate\"; run 'cryptstack --help' "
                          "for the list");
    QTest::newRow("unknown command") << QStringList{QStringLiteral("mount"), QStringLiteral("x")}
                                     << QByteArray() << 1
                                     << QStringLiteral(
                                            "unknown command \"mount\"; run 'cryptstack --help' for the "
                                            "list");
    QTest::newRow("dm alone") << QStringList{dm} << QByteArray() << 1
                              << QStringLiteral(
                                     "unknown command \"dm\"; run 'cryptstack --help' for the list");

    // Extra arguments.
    QTest::newRow("table extra argument")
        << QStringList{dm,  QStringLiteral("table"), QStringLiteral("top"), QStringLiteral("more"), concise,
                       good}
        << QByteArray() << 1
        << QStringLiteral("dm table: unexpected argument \"more\" (usage: cryptstack dm table [NAME])");
    QTest::newRow("status extra argument")
        << QStringList{dm,  QStringLiteral("status"), QStringLiteral("top"), QStringLiteral("top"), concise,
                       good}
        << QByteArray() << 1
        << QStringLiteral("dm status: unexpected argument \"top\" (usage: cryptstack dm status [NAME])");
    QTest::newRow("ls extra argument")
        << QStringList{dm, QStringLiteral("ls"), QStringLiteral("top"), concise, good} << QByteArray() << 1
        << QStringLiteral("dm ls: unexpected argument \"top\"");
    QTest::newRow("read two names")
        << QStringList{dm,  QStringLiteral("read"), QStringLiteral("top"), QStringLiteral("top"), concise,
                       good}
        << QByteArray() << 1
        << QStringLiteral(
               "dm read: expected one device name (usage: cryptstack dm read NAME [--offset BYTES] "
               "[--length BYTES] [-o FILE])");
    QTest::newRow("read no name") << QStringList{dm, QStringLiteral("read"), concise, good} << QByteArray()
                                  << 1
                                  << QStringLiteral(
                                         "dm read: expected one device name (usage: cryptstack dm read NAME "
                                         "[--offset BYTES] [--length BYTES] [-o FILE])");
    QTest::newRow("write two names")
        << QStringList{dm, QStringLiteral("write"), QStringLiteral("top"), QStringLiteral("x"), concise, good}
        << QByteArray("data") << 1
        << QStringLiteral(
               "dm write: expected one device name (usage: cryptstack dm write NAME [--offset BYTES] [-i "
               "FILE])");
    QTest::newRow("shell positional")
        << QStringList{QStringLiteral("shell"), QStringLiteral("script.dm")} << QByteArray() << 1
        << QStringLiteral("shell: unexpected argument \"script.dm\"; give a script with -f");
}

void TestCliDm::errorsAreOneLineAndLeaveImagesUntouched()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, input);
    QFETCH(int, exitCode);
    QFETCH(QString, error);
    for (QString& argument : arguments)
        argument = argument.replace(QStringLiteral("%1"), m_a)
                       .replace(QStringLiteral("%2"), m_b)
                       .replace(QStringLiteral("%3"), m_dir->path());
    error = error.replace(QStringLiteral("%1"), m_a)
                .replace(QStringLiteral("%2"), m_b)
                .replace(QStringLiteral("%3"), m_dir->path());
    const QByteArray digestA = fileDigest(m_a);
    const QByteArray digestB = fileDigest(m_b);

    const CliResult result = runCli(arguments, input);
    QCOMPARE(result.out, QByteArray());
    QCOMPARE(lines(result.err).size(), 1);
    QVERIFY(result.err.endsWith('\n'));
    QCOMPARE(QString::fromUtf8(result.err), QStringLiteral("cryptstack: ") + error + u'\n');
    QCOMPARE(result.exitCode, exitCode);
    QCOMPARE(fileDigest(m_a), digestA);
    QCOMPARE(fileDigest(m_b), digestB);
}

QTEST_GUILESS_MAIN(TestCliDm)
#include "TestCliDm.moc"
