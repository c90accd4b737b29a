// Stacks of mapped devices over image files: multi-segment tables, three levels deep, reload,
// size checks, cycles, busy removal, read-only devices — always checked against the image bytes.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr qint64 ImageBytes = 1 << 20; // 2048 sectors each
constexpr uint32_t SeedA = 11;
constexpr uint32_t SeedB = 22;

QByteArray readAll(BlockDevice& device)
{
    QByteArray bytes(static_cast<qsizetype>(device.sizeBytes()), Qt::Uninitialized);
    const Status status = device.readSectors(0, bytes.data(), static_cast<uint64_t>(bytes.size()));
    if (!status)
        qWarning("%s", qPrintable(status.message()));
    return bytes;
}

} // namespace

class TestDeviceStack : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void threeLevelStackReadsImageRegions();
    void threeLevelStackWritesLandInPlace();
    void ioSpanningSegmentsSplitsCorrectly();
    void outOfRangeIoFails();
    void reloadSwapsTableAtResume();
    void reloadKeepsOldTableWhenNewOneIsBad();
    void cyclesAreRefused();
    void removeRefusedWhileInUse();
    void readOnlyDeviceRefusesWrites();
    void mapperPathNamesDevice();
    void tooSmallLowerDeviceIsRefused();
    void duplicateNamesAndUuidsAreRefused();
    void invalidNamesAreRefused();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_a, m_b;
    std::unique_ptr<DeviceRegistry> m_registry;

    // Expected contents of the three-level stack built by buildStack().
    QByteArray expectedTop() const;
    void buildStack();
};

void TestDeviceStack::init()
{
    m_registry.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    m_a = createImage(m_dir->path(), QStringLiteral("a.img"), ImageBytes, SeedA);
    m_b = createImage(m_dir->path(), QStringLiteral("b.img"), ImageBytes, SeedB);
    m_registry = std::make_unique<DeviceRegistry>();
}

// low:  [0,1000) = a.img@500, [1000,1500) = b.img@0, [1500,2000) = a.img@0
// mid:  [0,300) = low@1700, [300,1300) = low@100
// top:  [0,200) = mid@1100, [200,400) = mid@0
void TestDeviceStack::buildStack()
{
    DeviceCreateOptions options;
    options.baseDirectory = m_dir->path();
    QVERIFY(m_registry->create(QStringLiteral("low"),
                               {QStringLiteral("0 1000 linear a.img 500"),
                                QStringLiteral("1000 500 linear b.img 0"),
                                QStringLiteral("1500 500 linear a.img 0")},
                               options));
    QVERIFY(m_registry->create(QStringLiteral("mid"), {QStringLiteral("0 300 linear low 1700"),
                                                       QStringLiteral("300 1000 linear low 100")}));
    QVERIFY(m_registry->create(QStringLiteral("top"), {QStringLiteral("0 200 linear mid 1100"),
                                                       QStringLiteral("200 200 linear mid 0")}));
}

QByteArray TestDeviceStack::expectedTop() const
{
    auto sectors = [](uint32_t seed, qint64 first, qint64 count) {
        return patternBytes(seed, static_cast<uint64_t>(first) * 512, count * 512);
    };
    // low sector s -> image region
    auto low = [&](qint64 first, qint64 count) {
        QByteArray out;
        for (qint64 s = first; s < first + count; ++s) {
            if (s < 1000)
                out += sectors(SeedA, 500 + s, 1);
            else if (s < 1500)
                out += sectors(SeedB, s - 1000, 1);
            else
                out += sectors(SeedA, s - 1500, 1);
        }
        return out;
    };
    auto mid = [&](qint64 first, qint64 count) {
        QByteArray out;
        for (qint64 s = first; s < first + count; ++s)
            out += s < 300 ? low(1700 + s, 1) : low(100 + (s - 300), 1);
        return out;
    };
    return mid(1100, 200) + mid(0, 200);
}

void TestDeviceStack::threeLevelStackReadsImageRegions()
{
    buildStack();
    auto top = m_registry->find(QStringLiteral("top"));
    QVERIFY(top);
    QCOMPARE(top->sectors(), uint64_t{400});
    QCOMPARE(readAll(*top), expectedTop());
    // An unaligned byte range inside the stack.
    QByteArray some(777, Qt::Uninitialized);
    QVERIFY(top->readBytes(200 * 512 - 300, some.data(), 777));
    QCOMPARE(some, expectedTop().mid(200 * 512 - 300, 777));
}

