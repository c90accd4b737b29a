// Concise format: parse good and malformed specs and files, format round trips, all-or-nothing create.
#include "TestImages.h"
#include "dm/ConciseFormat.h"
#include "dm/DeviceRegistry.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

// One expected device, written compactly: "name|uuid|minor|ro|table line|table line...". An empty
// minor means none; ro is "ro" or "rw".
ConciseDevice expectedDevice(const QString& compact)
{
    const QStringList parts = compact.split(u'|');
    ConciseDevice device;
    device.name = parts.at(0);
    device.uuid = parts.at(1);
    if (!parts.at(2).isEmpty())
        device.minor = parts.at(2).toUInt();
    device.readOnly = parts.at(3) == u"ro";
    device.tableLines = parts.mid(4);
    return device;
}

QString describe(const ConciseDevice& device)
{
    return QStringLiteral("name=[%1] uuid=[%2] minor=[%3] ro=%4 table=[%5]")
        .arg(device.name, device.uuid, device.minor ? QString::number(*device.minor) : QStringLiteral("none"),
             device.readOnly ? QStringLiteral("yes") : QStringLiteral("no"),
             device.tableLines.join(QStringLiteral("] [")));
}

QStringList describeAll(const QList<ConciseDevice>& devices)
{
    QStringList all;
    for (const ConciseDevice& device : devices)
        all += describe(device);
    return all;
}

bool writeText(const QString& path, const QByteArray& text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

} // namespace

class TestConciseFormat : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void parsesGoodSpecifications_data();
    void parsesGoodSpecifications();
    void rejectsMalformedSpecifications_data();
    void rejectsMalformedSpecifications();
    void parsesFileWithCommentsAndBlankLines();
    void fileErrorsNameFileAndLine_data();
    void fileErrorsNameFileAndLine();
    void missingFileIsNoSuchDevice();
    void fileWithOnlyCommentsDefinesNothing();
    void relativeImagePathsResolveAgainstFileDirectory();
    void formatRoundTrips_data();
    void formatRoundTrips();
    void formatEscapesSpecialCharacters();
    void createsWholeStack();
    void failingThirdDeviceLeavesNoDevices();
    void failedStackKeepsDevicesThatExistedBefore();

private:
    QTemporaryDir m_dir;
};

void TestConciseFormat::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestConciseFormat::parsesGoodSpecifications_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("empty uuid, minor and flags")
        << QStringLiteral("base,,,,0 2048 linear disk.img 0")
        << QStringList{QStringLiteral("base||||0 2048 linear disk.img 0")};
    QTest::newRow("all fields") << QStringLiteral("vol,CRYPT-1234,7,ro,0 8 zero")
                                << QStringList{QStringLiteral("vol|CRYPT-1234|7|ro|0 8 zero")};
    QTest::newRow("rw flag") << QStringLiteral("vol,,0,rw,0 8 zero")
                             << QStringList{QStringLiteral("vol||0|rw|0 8 zero")};
    QTest::newRow("largest minor") << QStringLiteral("vol,,1048575,,0 8 zero")
                                   << QStringList{QStringLiteral("vol||1048575|rw|0 8 zero")};
    QTest::newRow("several tables") << QStringLiteral("split,,,rw,0 8 linear a.img 0,8 16 zero,24 8 error")
                                    << QStringList{QStringLiteral(
                                           "split||||0 8 linear a.img 0|8 16 zero|24 8 error")};
    QTest::newRow("several devices")
        << QStringLiteral("base,,,rw,0 2048 linear disk.img 0;top,U-2,3,ro,0 2048 linear base 0")
        << QStringList{QStringLiteral("base||||0 2048 linear disk.img 0"),
                       QStringLiteral("top|U-2|3|ro|0 2048 linear base 0")};
    QTest::newRow("trailing semicolon")
        << QStringLiteral("a,,,,0 8 zero;b,,,,0 8 zero;")
        << QStringList{QStringLiteral("a||||0 8 zero"), QStringLiteral("b||||0 8 zero")};
    QTest::newRow("whitespace around fields")
        << QStringLiteral(" a , u , 5 , ro , 0 8 zero ; b,,,,0 8 error ")
        << QStringList{QStringLiteral("a|u|5|ro|0 8 zero"), QStringLiteral("b||||0 8 error")};
    QTest::newRow("escaped comma") << QStringLiteral("my\\,dev,,,,0 8 linear img\\,1 0")
                                   << QStringList{QStringLiteral("my,dev||||0 8 linear img,1 0")};
    QTest::newRow("escaped semicolon")
        << QStringLiteral("a\\;b,,,,0 8 linear x\\;y.img 0;c,,,,0 8 zero")
        << QStringList{QStringLiteral("a;b||||0 8 linear x;y.img 0"), QStringLiteral("c||||0 8 zero")};
    QTest::newRow("escaped backslash") << QStringLiteral("a\\\\b,,,,0 8 linear my\\\\ image 0")
                                       << QStringList{QStringLiteral("a\\b||||0 8 linear my\\ image 0")};
    QTest::newRow("escaped backslash before separator")
        << QStringLiteral("a\\\\,,,,0 8 zero;b,,,,0 8 zero")
        << QStringList{QStringLiteral("a\\||||0 8 zero"), QStringLiteral("b||||0 8 zero")};
    QTest::newRow("escaped ordinary character")
        << QStringLiteral("\\ab,,,,0 8 zero") << QStringList{QStringLiteral("ab||||0 8 zero")};
}

