// Target constructors via DeviceRegistry::create: canonical printing, kernel error texts, STATUS lines.
#include "TestImages.h"
#include "dm/DeviceRegistry.h"

#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

// a.img: 2048 sectors, b.img: 128 sectors, "my disk.img": 8 sectors.
const QString ImageA = QStringLiteral("a.img");
const QString ImageB = QStringLiteral("b.img");
const QString ImageSpaced = QStringLiteral("my disk.img");

QStringList lines(const std::shared_ptr<MappedDevice>& device, StatusType type)
{
    return device->activeTable()->lines(type, false);
}

} // namespace

class TestTargetConstructors : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void goodTablePrintsCanonically_data();
    void goodTablePrintsCanonically();
    void badTableIsRefusedWithKernelText_data();
    void badTableIsRefusedWithKernelText();
    void infoStatusPrintsDelayCountsOnly();
    void segmentsOfOneTableAreContiguous();

private:
    DeviceRegistry::CreateOptions options() const
    {
        DeviceRegistry::CreateOptions o;
        o.baseDirectory = m_dir.path();
        return o;
    }
    QByteArray digests() const
    {
        return fileDigest(m_dir.filePath(ImageA)) + fileDigest(m_dir.filePath(ImageB)) +
               fileDigest(m_dir.filePath(ImageSpaced));
    }

    QTemporaryDir m_dir;
};

void TestTargetConstructors::init()
{
    QVERIFY(m_dir.isValid());
    createImage(m_dir.path(), ImageA, 2048 * 512, 1);
    createImage(m_dir.path(), ImageB, 128 * 512, 2);
    createImage(m_dir.path(), ImageSpaced, 8 * 512, 3);
}