void TestDeviceStack::threeLevelStackWritesLandInPlace()
{
    buildStack();
    auto top = m_registry->find(QStringLiteral("top"));
    // top sector 250 -> mid 50 -> low 1750 -> a.img sector 250
    // top sector 10  -> mid 1110 -> low 910 -> a.img sector 1410
    const QByteArray one = patternBytes(77, 0, 512);
    const QByteArray two = patternBytes(88, 0, 1024);
    QVERIFY(top->writeSectors(250, one.constData(), 512));
    QVERIFY(top->writeSectors(10, two.constData(), 1024));
    QVERIFY(top->flush());
    QByteArray expectedA = patternBytes(SeedA, 0, ImageBytes);
    expectedA.replace(250 * 512, 512, one);
    expectedA.replace(1410 * 512, 1024, two);
    QCOMPARE(readFile(m_a), expectedA);
    QCOMPARE(readFile(m_b), patternBytes(SeedB, 0, ImageBytes));
}

void TestDeviceStack::ioSpanningSegmentsSplitsCorrectly()
{
    buildStack();
    auto low = m_registry->find(QStringLiteral("low"));
    // Sectors 990..1510 touch all three segments of low.
    const QByteArray data = patternBytes(99, 0, 520 * 512);
    QVERIFY(low->writeSectors(990, data.constData(), static_cast<uint64_t>(data.size())));
    QCOMPARE(readFile(m_a, (500 + 990) * 512, 10 * 512), data.left(10 * 512));
    QCOMPARE(readFile(m_b, 0, 500 * 512), data.mid(10 * 512, 500 * 512));
    QCOMPARE(readFile(m_a, 0, 10 * 512), data.mid(510 * 512, 10 * 512));
    QByteArray back(data.size(), Qt::Uninitialized);
    QVERIFY(low->readSectors(990, back.data(), static_cast<uint64_t>(back.size())));
    QCOMPARE(back, data);
}

void TestDeviceStack::outOfRangeIoFails()
{
    buildStack();
    auto top = m_registry->find(QStringLiteral("top"));
    const QByteArray before = fileDigest(m_a);
    QByteArray buffer(1024, 'x');
    const Status status = top->writeSectors(399, buffer.constData(), 1024);
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QStringLiteral("beyond end of device")), qPrintable(status.message()));
    QCOMPARE(fileDigest(m_a), before);
}

void TestDeviceStack::reloadSwapsTableAtResume()
{
    buildStack();
    auto mid = m_registry->find(QStringLiteral("mid"));
    QVERIFY(m_registry->reload(QStringLiteral("mid"), {QStringLiteral("0 100 linear low 1000")}));
    // Still the old table until resume.
    QCOMPARE(mid->sectors(), uint64_t{1300});
    QVERIFY(mid->inactiveTable());
    QVERIFY(m_registry->suspend(QStringLiteral("mid")));
    QVERIFY(mid->isSuspended());
    QVERIFY(m_registry->resume(QStringLiteral("mid")));
    QVERIFY(!mid->isSuspended());
    QVERIFY(!mid->inactiveTable());
    QCOMPARE(mid->sectors(), uint64_t{100});
    QCOMPARE(mid->activeTable()->lines(StatusType::Table, false),
             QStringList{QStringLiteral("0 100 linear low 1000")});
    QByteArray first(512, Qt::Uninitialized);
    QVERIFY(mid->readSectors(0, first.data(), 512));
    QCOMPARE(first, patternBytes(SeedB, 0, 512));
    // Resume on a live device with an inactive table suspends around the swap by itself.
    QVERIFY(m_registry->reload(QStringLiteral("mid"), {QStringLiteral("0 10 zero")}));
    QVERIFY(m_registry->resume(QStringLiteral("mid")));
    QCOMPARE(mid->sectors(), uint64_t{10});
}

void TestDeviceStack::reloadKeepsOldTableWhenNewOneIsBad()
{
    buildStack();
    const Status status = m_registry->reload(QStringLiteral("mid"), {QStringLiteral("0 100 linear low x")});
    QCOMPARE(status.message(), QStringLiteral("device \"mid\", table line 1: linear: Invalid device sector"));
    auto mid = m_registry->find(QStringLiteral("mid"));
    QVERIFY(!mid->inactiveTable());
    QCOMPARE(mid->sectors(), uint64_t{1300});
}

void TestDeviceStack::cyclesAreRefused()
{
    buildStack();
    Status status = m_registry->reload(QStringLiteral("low"), {QStringLiteral("0 100 linear top 0")});
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::InvalidArgument);
    QCOMPARE(status.message(),
             QStringLiteral(
                 "device \"low\", table line 1: linear: \"top\" is stacked on \"low\": refusing a cycle"));
    status = m_registry->reload(QStringLiteral("mid"),
                                {QStringLiteral("0 10 zero"), QStringLiteral("10 10 linear mid 0")});
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QStringLiteral("table line 2")), qPrintable(status.message()));
    QVERIFY(!m_registry->find(QStringLiteral("low"))->inactiveTable());
}