void TestConciseFormat::parsesGoodSpecifications()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    auto stack = parseConcise(text);
    QVERIFY2(stack, qPrintable(stack.message()));
    QList<ConciseDevice> want;
    for (const QString& compact : std::as_const(expected))
        want += expectedDevice(compact);
    QCOMPARE(describeAll(stack->devices), describeAll(want));
    QVERIFY(stack->baseDirectory.isEmpty());
}

void TestConciseFormat::rejectsMalformedSpecifications_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty spec") << QString() << QStringLiteral("concise device specification is empty");
    QTest::newRow("blank spec") << QStringLiteral("   ")
                                << QStringLiteral("concise device specification is empty");
    QTest::newRow("four fields") << QStringLiteral("a,,,rw")
                                 << QStringLiteral(
                                        "concise device 1: expected \"name,uuid,minor,flags,table[,"
                                        "table]...\" but found 4 field(s)");
    QTest::newRow("one field") << QStringLiteral("a")
                               << QStringLiteral("concise device 1: expected \"name,uuid,minor,flags,table[,"
                                                 "table]...\" but found 1 field(s)");
    QTest::newRow("second device too short")
        << QStringLiteral("a,,,,0 8 zero;b,,")
        << QStringLiteral("concise device 2: expected \"name,uuid,minor,flags,table[,table]...\" but found 3 "
                          "field(s)");
    QTest::newRow("empty device between semicolons")
        << QStringLiteral("a,,,,0 8 zero;;b,,,,0 8 zero")
        << QStringLiteral("concise device 2: expected \"name,uuid,minor,flags,table[,table]...\" but found 1 "
                          "field(s)");
    QTest::newRow("empty name") << QStringLiteral(",,,,0 8 zero")
                                << QStringLiteral("concise device 1: device name is empty");
    QTest::newRow("blank name") << QStringLiteral("  ,,,,0 8 zero")
                                << QStringLiteral("concise device 1: device name is empty");
    QTest::newRow("minor not a number")
        << QStringLiteral("a,,x1,,0 8 zero")
        << QStringLiteral("concise device \"a\": invalid minor number \"x1\"");
    QTest::newRow("negative minor") << QStringLiteral("a,,-1,,0 8 zero")
                                    << QStringLiteral("concise device \"a\": invalid minor number \"-1\"");
    QTest::newRow("minor too large") << QStringLiteral("a,,1048576,,0 8 zero")
                                     << QStringLiteral(
                                            "concise device \"a\": invalid minor number \"1048576\"");
    QTest::newRow("bad flags") << QStringLiteral("a,,,rx,0 8 zero")
                               << QStringLiteral(
                                      "concise device \"a\": invalid flags \"rx\" (expected ro or rw)");
    QTest::newRow("upper-case flags")
        << QStringLiteral("a,,,RO,0 8 zero")
        << QStringLiteral("concise device \"a\": invalid flags \"RO\" (expected ro or "
                          "rw)");
    QTest::newRow("empty first table line")
        << QStringLiteral("a,,,rw,") << QStringLiteral("concise device \"a\": table line 1 is empty");
    QTest::newRow("empty second table line") << QStringLiteral("a,,,rw,0 8 zero, ,16 8 zero")
                                             << QStringLiteral("concise device \"a\": table line 2 is empty");
    QTest::newRow("duplicate name") << QStringLiteral("a,,,,0 8 zero;b,,,,0 8 zero;a,,,,0 8 error")
                                    << QStringLiteral("concise device \"a\": defined more than once");
    QTest::newRow("duplicate uuid") << QStringLiteral("a,U1,,,0 8 zero;b,U1,,,0 8 zero")
                                    << QStringLiteral(
                                           "concise device \"b\": uuid \"U1\" is already used by \"a\"");
    QTest::newRow("dangling backslash")
        << QStringLiteral("a,,,,0 8 zero\\")
        << QStringLiteral("concise device 1: backslash at the end with nothing to "
                          "escape");
    QTest::newRow("dangling backslash in second device")
        << QStringLiteral("a,,,,0 8 zero;b,,,,0 8 zero\\")
        << QStringLiteral("concise device 2: backslash at the end with nothing to escape");
}

