// The stack builder under the offscreen platform: layers composed by object name show their table
// lines as they are edited, the stack is created bottom first and carries data, a crypt layer's
// key stays out of the lines and the keyring, and a failing layer leaves no device behind.
#include "StackBuilderDialog.h"
#include "TestImages.h"
#include "dm/DeviceRegistry.h"
#include "dm/MappedDevice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

template <typename T> T* child(QObject& parent, const char* name)
{
    T* widget = parent.findChild<T*>(QLatin1String(name));
    if (!widget)
        qFatal("no widget %s", name);
    return widget;
}

// Sets the selected layer's name (as typing does) and lower device.
void editLayer(StackBuilderDialog& dialog, const QString& name, const QString& type, const QString& lower)
{
    auto* nameEdit = child<QLineEdit>(dialog, "layerName");
    nameEdit->selectAll();
    QTest::keyClicks(nameEdit, name);
    child<QComboBox>(dialog, "layerType")->setCurrentText(type);
    child<QComboBox>(dialog, "layerLower")->setCurrentText(lower);
}

} // namespace

class TestStackBuilder : public QObject
{
    Q_OBJECT

private slots:
    void threeLayersCarryData();
    void problemsNameTheField();
    void failingLayerLeavesNothing();
};

void TestStackBuilder::threeLayersCarryData()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("disk.img"), 4 << 20, 5);
    DeviceRegistry registry;
    StackBuilderDialog dialog(registry);
    editLayer(dialog, QStringLiteral("base"), QStringLiteral("linear"), image);
    child<QSpinBox>(dialog, "layerOffset")->setValue(2048);
    auto* preview = child<QPlainTextEdit>(dialog, "tablePreview");
    QCOMPARE(preview->toPlainText(), QStringLiteral("base: 0 6144 linear %1 2048").arg(image));

    QTest::mouseClick(child<QPushButton>(dialog, "addLayer"), Qt::LeftButton);
    editLayer(dialog, QStringLiteral("secret"), QStringLiteral("crypt"), QStringLiteral("base"));
    child<QComboBox>(dialog, "layerSectorSize")->setCurrentText(QStringLiteral("4096"));
    child<QCheckBox>(dialog, "layerOption_no_read_workqueue")->setChecked(true);
    QTest::mouseClick(child<QPushButton>(dialog, "addLayer"), Qt::LeftButton);
    editLayer(dialog, QStringLiteral("slow"), QStringLiteral("delay"), QStringLiteral("secret"));
    child<QSpinBox>(dialog, "layerWriteDelay")->setValue(5);
    QCOMPARE(child<QListWidget>(dialog, "stackLayers")->count(), 3);
    const QStringList expected = {
        QStringLiteral("base: 0 6144 linear %1 2048").arg(image),
        QStringLiteral(
            "secret: 0 6144 crypt aes-xts-plain64 :64:logon:cryptstack:stack-builder-secret 0 base 0 2 "
            "no_read_workqueue sector_size:4096"),
        QStringLiteral("slow: 0 6144 delay secret 0 0 secret 0 5"),
    };
    QCOMPARE(preview->toPlainText(), expected.join(u'\n'));
    QCOMPARE(child<QLabel>(dialog, "stackBuilderMessage")->text(), QString());

    QSignalSpy created(&dialog, &StackBuilderDialog::stackCreated);
    QTest::mouseClick(child<QPushButton>(dialog, "createStack"), Qt::LeftButton);
    QVERIFY(created.wait(20000));
    QCOMPARE(created.first().first().toStringList(),
             (QStringList{QStringLiteral("base"), QStringLiteral("secret"), QStringLiteral("slow")}));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    // The live tables are the previewed lines; the key went from the keyring into the target.
    auto secret = registry.get(QStringLiteral("secret"));
    QVERIFY(secret);
    QCOMPARE((*secret)->activeTable()->lines(StatusType::Table, false).value(0),
             expected[1].section(QStringLiteral(": "), 1));
    QVERIFY(registry.keyRing().descriptions().isEmpty());

    // Data written through the top comes back, and lands encrypted in the image.
    auto top = registry.get(QStringLiteral("slow"));
    QVERIFY(top);
    QByteArray written(8192, 'S');
    QVERIFY((*top)->writeSectors(16, written.constData(), 8192));
    QByteArray readBack(8192, 0);
    QVERIFY((*top)->readSectors(16, readBack.data(), 8192));
    QCOMPARE(readBack, written);
    QFile file(image);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.seek((2048 + 16) * 512));
    const QByteArray stored = file.read(8192);
    QCOMPARE(stored.size(), 8192);
    QVERIFY(stored != written);
    registry.removeAll();
}

