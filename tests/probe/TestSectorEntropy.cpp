// SectorEntropy's classes on known content (zeroes, English text, random bytes, a half-zero
// block) and ImageEntropyScan over a file with a zeroed, a text and a random region, a sparse hole
// that must not be read, a cancel, and the block size choice.
#include "probe/ImageEntropyScan.h"
#include "probe/SectorEntropy.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

using namespace cryptstack;

namespace {

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QByteArray bytes(size, '\0');
    QRandomGenerator generator(seed);
    generator.fillRange(reinterpret_cast<quint32*>(bytes.data()), size / 4);
    return bytes;
}

QByteArray textBytes(qsizetype size)
{
    const QByteArray sentence =
        "The quick brown fox jumps over the lazy dog; LUKS keeps its keys in slots.\n";
    QByteArray text;
    while (text.size() < size)
        text += sentence;
    return text.left(size);
}

std::span<const uint8_t> span(const QByteArray& bytes)
{
    return {reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size())};
}

} // namespace

class TestSectorEntropy : public QObject
{
    Q_OBJECT

private slots:
    void classifiesBlocks();
    void yardstickFollowsLength();
    void scansRegions();
    void skipsHolesAndCancels();
};

void TestSectorEntropy::classifiesBlocks()
{
    QCOMPARE(SectorEntropy::classify(span(QByteArray(4096, '\0'))), SectorClass::Zeroed);
    QCOMPARE(SectorEntropy::classify(span(textBytes(4096))), SectorClass::PlaintextLike);
    for (qsizetype size : {512, 4096, 65536})
        QCOMPARE(SectorEntropy::classify(span(randomBytes(size, quint32(size)))),
                 SectorClass::CiphertextLike);
    // Half random, half zeroes: neither text nor ciphertext.
    QCOMPARE(SectorEntropy::classify(span(randomBytes(2048, 7) + QByteArray(2048, '\0'))),
             SectorClass::Mixed);
    ByteHistogram random;
    random.add(span(randomBytes(1 << 20, 3)));
    QVERIFY(SectorEntropy::bitsPerByte(random) > 7.99);
    ByteHistogram text;
    text.add(span(textBytes(4096)));
    QVERIFY(SectorEntropy::bitsPerByte(text) < 5.0);
}

void TestSectorEntropy::yardstickFollowsLength()
{
    QVERIFY(SectorEntropy::expectedRandomBits(512) < 7.7);
    QVERIFY(SectorEntropy::expectedRandomBits(512) > 7.5);
    QVERIFY(SectorEntropy::expectedRandomBits(1 << 20) > 7.999);
    QCOMPARE(ImageEntropyScan::blockBytesFor(16 << 20, 4096, 512), uint64_t(4096));
    QCOMPARE(ImageEntropyScan::blockBytesFor(1000, 4096, 512), uint64_t(512));
    QCOMPARE(ImageEntropyScan::blockBytesFor(3 << 20, 1000, 512) % 512, uint64_t(0));
}

void TestSectorEntropy::scansRegions()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("regions.img"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(64 * 1024, '\0'));
    file.write(textBytes(64 * 1024));
    file.write(randomBytes(64 * 1024, 11));
    file.close();

    EntropyScanRequest request;
    request.path = path;
    request.targetCells = 48;
    uint64_t lastDone = 0;
    auto result = ImageEntropyScan::run(request, [&](uint64_t done, uint64_t total) {
        QVERIFY(done <= total);
        lastDone = done;
    });
    QVERIFY2(result, qPrintable(result.message()));
    QCOMPARE(result->blockBytes, uint64_t(4096));
    QCOMPARE(result->cells.size(), size_t(48));
    QCOMPARE(lastDone, uint64_t(48));
    for (size_t i = 0; i < 48; ++i) {
        const SectorClass expected = i < 16   ? SectorClass::Zeroed
                                     : i < 32 ? SectorClass::PlaintextLike
                                              : SectorClass::CiphertextLike;
        QCOMPARE(result->cells[i].kind, expected);
    }
    QCOMPARE(result->counts[size_t(SectorClass::Zeroed)], uint64_t(16));
    QCOMPARE(result->counts[size_t(SectorClass::PlaintextLike)], uint64_t(16));
    QCOMPARE(result->counts[size_t(SectorClass::CiphertextLike)], uint64_t(16));

    // A sub-range: only the text and random parts.
    request.start = 64 * 1024;
    request.length = 128 * 1024;
    result = ImageEntropyScan::run(request);
    QVERIFY(result);
    QCOMPARE(result->counts[size_t(SectorClass::Zeroed)], uint64_t(0));
    QCOMPARE(result->cells.front().kind, SectorClass::PlaintextLike);
    QCOMPARE(result->cells.back().kind, SectorClass::CiphertextLike);

    request.path = dir.filePath(QStringLiteral("missing.img"));
    result = ImageEntropyScan::run(request);
    QVERIFY(!result);
    QVERIFY(result.message().contains(QStringLiteral("missing.img")));
}

void TestSectorEntropy::skipsHolesAndCancels()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("sparse.img"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(randomBytes(1 << 20, 5));
    QVERIFY(file.resize(64 << 20)); // 63 MiB hole after the data
    file.close();

    EntropyScanRequest request;
    request.path = path;
    request.targetCells = 64;
    auto result = ImageEntropyScan::run(request);
    QVERIFY(result);
    QCOMPARE(result->blockBytes, uint64_t(1 << 20));
    QCOMPARE(result->cells.front().kind, SectorClass::CiphertextLike);
    QVERIFY(!result->cells.front().hole);
    QCOMPARE(result->cells.back().kind, SectorClass::Zeroed);
    // tmpfs and ext4 report holes; a file system that does not just makes every cell read.
    const int fd = ::open(path.toLocal8Bit().constData(), O_RDONLY);
    QVERIFY(fd >= 0);
    const bool reportsHoles = ::lseek(fd, 2 << 20, SEEK_DATA) < 0;
    ::close(fd);
    if (reportsHoles)
        QVERIFY(result->cells.back().hole);

    std::atomic_bool cancel{true};
    result = ImageEntropyScan::run(request, {}, &cancel);
    QVERIFY(result);
    QVERIFY(result->cancelled);
    QVERIFY(result->cells.empty());
}

QTEST_GUILESS_MAIN(TestSectorEntropy)
#include "TestSectorEntropy.moc"