void TestConciseFormat::rejectsMalformedSpecifications()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    auto stack = parseConcise(text);
    QVERIFY(!stack);
    QCOMPARE(stack.message(), message);
    QCOMPARE(stack.status().code(), ErrorCode::InvalidArgument);
}

void TestConciseFormat::parsesFileWithCommentsAndBlankLines()
{
    const QString path = m_dir.filePath(QStringLiteral("stack.concise"));
    QVERIFY(writeText(path, "# a two-level stack\n"
                            "\n"
                            "base,,,rw,0 2048 linear disk.img 0\n"
                            "   \n"
                            "   # indented comment\n"
                            "top,U-9,12,ro,0 1024 linear base 0,1024 1024 zero\n"
                            "x,,,,0 8 zero;y,,,,0 8 error;\n"
                            "\n"));
    auto stack = parseConciseFile(path);
    QVERIFY2(stack, qPrintable(stack.message()));
    const QList<ConciseDevice> want{
        expectedDevice(QStringLiteral("base||||0 2048 linear disk.img 0")),
        expectedDevice(QStringLiteral("top|U-9|12|ro|0 1024 linear base 0|1024 1024 zero")),
        expectedDevice(QStringLiteral("x||||0 8 zero")), expectedDevice(QStringLiteral("y||||0 8 error"))};
    QCOMPARE(describeAll(stack->devices), describeAll(want));
    QCOMPARE(stack->baseDirectory, QFileInfo(path).absolutePath());
}

void TestConciseFormat::fileErrorsNameFileAndLine_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message"); // %1 is the file's path

    QTest::newRow("bad flags on line 3")
        << QByteArray("# comment\na,,,,0 8 zero\nb,,,xx,0 8 zero\n")
        << QStringLiteral("%1:3: device \"b\": invalid flags \"xx\" (expected ro or "
                          "rw)");
    QTest::newRow("duplicate name across lines")
        << QByteArray("a,,,,0 8 zero\n\nb,,,,0 8 zero\na,,,,0 8 zero\n")
        << QStringLiteral("%1:4: device \"a\": defined more than once");
    QTest::newRow("duplicate uuid across lines")
        << QByteArray("a,U,,,0 8 zero\nb,U,,,0 8 zero\n")
        << QStringLiteral("%1:2: device \"b\": uuid \"U\" is already used "
                          "by \"a\"");
    QTest::newRow("too few fields") << QByteArray("\n\na,,\n")
                                    << QStringLiteral(
                                           "%1:3: device 1: expected \"name,uuid,minor,flags,table[,"
                                           "table]...\" but found 3 field(s)");
    QTest::newRow("dangling backslash")
        << QByteArray("a,,,,0 8 zero\nb,,,,0 8 zero\\\n")
        << QStringLiteral("%1:2: device 2: backslash at the end with nothing to "
                          "escape");
}

void TestConciseFormat::fileErrorsNameFileAndLine()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString path =
        m_dir.filePath(QStringLiteral("bad-%1.concise").arg(QTest::currentDataTag()).replace(u' ', u'-'));
    QVERIFY(writeText(path, content));
    auto stack = parseConciseFile(path);
    QVERIFY(!stack);
    QCOMPARE(stack.message(), message.arg(path));
    QCOMPARE(stack.status().code(), ErrorCode::InvalidArgument);
}

void TestConciseFormat::missingFileIsNoSuchDevice()
{
    const QString path = m_dir.filePath(QStringLiteral("absent.concise"));
    auto stack = parseConciseFile(path);
    QVERIFY(!stack);
    QCOMPARE(stack.status().code(), ErrorCode::NoSuchDevice);
    QCOMPARE(stack.message(),
             QStringLiteral("cannot read concise file \"%1\": No such file or directory").arg(path));
}

void TestConciseFormat::fileWithOnlyCommentsDefinesNothing()
{
    const QString path = m_dir.filePath(QStringLiteral("empty.concise"));
    QVERIFY(writeText(path, "# nothing here\n\n   \n"));
    auto stack = parseConciseFile(path);
    QVERIFY(!stack);
    QCOMPARE(stack.status().code(), ErrorCode::InvalidArgument);
    QCOMPARE(stack.message(), QStringLiteral("%1: no device defined").arg(path));
}