void TestDeviceStack::removeRefusedWhileInUse()
{
    buildStack();
    Status status = m_registry->remove(QStringLiteral("low"));
    QCOMPARE(status.code(), ErrorCode::Busy);
    QCOMPARE(status.message(), QStringLiteral("device \"low\" is busy: used by \"mid\""));
    QCOMPARE(m_registry->holders(QStringLiteral("mid")), QStringList{QStringLiteral("top")});
    QVERIFY(m_registry->remove(QStringLiteral("top")));
    QVERIFY(m_registry->remove(QStringLiteral("mid")));
    QVERIFY(m_registry->remove(QStringLiteral("low")));
    QVERIFY(m_registry->names().isEmpty());
    QCOMPARE(m_registry->remove(QStringLiteral("low")).code(), ErrorCode::NoSuchDevice);
}

void TestDeviceStack::readOnlyDeviceRefusesWrites()
{
    DeviceCreateOptions options;
    options.readOnly = true;
    options.baseDirectory = m_dir->path();
    auto device = m_registry->create(QStringLiteral("ro"), {QStringLiteral("0 100 linear a.img 0")}, options);
    QVERIFY(device);
    const QByteArray before = fileDigest(m_a);
    const QByteArray data(512, 'w');
    const Status status = (*device)->writeSectors(0, data.constData(), 512);
    QVERIFY(!status);
    QVERIFY2(status.message().contains(QStringLiteral("read-only")), qPrintable(status.message()));
    QCOMPARE(fileDigest(m_a), before);
    // A read-write table may not stack on a read-only device.
    const auto upper = m_registry->create(QStringLiteral("up"), {QStringLiteral("0 100 linear ro 0")});
    QVERIFY(!upper);
    QCOMPARE(upper.status().code(), ErrorCode::PermissionDenied);
    QCOMPARE(
        upper.message(),
        QStringLiteral("device \"up\", table line 1: linear: Device lookup failed: \"ro\" is read-only"));
}

void TestDeviceStack::mapperPathNamesDevice()
{
    buildStack();
    auto device =
        m_registry->create(QStringLiteral("alias"), {QStringLiteral("0 8 linear /dev/mapper/low 0")});
    QVERIFY2(device, qPrintable(device.message()));
    QCOMPARE((*device)->activeTable()->lines(StatusType::Table, false),
             QStringList{QStringLiteral("0 8 linear /dev/mapper/low 0")});
    QCOMPARE(m_registry->holders(QStringLiteral("low")),
             (QStringList{QStringLiteral("alias"), QStringLiteral("mid")}));
}

void TestDeviceStack::tooSmallLowerDeviceIsRefused()
{
    buildStack();
    const auto device = m_registry->create(QStringLiteral("big"), {QStringLiteral("0 400 linear top 1")});
    QVERIFY(!device);
    QCOMPARE(device.message(), QStringLiteral("device \"big\", table line 1: linear: top too small for "
                                              "target: start=1, len=400, dev_size=400"));
    QVERIFY(!m_registry->find(QStringLiteral("big")));
    QVERIFY(m_registry->holders(QStringLiteral("top")).isEmpty());
}

void TestDeviceStack::duplicateNamesAndUuidsAreRefused()
{
    DeviceCreateOptions options;
    options.uuid = QStringLiteral("CRYPT-1");
    QVERIFY(m_registry->create(QStringLiteral("one"), {QStringLiteral("0 8 zero")}, options));
    auto again = m_registry->create(QStringLiteral("one"), {QStringLiteral("0 8 zero")});
    QCOMPARE(again.status().code(), ErrorCode::Busy);
    QCOMPARE(again.message(), QStringLiteral("device \"one\" already exists"));
    auto sameUuid = m_registry->create(QStringLiteral("two"), {QStringLiteral("0 8 zero")}, options);
    QCOMPARE(sameUuid.status().code(), ErrorCode::Busy);
    QCOMPARE(sameUuid.message(), QStringLiteral("device \"two\": uuid CRYPT-1 is already used by \"one\""));
}

void TestDeviceStack::invalidNamesAreRefused()
{
    for (const QString& name : {QString(), QStringLiteral("a/b"), QStringLiteral(".."),
                                QStringLiteral("with space"), QString(128, u'x')}) {
        const auto device = m_registry->create(name, {QStringLiteral("0 8 zero")});
        QVERIFY2(!device, qPrintable(name));
        QCOMPARE(device.status().code(), ErrorCode::InvalidArgument);
    }
    QVERIFY(m_registry->names().isEmpty());
}

QTEST_GUILESS_MAIN(TestDeviceStack)
#include "TestDeviceStack.moc"
