// The main window under the offscreen platform: the device tree mirrors the registry's stacks
// (devices above the images they use) and selecting a device shows its table and status.
#include "ApplicationIcon.h"
#include "MainWindow.h"
#include "TestImages.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"
#include "probe/ContentProbe.h"

#include "InspectView.h"
#include "StackBuilderDialog.h"

#include <QAction>
#include <QComboBox>
#include <QFileInfo>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

using namespace cryptstack;
using namespace cryptstack::test;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void treeShowsStackDownToImages();
    void selectingDeviceShowsTable();
    void openStackFileLoadsDemo();
    void contentsColumnFillsOffGuiThread();
    void builtStackAppearsInTreeAndBenchmark();
    void inspectActionShowsImageBelowSelection();
    void applicationIconIsDrawn();
};

void TestMainWindow::treeShowsStackDownToImages()
{
    QTemporaryDir dir;
    createImage(dir.path(), QStringLiteral("disk.img"), 1 << 20, 1);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    QVERIFY(registry.create(QStringLiteral("base"), {QStringLiteral("0 2048 linear disk.img 0")}, options));
    QVERIFY(registry.create(QStringLiteral("top"),
                            {QStringLiteral("0 1024 linear base 0"), QStringLiteral("1024 8 zero")}));
    MainWindow window(registry);
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    QVERIFY(tree);
    QCOMPARE(tree->topLevelItemCount(), 1);
    QTreeWidgetItem* top = tree->topLevelItem(0);
    QCOMPARE(top->text(0), QStringLiteral("top"));
    QCOMPARE(top->text(1), QStringLiteral("linear, zero"));
    QCOMPARE(top->childCount(), 1);
    QTreeWidgetItem* base = top->child(0);
    QCOMPARE(base->text(0), QStringLiteral("base"));
    QCOMPARE(base->childCount(), 1);
    QCOMPARE(base->child(0)->text(0), QStringLiteral("disk.img"));
    QCOMPARE(base->child(0)->childCount(), 0);
}

void TestMainWindow::selectingDeviceShowsTable()
{
    DeviceRegistry registry;
    QVERIFY(registry.create(QStringLiteral("z"), {QStringLiteral("0 16 zero")}));
    MainWindow window(registry);
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    auto* details = window.findChild<QPlainTextEdit*>(QStringLiteral("deviceDetails"));
    QVERIFY(tree && details);
    tree->setCurrentItem(tree->topLevelItem(0));
    QVERIFY2(details->toPlainText().contains(QStringLiteral("0 16 zero")),
             qPrintable(details->toPlainText()));
}

void TestMainWindow::openStackFileLoadsDemo()
{
    QTemporaryDir dir;
    auto concise = ensureDemoStack(dir.path());
    QVERIFY2(concise, qPrintable(concise.message()));
    DeviceRegistry registry;
    MainWindow window(registry);
    QVERIFY(window.openStackFile(*concise));
    QCOMPARE(registry.names(), (QStringList{QStringLiteral("demo-base"), QStringLiteral("demo-crypt"),
                                            QStringLiteral("demo-slow"), QStringLiteral("demo-top")}));
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    QCOMPARE(tree->topLevelItemCount(), 1);
    QCOMPARE(tree->topLevelItem(0)->text(0), QStringLiteral("demo-top"));
}