void TestConciseFormat::relativeImagePathsResolveAgainstFileDirectory()
{
    // The image lives next to the concise file, not in the working directory.
    const QString folder = m_dir.filePath(QStringLiteral("relative"));
    QVERIFY(QDir().mkpath(folder));
    const QString image = createImage(folder, QStringLiteral("disk.img"), 8192, 21);
    const QString path = QDir(folder).filePath(QStringLiteral("stack.concise"));
    QVERIFY(writeText(path, "base,,,rw,0 16 linear disk.img 0\ntop,,,ro,0 8 linear base 4\n"));
    QVERIFY(!QFileInfo::exists(QDir::current().filePath(QStringLiteral("disk.img"))));

    auto stack = parseConciseFile(path);
    QVERIFY2(stack, qPrintable(stack.message()));
    QCOMPARE(stack->baseDirectory, folder);
    DeviceRegistry registry;
    const Status status = createConciseStack(registry, *stack);
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(registry.names(), (QStringList{QStringLiteral("base"), QStringLiteral("top")}));

    auto top = registry.get(QStringLiteral("top"));
    QVERIFY(top);
    QCOMPARE((*top)->sectors(), uint64_t{8});
    QByteArray bytes(8 * 512, Qt::Uninitialized);
    QVERIFY((*top)->readBytes(0, bytes.data(), static_cast<uint64_t>(bytes.size())));
    QCOMPARE(bytes, readFile(image, 4 * 512, 8 * 512));
    // The table keeps the path as written.
    QCOMPARE(registry.find(QStringLiteral("base"))->activeTable()->lines(StatusType::Table, false),
             QStringList{QStringLiteral("0 16 linear disk.img 0")});

    // The same text given inline has no base directory: the image is looked up in the working directory.
    auto inline_ = parseConcise(QStringLiteral("base,,,rw,0 16 linear disk.img 0"));
    QVERIFY(inline_);
    DeviceRegistry other;
    const Status missing = createConciseStack(other, *inline_);
    QVERIFY(!missing);
    QCOMPARE(missing.code(), ErrorCode::NoSuchDevice);
    QCOMPARE(missing.message(),
             QStringLiteral("device \"base\", table line 1: linear: Device lookup failed: no device "
                            "or image file named \"disk.img\""));
    QVERIFY(other.names().isEmpty());
}

void TestConciseFormat::formatRoundTrips_data()
{
    QTest::addColumn<QStringList>("devices");

    QTest::newRow("one plain device") << QStringList{QStringLiteral("a||||0 8 zero")};
    QTest::newRow("all fields") << QStringList{QStringLiteral("vol|UUID-1|42|ro|0 8 zero|8 8 error")};
    QTest::newRow("stack") << QStringList{QStringLiteral("base||||0 2048 linear disk.img 0"),
                                          QStringLiteral("top|U-2|3|ro|0 2048 linear base 0")};
    QTest::newRow("special characters")
        << QStringList{QStringLiteral("a,b;c\\d|u,1;2\\|0|rw|0 8 linear x,y;z\\ w 0"),
                       QStringLiteral("e|||ro|0 8 linear a,b;c\\d 0")};
    QTest::newRow("trailing backslash in table") << QStringList{QStringLiteral("a||||0 8 linear dir\\\\")};
}

void TestConciseFormat::formatRoundTrips()
{
    QFETCH(QStringList, devices);
    QList<ConciseDevice> original;
    for (const QString& compact : std::as_const(devices))
        original += expectedDevice(compact);
    const QString text = formatConcise(original);
    auto parsed = parseConcise(text);
    QVERIFY2(parsed, qPrintable(parsed.message() + QStringLiteral(" in ") + text));
    QCOMPARE(describeAll(parsed->devices), describeAll(original));
    QCOMPARE(formatConcise(parsed->devices), text);
}

void TestConciseFormat::formatEscapesSpecialCharacters()
{
    QCOMPARE(formatConcise({expectedDevice(QStringLiteral("base||||0 2048 linear disk.img 0")),
                            expectedDevice(QStringLiteral("top|U|7|ro|0 8 zero|8 8 error"))}),
             QStringLiteral("base,,,rw,0 2048 linear disk.img 0;top,U,7,ro,0 8 zero,8 8 error"));
    QCOMPARE(formatConcise({expectedDevice(QStringLiteral("a,b|u;v||rw|0 8 linear c\\d 0"))}),
             QStringLiteral("a\\,b,u\\;v,,rw,0 8 linear c\\\\d 0"));
    QCOMPARE(formatConcise({}), QString());
}

