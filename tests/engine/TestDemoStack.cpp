// The first-start demo stack: its files are created once, it builds, and reading through its top
// device returns the image's sectors the tables map there.
#include "dm/ConciseFormat.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;

class TestDemoStack : public QObject
{
    Q_OBJECT

private slots:
    void createsOnceAndBuilds();
};

void TestDemoStack::createsOnceAndBuilds()
{
    QTemporaryDir dir;
    auto concise = ensureDemoStack(dir.filePath(QStringLiteral("data")));
    QVERIFY2(concise, qPrintable(concise.message()));
    QFile image(dir.filePath(QStringLiteral("data/demo.img")));
    QCOMPARE(image.size(), qint64{8 << 20});
    // A second call keeps what is there.
    QVERIFY(image.open(QIODevice::ReadWrite));
    image.write("kept");
    image.close();
    QVERIFY(ensureDemoStack(dir.filePath(QStringLiteral("data"))));
    QVERIFY(image.open(QIODevice::ReadOnly));
    QCOMPARE(image.read(4), QByteArray("kept"));
    image.close();

    auto stack = parseConciseFile(*concise);
    QVERIFY2(stack, qPrintable(stack.message()));
    DeviceRegistry registry;
    QVERIFY(createConciseStack(registry, *stack));
    auto top = registry.find(QStringLiteral("demo-top"));
    QVERIFY(top);
    QVERIFY(top->isReadOnly());
    // demo-top sector 0 -> demo-slow 4096 -> demo-crypt 4096, decrypted from demo.img.
    QCOMPARE(top->logicalBlockSize(), uint32_t{4096}); // stacked over a 4096-byte-sector crypt device
    QByteArray sector(512, Qt::Uninitialized);
    QVERIFY(top->readBytes(0, sector.data(), 512));
    QVERIFY2(sector.startsWith("CryptStack demo volume, sector 4096\n"), sector.left(40).constData());
    // The image itself holds ciphertext, not the text.
    QFile raw(dir.filePath(QStringLiteral("data/demo.img")));
    QVERIFY(raw.open(QIODevice::ReadOnly));
    QVERIFY(!raw.readAll().contains("CryptStack demo volume"));
    QCOMPARE(QFile(*concise).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    // The zero segment at the end.
    QVERIFY(top->readBytes(9000 * 512, sector.data(), 512));
    QCOMPARE(sector, QByteArray(512, '\0'));
}

QTEST_GUILESS_MAIN(TestDemoStack)
#include "TestDemoStack.moc"