void TestStackBuilder::problemsNameTheField()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("disk.img"), 1 << 20, 6);
    DeviceRegistry registry;
    QVERIFY(registry.create(QStringLiteral("taken"), {QStringLiteral("0 16 zero")}));
    StackBuilderDialog dialog(registry);
    auto* message = child<QLabel>(dialog, "stackBuilderMessage");
    auto* create = child<QPushButton>(dialog, "createStack");
    QVERIFY(message->text().startsWith(QStringLiteral("Layer 1 (layer1), lower device: choose")));
    QVERIFY(!create->isEnabled());
    editLayer(dialog, QStringLiteral("taken"), QStringLiteral("linear"), image);
    QCOMPARE(message->text(), QStringLiteral("Layer 1, name: a device called taken exists already."));
    QVERIFY(!create->isEnabled());
    editLayer(dialog, QStringLiteral("bad/name"), QStringLiteral("linear"), image);
    QCOMPARE(message->text(), QStringLiteral("Layer 1, name: use letters, digits and . _ + - only."));
    editLayer(dialog, QStringLiteral("fine"), QStringLiteral("linear"),
              dir.filePath(QStringLiteral("missing.img")));
    QVERIFY2(message->text().contains(QStringLiteral("is neither a layer below, a device nor an image file")),
             qPrintable(message->text()));
    editLayer(dialog, QStringLiteral("fine"), QStringLiteral("linear"), image);
    child<QSpinBox>(dialog, "layerOffset")->setValue(4096);
    QCOMPARE(message->text(),
             QStringLiteral("Layer 1 (fine), offset: nothing of the lower device is left after it."));
    child<QSpinBox>(dialog, "layerOffset")->setValue(0);
    QCOMPARE(message->text(), QString());
    QVERIFY(create->isEnabled());
    QCOMPARE(registry.names(), QStringList{QStringLiteral("taken")});
}

void TestStackBuilder::failingLayerLeavesNothing()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("disk.img"), 1 << 20, 7);
    DeviceRegistry registry;
    StackBuilderDialog dialog(registry);
    editLayer(dialog, QStringLiteral("bottom"), QStringLiteral("linear"), image);
    QTest::mouseClick(child<QPushButton>(dialog, "addLayer"), Qt::LeftButton);
    // AES in ECB mode takes at most a 256-bit key: the registry refuses the 512-bit one.
    editLayer(dialog, QStringLiteral("broken"), QStringLiteral("crypt"), QStringLiteral("bottom"));
    child<QComboBox>(dialog, "layerCipher")->setCurrentText(QStringLiteral("aes-ecb"));
    QCOMPARE(child<QLabel>(dialog, "stackBuilderMessage")->text(), QString());
    QTest::mouseClick(child<QPushButton>(dialog, "createStack"), Qt::LeftButton);
    auto* message = child<QLabel>(dialog, "stackBuilderMessage");
    QTRY_VERIFY_WITH_TIMEOUT(
        message->text().startsWith(QStringLiteral("The device broken could not be created.")), 20000);
    QVERIFY(!message->toolTip().isEmpty()); // the engine's own words, one hover away
    QVERIFY(registry.names().isEmpty());
    QVERIFY(registry.keyRing().descriptions().isEmpty());
    QVERIFY(child<QPushButton>(dialog, "createStack")->isEnabled());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
}

QTEST_MAIN(TestStackBuilder)
#include "TestStackBuilder.moc"