void TestConciseFormat::createsWholeStack()
{
    const QString image = createImage(m_dir.path(), QStringLiteral("whole.img"), 16 * 512, 3);
    auto stack = parseConcise(QStringLiteral("low,U-LOW,5,rw,0 16 linear %1 0;mid,,,rw,0 8 linear low 8;"
                                             "top,,,ro,0 4 linear mid 2,4 4 zero")
                                  .arg(image));
    QVERIFY2(stack, qPrintable(stack.message()));
    DeviceRegistry registry;
    const Status status = createConciseStack(registry, *stack);
    QVERIFY2(status, qPrintable(status.message()));
    QCOMPARE(registry.names(),
             (QStringList{QStringLiteral("low"), QStringLiteral("mid"), QStringLiteral("top")}));
    const auto low = registry.find(QStringLiteral("low"));
    QCOMPARE(low->identity().uuid, QStringLiteral("U-LOW"));
    QCOMPARE(low->identity().minor, std::optional<uint32_t>(5));
    QVERIFY(!low->isReadOnly());
    const auto top = registry.find(QStringLiteral("top"));
    QVERIFY(top->isReadOnly());
    QCOMPARE(top->sectors(), uint64_t{8});
    QByteArray bytes(8 * 512, Qt::Uninitialized);
    QVERIFY(top->readBytes(0, bytes.data(), static_cast<uint64_t>(bytes.size())));
    QCOMPARE(bytes, readFile(image, 10 * 512, 4 * 512) + QByteArray(4 * 512, '\0'));
}

void TestConciseFormat::failingThirdDeviceLeavesNoDevices()
{
    const QString image = createImage(m_dir.path(), QStringLiteral("third.img"), 16 * 512, 4);
    const QByteArray before = fileDigest(image);
    auto stack = parseConcise(QStringLiteral("one,,,rw,0 16 linear %1 0;two,,,rw,0 8 linear one 0;"
                                             "three,,,rw,0 8 linear two 4")
                                  .arg(image));
    QVERIFY2(stack, qPrintable(stack.message()));
    DeviceRegistry registry;
    const Status status = createConciseStack(registry, *stack);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::InvalidArgument);
    QCOMPARE(status.message(),
             QStringLiteral("device \"three\", table line 1: linear: two too small for target: "
                            "start=4, len=8, dev_size=8"));
    QCOMPARE(registry.names(), QStringList());
    QCOMPARE(fileDigest(image), before);

    // A third device naming a missing image fails with NoSuchDevice, and also leaves nothing.
    auto missing = parseConcise(QStringLiteral("one,,,rw,0 16 linear %1 0;two,,,rw,0 8 linear one 0;"
                                               "three,,,rw,0 8 linear %2 0")
                                    .arg(image, m_dir.filePath(QStringLiteral("nowhere.img"))));
    QVERIFY(missing);
    const Status noDevice = createConciseStack(registry, *missing);
    QVERIFY(!noDevice);
    QCOMPARE(noDevice.code(), ErrorCode::NoSuchDevice);
    QCOMPARE(registry.names(), QStringList());

    // After the rollback the same names can be created again.
    auto good =
        parseConcise(QStringLiteral("one,,,rw,0 16 linear %1 0;two,,,rw,0 8 linear one 0").arg(image));
    QVERIFY(good);
    QVERIFY(createConciseStack(registry, *good));
    QCOMPARE(registry.names(), (QStringList{QStringLiteral("one"), QStringLiteral("two")}));
}

void TestConciseFormat::failedStackKeepsDevicesThatExistedBefore()
{
    DeviceRegistry registry;
    QVERIFY(registry.create(QStringLiteral("keep"), {QStringLiteral("0 8 zero")}));
    auto stack = parseConcise(QStringLiteral("new1,,,,0 8 zero;new2,,,,0 8 linear keep 0;keep,,,,0 8 error"));
    QVERIFY(stack);
    const Status status = createConciseStack(registry, *stack);
    QVERIFY(!status);
    QCOMPARE(status.code(), ErrorCode::Busy);
    QCOMPARE(status.message(), QStringLiteral("device \"keep\" already exists"));
    QCOMPARE(registry.names(), QStringList{QStringLiteral("keep")});
    // Like dmsetup, a target without parameters prints an empty parameter field after its type.
    QCOMPARE(registry.find(QStringLiteral("keep"))->activeTable()->lines(StatusType::Table, false),
             QStringList{QStringLiteral("0 8 zero ")});
    QVERIFY(registry.holders(QStringLiteral("keep")).isEmpty());
}

QTEST_GUILESS_MAIN(TestConciseFormat)
#include "TestConciseFormat.moc"