void TestTargetConstructors::goodTablePrintsCanonically_data()
{
    QTest::addColumn<QStringList>("lower"); // table of a device "base" created first, if any
    QTest::addColumn<QStringList>("table");
    QTest::addColumn<QStringList>("printed");

    auto same = [](const char* name, const QString& line) {
        QTest::newRow(name) << QStringList() << QStringList{line} << QStringList{line};
    };
    auto normalised = [](const char* name, const QString& line, const QString& printed) {
        QTest::newRow(name) << QStringList() << QStringList{line} << QStringList{printed};
    };

    same("linear whole image", QStringLiteral("0 2048 linear a.img 0"));
    same("linear at offset", QStringLiteral("0 100 linear a.img 1948"));
    same("linear escaped name", QStringLiteral("0 8 linear my\\ disk.img 0"));
    normalised("linear leading zeros", QStringLiteral("0 8 linear a.img 007"),
               QStringLiteral("0 8 linear a.img 7"));
    normalised("linear extra whitespace", QStringLiteral("  0   8\tlinear  a.img   0 "),
               QStringLiteral("0 8 linear a.img 0"));
    // dmsetup prints "<start> <length> <type> <params>": with no params the separator stays.
    normalised("error", QStringLiteral("0 8 error"), QStringLiteral("0 8 error "));
    normalised("error ignores args", QStringLiteral("0 8 error a.img 0"), QStringLiteral("0 8 error "));
    normalised("zero", QStringLiteral("0 8 zero"), QStringLiteral("0 8 zero "));
    same("delay 3 args", QStringLiteral("0 100 delay a.img 0 500"));
    same("delay 6 args", QStringLiteral("0 100 delay a.img 0 500 b.img 10 0"));
    same("delay 9 args", QStringLiteral("0 100 delay a.img 0 0 b.img 10 20 a.img 200 30"));
    normalised("delay leading zeros", QStringLiteral("0 100 delay a.img 00 0500"),
               QStringLiteral("0 100 delay a.img 0 500"));
    normalised("flakey no features", QStringLiteral("0 100 flakey a.img 0 1 1"),
               QStringLiteral("0 100 flakey a.img 0 1 1 2 error_reads error_writes"));
    normalised("flakey zero features", QStringLiteral("0 100 flakey a.img 0 1 1 0"),
               QStringLiteral("0 100 flakey a.img 0 1 1 2 error_reads error_writes"));
    same("flakey default spelled out", QStringLiteral("0 100 flakey a.img 0 1 1 2 error_reads error_writes"));
    same("flakey error_reads", QStringLiteral("0 100 flakey a.img 5 0 7 1 error_reads"));
    same("flakey drop_writes", QStringLiteral("0 100 flakey a.img 0 3 4 1 drop_writes"));
    same("flakey error_writes", QStringLiteral("0 100 flakey a.img 0 3 4 1 error_writes"));
    same("flakey error_reads drop_writes",
         QStringLiteral("0 100 flakey a.img 0 3 4 2 error_reads drop_writes"));
    normalised("flakey feature order", QStringLiteral("0 100 flakey a.img 0 3 4 2 drop_writes error_reads"),
               QStringLiteral("0 100 flakey a.img 0 3 4 2 error_reads drop_writes"));
    normalised("flakey feature case", QStringLiteral("0 100 flakey a.img 0 3 4 1 ERROR_Reads"),
               QStringLiteral("0 100 flakey a.img 0 3 4 1 error_reads"));
    same("flakey corrupt read", QStringLiteral("0 100 flakey a.img 0 1 1 5 corrupt_bio_byte 32 r 1 0"));
    normalised("flakey corrupt upper W",
               QStringLiteral("0 100 flakey a.img 0 1 1 5 corrupt_bio_byte 32 W 1 0"),
               QStringLiteral("0 100 flakey a.img 0 1 1 5 corrupt_bio_byte 32 w 1 0"));
    same("flakey error_reads corrupt write",
         QStringLiteral("0 100 flakey a.img 0 1 1 6 error_reads corrupt_bio_byte 1 w 255 4"));
    same("flakey random_read_corrupt",
         QStringLiteral("0 100 flakey a.img 0 1 1 2 random_read_corrupt 1000000000"));
    normalised("flakey random_write_corrupt order",
               QStringLiteral("0 100 flakey a.img 0 1 1 3 random_write_corrupt 7 error_reads"),
               QStringLiteral("0 100 flakey a.img 0 1 1 3 error_reads random_write_corrupt 7"));
    normalised("flakey zero probability is no feature",
               QStringLiteral("0 100 flakey a.img 0 1 1 2 random_write_corrupt 0"),
               QStringLiteral("0 100 flakey a.img 0 1 1 2 error_reads error_writes"));
    same("flakey many features",
         QStringLiteral(
             "0 100 flakey a.img 0 1 1 8 drop_writes corrupt_bio_byte 1 r 0 0 random_read_corrupt 5"));

    const QStringList base{QStringLiteral("0 100 linear a.img 0")};
    QTest::newRow("linear over mapped") << base << QStringList{QStringLiteral("0 50 linear base 10")}
                                        << QStringList{QStringLiteral("0 50 linear base 10")};
    QTest::newRow("linear over /dev/mapper")
        << base << QStringList{QStringLiteral("0 50 linear /dev/mapper/base 0")}
        << QStringList{QStringLiteral("0 50 linear /dev/mapper/base 0")};
    QTest::newRow("flakey over mapped") << base << QStringList{QStringLiteral("0 100 flakey base 0 1 0")}
                                        << QStringList{QStringLiteral("0 100 flakey base 0 1 0 2 error_reads "
                                                                      "error_writes")};
    QTest::newRow("delay over mapped")
        << base << QStringList{QStringLiteral("0 90 delay base 10 0 a.img 5 1")}
        << QStringList{QStringLiteral("0 90 delay base 10 0 a.img 5 1")};

    const QStringList multi{QStringLiteral("0 100 linear a.img 0"), QStringLiteral("100 8 error "),
                            QStringLiteral("108 50 zero "), QStringLiteral("158 10 delay b.img 0 0"),
                            QStringLiteral("168 20 flakey b.img 100 2 3 1 drop_writes")};
    QTest::newRow("multi segment") << QStringList() << multi << multi;
}