void TestMainWindow::contentsColumnFillsOffGuiThread()
{
    QTemporaryDir dir;
    auto concise = ensureDemoStack(dir.path());
    QVERIFY2(concise, qPrintable(concise.message()));
    DeviceRegistry registry;
    MainWindow window(registry);
    // A timer on the GUI thread: it keeps firing while the probe reads through the demo stack's
    // delay target (5 ms per request) only if the probe runs elsewhere.
    int ticks = 0;
    QTimer timer;
    timer.setInterval(5);
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start();
    QVERIFY(window.openStackFile(*concise));
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    auto* details = window.findChild<QPlainTextEdit*>(QStringLiteral("deviceDetails"));
    QVERIFY(tree && details);
    QCOMPARE(tree->columnCount(), 5);
    QCOMPARE(tree->headerItem()->text(4), QStringLiteral("Contents"));
    QTreeWidgetItem* top = tree->topLevelItem(0);
    QCOMPARE(top->text(0), QStringLiteral("demo-top"));
    // Refreshing did not probe on the GUI thread: the row waits for the worker's answer.
    QCOMPARE(top->text(4), QStringLiteral("probing…"));
    const int ticksBefore = ticks;
    QTRY_VERIFY_WITH_TIMEOUT(top->text(4) != QStringLiteral("probing…"), 30000);
    QVERIFY2(ticks > ticksBefore, "the GUI thread's timer stopped while probing");

    // The same answer as probing the device here, for every mapped device in the stack.
    for (QTreeWidgetItemIterator it(tree); *it; ++it) {
        const QString name = (*it)->text(0);
        const auto device = registry.find(name);
        if (!device)
            continue; // the image file's row
        QTRY_VERIFY_WITH_TIMEOUT((*it)->text(4) != QStringLiteral("probing…"), 30000);
        auto expected = ContentProbe::probe(*device);
        QVERIFY2(expected, qPrintable(expected.message()));
        QCOMPARE((*it)->text(4), expected->summary());
    }
    tree->setCurrentItem(top);
    QVERIFY2(details->toPlainText().contains(QStringLiteral("Contents:\n  ") + top->text(4)),
             qPrintable(details->toPlainText()));
}

void TestMainWindow::builtStackAppearsInTreeAndBenchmark()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("disk.img"), 1 << 20, 2);
    DeviceRegistry registry;
    MainWindow window(registry);
    auto* action = window.findChild<QAction*>(QStringLiteral("buildStackAction"));
    QVERIFY(action);
    action->trigger();
    auto* builder = window.findChild<StackBuilderDialog*>();
    QVERIFY(builder);
    builder->findChild<QComboBox*>(QStringLiteral("layerLower"))->setCurrentText(image);
    QSignalSpy created(builder, &StackBuilderDialog::stackCreated);
    QTest::mouseClick(builder->findChild<QPushButton*>(QStringLiteral("createStack")), Qt::LeftButton);
    QVERIFY(created.wait(20000));
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    QCOMPARE(tree->topLevelItemCount(), 1);
    QCOMPARE(tree->topLevelItem(0)->text(0), QStringLiteral("layer1"));
    QCOMPARE(tree->currentItem(), tree->topLevelItem(0));
    // The benchmark tab offers the new device for a workload.
    auto* devices = window.findChild<QComboBox*>(QStringLiteral("workloadDevice"));
    QVERIFY(devices);
    QCOMPARE(devices->findText(QStringLiteral("layer1")), 0);
    registry.removeAll();
}

void TestMainWindow::inspectActionShowsImageBelowSelection()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("disk.img"), 1 << 20, 4);
    DeviceRegistry registry;
    DeviceCreateOptions options;
    options.baseDirectory = dir.path();
    QVERIFY(registry.create(QStringLiteral("base"), {QStringLiteral("0 2048 linear disk.img 0")}, options));
    QVERIFY(registry.create(QStringLiteral("top"), {QStringLiteral("0 2048 linear base 0")}));
    MainWindow window(registry);
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    tree->setCurrentItem(tree->topLevelItem(0)); // "top": its image is two levels down
    QSignalSpy failed(window.inspectView(), &InspectView::loadFailed);
    QSignalSpy loaded(window.inspectView(), &InspectView::loaded);
    window.findChild<QAction*>(QStringLiteral("inspectImageAction"))->trigger();
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("mainTabs"));
    QCOMPARE(tabs->currentWidget(), window.inspectView());
    QCOMPARE(window.inspectView()->imagePath(), QFileInfo(image).absoluteFilePath());
    // Random bytes are no LUKS header: the view says so and still offers the plain inspection.
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() + loaded.count() > 0, 20000);
    QCOMPARE(failed.count(), 1);
    registry.removeAll();
}

void TestMainWindow::applicationIconIsDrawn()
{
    // The compiled-in SVG, drawn by Qt's SVG icon engine: the middle layer's colour (#3498db) at
    // the centre of the 64-pixel picture, and nothing at the top corners.
    const QIcon icon = applicationIcon();
    QVERIFY(!icon.isNull());
    const QImage image = icon.pixmap(QSize(64, 64)).toImage();
    QVERIFY2(image.size() == QSize(64, 64), "nothing drawn: Qt's SVG plugins (libqt6svg6) are missing");
    QCOMPARE(image.pixelColor(32, 42).name(), QStringLiteral("#3498db"));
    QCOMPARE(image.pixelColor(1, 1).alpha(), 0);
}

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