void TestTargetConstructors::goodTablePrintsCanonically()
{
    QFETCH(QStringList, lower);
    QFETCH(QStringList, table);
    QFETCH(QStringList, printed);

    DeviceRegistry registry;
    if (!lower.isEmpty()) {
        auto base = registry.create(QStringLiteral("base"), lower, options());
        QVERIFY2(base, qPrintable(base.message()));
    }
    auto device = registry.create(QStringLiteral("t"), table, options());
    QVERIFY2(device, qPrintable(device.message()));
    const QStringList first = lines(*device, StatusType::Table);
    QCOMPARE(first, printed);

    // parse -> print -> parse -> print is a fixed point.
    auto again = registry.create(QStringLiteral("t2"), first, options());
    QVERIFY2(again, qPrintable(again.message()));
    QCOMPARE(lines(*again, StatusType::Table), first);
    QCOMPARE((*again)->sectors(), (*device)->sectors());
}

void TestTargetConstructors::badTableIsRefusedWithKernelText_data()
{
    QTest::addColumn<QStringList>("lower");
    QTest::addColumn<QStringList>("table");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("code");

    const int invalid = static_cast<int>(ErrorCode::InvalidArgument);
    auto bad = [invalid](const char* name, const QStringList& table, const QString& text, int code = -1) {
        QTest::newRow(name) << QStringList() << table << QStringLiteral("device \"t\", ") + text
                            << (code < 0 ? invalid : code);
    };
    auto badLine = [&bad](const char* name, const QString& line, const QString& text) {
        bad(name, QStringList{line}, QStringLiteral("table line 1: ") + text);
    };
    auto missing = [](const QString& word) {
        return QStringLiteral("Device lookup failed: no device or image file named \"%1\"").arg(word);
    };
    const int noDevice = static_cast<int>(ErrorCode::NoSuchDevice);

    // Table level.
    bad("empty table", QStringList(), QStringLiteral("empty table"));
    badLine("too few words", QStringLiteral("0 8"),
            QStringLiteral("Invalid format: expected \"<start> <length> <target> [<args>...]\""));
    badLine("blank line", QStringLiteral("   "),
            QStringLiteral("Invalid format: expected \"<start> <length> <target> [<args>...]\""));
    badLine("bad start", QStringLiteral("x 8 zero"), QStringLiteral("Invalid start sector \"x\""));
    badLine("bad length", QStringLiteral("0 -8 zero"), QStringLiteral("Invalid length \"-8\""));
    badLine("zero length", QStringLiteral("0 0 zero"), QStringLiteral("zero-length target"));
    badLine("unknown type", QStringLiteral("0 8 frobnicate a.img"),
            QStringLiteral("frobnicate: unknown target type"));
    badLine("first not at 0", QStringLiteral("8 8 zero"), QStringLiteral("zero: Gap in table"));
    bad("gap", {QStringLiteral("0 8 zero"), QStringLiteral("16 8 zero")},
        QStringLiteral("table line 2: zero: Gap in table"));
    bad("overlap", {QStringLiteral("0 8 zero"), QStringLiteral("4 8 zero")},
        QStringLiteral("table line 2: zero: Gap in table"));
    bad("length overflow", {QStringLiteral("0 8 zero"), QStringLiteral("8 18446744073709551615 zero")},
        QStringLiteral("table line 2: zero: Invalid length"));
    badLine("too small", QStringLiteral("0 4096 linear a.img 0"),
            QStringLiteral("linear: a.img too small for target: start=0, len=4096, dev_size=2048"));
    badLine("too small at offset", QStringLiteral("0 100 linear b.img 50"),
            QStringLiteral("linear: b.img too small for target: start=50, len=100, dev_size=128"));
    badLine("offset past end", QStringLiteral("0 1 linear b.img 200"),
            QStringLiteral("linear: b.img too small for target: start=200, len=1, dev_size=128"));
    bad("too small on line 2",
        {QStringLiteral("0 8 zero"), QStringLiteral("8 200 delay a.img 0 0 b.img 0 0")},
        QStringLiteral("table line 2: delay: b.img too small for target: start=0, len=200, dev_size=128"));
    badLine("flakey too small", QStringLiteral("0 100 flakey b.img 29 1 1"),
            QStringLiteral("flakey: b.img too small for target: start=29, len=100, dev_size=128"));

    // linear
    badLine("linear no args", QStringLiteral("0 8 linear"), QStringLiteral("linear: Invalid argument count"));
    badLine("linear one arg", QStringLiteral("0 8 linear a.img"),
            QStringLiteral("linear: Invalid argument count"));
    badLine("linear three args", QStringLiteral("0 8 linear a.img 0 1"),
            QStringLiteral("linear: Invalid argument count"));
    badLine("linear sector word", QStringLiteral("0 8 linear a.img x"),
            QStringLiteral("linear: Invalid device sector"));
    badLine("linear negative sector", QStringLiteral("0 8 linear a.img -1"),
            QStringLiteral("linear: Invalid device sector"));
    badLine("linear sector overflow", QStringLiteral("0 8 linear a.img 18446744073709551616"),
            QStringLiteral("linear: Invalid device sector"));
    badLine("linear sector trailing", QStringLiteral("0 8 linear a.img 1s"),
            QStringLiteral("linear: Invalid device sector"));
    bad("linear missing device", {QStringLiteral("0 8 linear missing.img 0")},
        QStringLiteral("table line 1: linear: ") + missing(QStringLiteral("missing.img")), noDevice);
    badLine("linear sector checked before device", QStringLiteral("0 8 linear missing.img x"),
            QStringLiteral("linear: Invalid device sector"));

    // zero
    badLine("zero with args", QStringLiteral("0 8 zero a.img"),
            QStringLiteral("zero: No arguments required"));

    // delay
    const QString delayCount = QStringLiteral("delay: Requires exactly 3, 6 or 9 arguments");
    badLine("delay 0 args", QStringLiteral("0 8 delay"), delayCount);
    badLine("delay 2 args", QStringLiteral("0 8 delay a.img 0"), delayCount);
    badLine("delay 4 args", QStringLiteral("0 8 delay a.img 0 0 b.img"), delayCount);
    badLine("delay 7 args", QStringLiteral("0 8 delay a.img 0 0 b.img 0 0 a.img"), delayCount);
    badLine("delay 10 args", QStringLiteral("0 8 delay a.img 0 0 a.img 0 0 a.img 0 0 a.img"), delayCount);
    badLine("delay sector", QStringLiteral("0 8 delay a.img x 0"),
            QStringLiteral("delay: Invalid device sector"));
    badLine("delay delay word", QStringLiteral("0 8 delay a.img 0 x"),
            QStringLiteral("delay: Invalid delay"));
    badLine("delay negative", QStringLiteral("0 8 delay a.img 0 -1"), QStringLiteral("delay: Invalid delay"));
    badLine("delay over u32", QStringLiteral("0 8 delay a.img 0 4294967296"),
            QStringLiteral("delay: Invalid delay"));
    badLine("delay write sector", QStringLiteral("0 8 delay a.img 0 0 b.img x 0"),
            QStringLiteral("delay: Invalid device sector"));
    badLine("delay flush delay", QStringLiteral("0 8 delay a.img 0 0 b.img 0 0 a.img 0 y"),
            QStringLiteral("delay: Invalid delay"));
    bad("delay missing read device", {QStringLiteral("0 8 delay missing.img 0 0")},
        QStringLiteral("table line 1: delay: ") + missing(QStringLiteral("missing.img")), noDevice);
    bad("delay missing write device", {QStringLiteral("0 8 delay a.img 0 0 gone.img 0 0")},
        QStringLiteral("table line 1: delay: ") + missing(QStringLiteral("gone.img")), noDevice);

    // flakey
    auto flakey = [&badLine](const char* name, const QString& args, const QString& text) {
        badLine(name, QStringLiteral("0 8 flakey ") + args, QStringLiteral("flakey: ") + text);
    };
    flakey("flakey no args", QString(), QStringLiteral("Invalid argument count"));
    flakey("flakey 3 args", QStringLiteral("a.img 0 1"), QStringLiteral("Invalid argument count"));
    flakey("flakey sector", QStringLiteral("a.img x 1 1"), QStringLiteral("Invalid device sector"));
    flakey("flakey up word", QStringLiteral("a.img 0 x 1"), QStringLiteral("Invalid up interval"));
    flakey("flakey up over u32", QStringLiteral("a.img 0 4294967296 1"),
           QStringLiteral("Invalid up interval"));
    flakey("flakey down negative", QStringLiteral("a.img 0 1 -1"), QStringLiteral("Invalid down interval"));
    flakey("flakey zero interval", QStringLiteral("a.img 0 0 0"),
           QStringLiteral("Total (up + down) interval is zero"));
    flakey("flakey interval overflow", QStringLiteral("a.img 0 4294967295 2"),
           QStringLiteral("Interval overflow"));
    const QString featureCount = QStringLiteral("Invalid number of feature args");
    flakey("flakey feature count word", QStringLiteral("a.img 0 1 1 x"), featureCount);
    flakey("flakey feature count over 11", QStringLiteral("a.img 0 1 1 12"), featureCount);
    flakey("flakey feature count past words", QStringLiteral("a.img 0 1 1 2 error_reads"), featureCount);
    flakey("flakey error_reads twice", QStringLiteral("a.img 0 1 1 2 error_reads error_reads"),
           QStringLiteral("Feature error_reads duplicated"));
    flakey("flakey drop_writes twice", QStringLiteral("a.img 0 1 1 2 drop_writes drop_writes"),
           QStringLiteral("Feature drop_writes duplicated"));
    flakey("flakey error_writes twice", QStringLiteral("a.img 0 1 1 2 error_writes error_writes"),
           QStringLiteral("Feature error_writes duplicated"));
    flakey("flakey drop after error", QStringLiteral("a.img 0 1 1 2 error_writes drop_writes"),
           QStringLiteral("Feature drop_writes conflicts with feature error_writes"));
    flakey("flakey error after drop", QStringLiteral("a.img 0 1 1 2 drop_writes error_writes"),
           QStringLiteral("Feature error_writes conflicts with feature drop_writes"));
    flakey("flakey corrupt twice",
           QStringLiteral("a.img 0 1 1 10 corrupt_bio_byte 1 r 0 0 corrupt_bio_byte 2 r 0 0"),
           QStringLiteral("Feature corrupt_bio_byte duplicated"));
    flakey("flakey corrupt no params", QStringLiteral("a.img 0 1 1 1 corrupt_bio_byte"),
           QStringLiteral("Feature corrupt_bio_byte requires 4 parameters"));
    flakey("flakey corrupt params outside group", QStringLiteral("a.img 0 1 1 4 corrupt_bio_byte 1 r 0"),
           QStringLiteral("Feature corrupt_bio_byte requires 4 parameters"));
    flakey("flakey corrupt byte 0", QStringLiteral("a.img 0 1 1 5 corrupt_bio_byte 0 r 0 0"),
           QStringLiteral("Invalid corrupt bio byte"));
    flakey("flakey corrupt byte word", QStringLiteral("a.img 0 1 1 5 corrupt_bio_byte x r 0 0"),
           QStringLiteral("Invalid corrupt bio byte"));
    flakey("flakey corrupt direction", QStringLiteral("a.img 0 1 1 5 corrupt_bio_byte 1 x 0 0"),
           QStringLiteral("Invalid corrupt bio direction (r or w)"));
    flakey("flakey corrupt value", QStringLiteral("a.img 0 1 1 5 corrupt_bio_byte 1 r 256 0"),
           QStringLiteral("Invalid corrupt value to write into bio byte (0-255)"));
    flakey("flakey corrupt flags", QStringLiteral("a.img 0 1 1 5 corrupt_bio_byte 1 r 0 x"),
           QStringLiteral("Invalid corrupt bio flags mask"));
    flakey("flakey corrupt flags over u32", QStringLiteral("a.img 0 1 1 5 corrupt_bio_byte 1 r 0 4294967296"),
           QStringLiteral("Invalid corrupt bio flags mask"));
    flakey("flakey random over base", QStringLiteral("a.img 0 1 1 2 random_read_corrupt 1000000001"),
           QStringLiteral("Invalid random corrupt argument"));
    flakey("flakey random word", QStringLiteral("a.img 0 1 1 2 random_write_corrupt x"),
           QStringLiteral("Invalid random corrupt argument"));
    flakey("flakey random no param", QStringLiteral("a.img 0 1 1 1 random_read_corrupt"),
           QStringLiteral("Feature random_read_corrupt requires a parameter"));
    flakey("flakey random read twice",
           QStringLiteral("a.img 0 1 1 4 random_read_corrupt 1 random_read_corrupt 2"),
           QStringLiteral("Feature random_read_corrupt duplicated"));
    flakey("flakey random write twice",
           QStringLiteral("a.img 0 1 1 4 random_write_corrupt 1 random_write_corrupt 2"),
           QStringLiteral("Feature random_write_corrupt duplicated"));
    flakey("flakey unknown feature", QStringLiteral("a.img 0 1 1 1 bogus"),
           QStringLiteral("Unrecognised flakey feature requested"));
    flakey("flakey features before device", QStringLiteral("missing.img 0 1 1 1 bogus"),
           QStringLiteral("Unrecognised flakey feature requested"));
    const QString dropIncompatible = QStringLiteral(
        "drop_writes is incompatible with random_write_corrupt or corrupt_bio_byte with the WRITE flag set");
    const QString errorIncompatible = QStringLiteral(
        "error_writes is incompatible with random_write_corrupt or corrupt_bio_byte with the WRITE flag set");
    const QString readsIncompatible = QStringLiteral(
        "error_reads is incompatible with random_read_corrupt or corrupt_bio_byte with the READ flag set");
    flakey("flakey drop corrupt write", QStringLiteral("a.img 0 1 1 6 drop_writes corrupt_bio_byte 1 w 0 0"),
           dropIncompatible);
    flakey("flakey drop random write", QStringLiteral("a.img 0 1 1 3 random_write_corrupt 5 drop_writes"),
           dropIncompatible);
    flakey("flakey error corrupt write",
           QStringLiteral("a.img 0 1 1 6 error_writes corrupt_bio_byte 1 w 0 0"), errorIncompatible);
    flakey("flakey error random write", QStringLiteral("a.img 0 1 1 3 error_writes random_write_corrupt 5"),
           errorIncompatible);
    flakey("flakey error_reads corrupt read",
           QStringLiteral("a.img 0 1 1 6 error_reads corrupt_bio_byte 1 r 0 0"), readsIncompatible);
    flakey("flakey error_reads random read",
           QStringLiteral("a.img 0 1 1 3 error_reads random_read_corrupt 5"), readsIncompatible);
    bad("flakey missing device", {QStringLiteral("0 8 flakey missing.img 0 1 1")},
        QStringLiteral("table line 1: flakey: ") + missing(QStringLiteral("missing.img")), noDevice);

    // A later line's error leaves nothing behind from the earlier ones.
    bad("error on line 3",
        {QStringLiteral("0 8 linear a.img 0"), QStringLiteral("8 8 linear b.img 0"),
         QStringLiteral("16 8 zero 1")},
        QStringLiteral("table line 3: zero: No arguments required"));

    // Over mapped devices.
    const QStringList base{QStringLiteral("0 100 linear a.img 0")};
    QTest::newRow("mapped too small")
        << base << QStringList{QStringLiteral("0 200 linear base 0")}
        << QStringLiteral("device \"t\", table line 1: linear: base too small for "
                          "target: start=0, len=200, dev_size=100")
        << invalid;
    QTest::newRow("mapped missing") << base << QStringList{QStringLiteral("0 10 linear /dev/mapper/nope 0")}
                                    << QStringLiteral("device \"t\", table line 1: linear: ") +
                                           missing(QStringLiteral("/dev/mapper/nope"))
                                    << noDevice;
}

void TestTargetConstructors::badTableIsRefusedWithKernelText()
{
    QFETCH(QStringList, lower);
    QFETCH(QStringList, table);
    QFETCH(QString, message);
    QFETCH(int, code);

    const QByteArray before = digests();
    {
        DeviceRegistry registry;
        if (!lower.isEmpty())
            QVERIFY(registry.create(QStringLiteral("base"), lower, options()));
        auto device = registry.create(QStringLiteral("t"), table, options());
        QVERIFY(!device);
        QCOMPARE(device.message(), message);
        QCOMPARE(static_cast<int>(device.status().code()), code);
        QVERIFY(!registry.find(QStringLiteral("t")));
        QCOMPARE(registry.names(), lower.isEmpty() ? QStringList() : QStringList{QStringLiteral("base")});
        QVERIFY(registry.holders(QStringLiteral("base")).isEmpty());
    }
    QCOMPARE(digests(), before);
}

void TestTargetConstructors::infoStatusPrintsDelayCountsOnly()
{
    DeviceRegistry registry;
    auto device = registry.create(
        QStringLiteral("t"),
        {QStringLiteral("0 10 linear a.img 0"), QStringLiteral("10 10 error"), QStringLiteral("20 10 zero"),
         QStringLiteral("30 10 delay a.img 0 0 b.img 0 7"), QStringLiteral("40 10 flakey b.img 0 1 1")},
        options());
    QVERIFY2(device, qPrintable(device.message()));
    const QStringList expected{QStringLiteral("0 10 linear "), QStringLiteral("10 10 error "),
                               QStringLiteral("20 10 zero "), QStringLiteral("30 10 delay 0 0 0"),
                               QStringLiteral("40 10 flakey ")};
    QCOMPARE(lines(*device, StatusType::Info), expected);
}

void TestTargetConstructors::segmentsOfOneTableAreContiguous()
{
    DeviceRegistry registry;
    auto device = registry.create(QStringLiteral("t"),
                                  {QStringLiteral("0 3 zero"), QStringLiteral("3 5 linear b.img 100"),
                                   QStringLiteral("8 2040 linear a.img 8")},
                                  options());
    QVERIFY2(device, qPrintable(device.message()));
    QCOMPARE((*device)->sectors(), uint64_t{2048});
    const auto& segments = (*device)->activeTable()->segments();
    QCOMPARE(segments.size(), size_t{3});
    QCOMPARE(segments[1].begin, uint64_t{3});
    QCOMPARE(segments[1].length, uint64_t{5});
    QCOMPARE(segments[2].type, QStringLiteral("linear"));
    QCOMPARE((*device)->activeTable()->segmentIndexFor(7), size_t{1});
    QCOMPARE((*device)->activeTable()->segmentIndexFor(8), size_t{2});
}

QTEST_GUILESS_MAIN(TestTargetConstructors)
#include "TestTargetConstructors.moc"
