// The "Export over NBD" dialog under the offscreen platform, against real NBD clients (nbdinfo and
// nbdcopy from libnbd-bin, qemu-img and qemu-io from qemu-utils). The clients run as QProcesses
// while this thread keeps running its event loop: the dialog's stats timer and the answers of its
// start and stop threads arrive there, so a client is never waited for with the GUI thread blocked.
#include "ExternalTool.h"
#include "MainWindow.h"
#include "NbdExportDialog.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr int ClientTimeoutMs = 60000;

// Runs a client while the event loop keeps turning; exitCode -1: did not start or timed out.
ToolRun runClient(const QString& program, const QStringList& arguments, const QString& workingDirectory = {})
{
    QProcess process;
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    process.start(program, arguments);
    ToolRun run;
    if (!process.waitForStarted(10000))
        return run;
    const QDeadlineTimer deadline(ClientTimeoutMs);
    while (process.state() != QProcess::NotRunning && !deadline.hasExpired())
        QTest::qWait(5);
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(5000);
        return run;
    }
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return run;
}

// A command line as the dialog shows it, run by the shell (so its quoting is tested too).
ToolRun runShown(const QString& commandLine, const QString& workingDirectory)
{
    return runClient(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), commandLine}, workingDirectory);
}

QString runText(const ToolRun& run)
{
    return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
        .arg(run.exitCode)
        .arg(QString::fromLocal8Bit(run.out), QString::fromLocal8Bit(run.err));
}

uint64_t labelNumber(const QWidget* root, const QString& objectName)
{
    const auto* label = root->findChild<QLabel*>(objectName);
    return label ? QLocale().toULongLong(label->text()) : 0;
}

} // namespace

class TestNbdExportDialog : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void actionFollowsSelection();
    void servesDeviceToNbdClients();
    void addressInUseShowsError();
    void readOnlyChoiceReachesClients();
    void closingStopsServer();

private:
    bool selectDevice(const QString& name);
    NbdExportDialog* openDialog(const QString& name);
    bool startOnSocket(NbdExportDialog* dialog, const QString& path);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<DeviceRegistry> m_registry;
    std::unique_ptr<MainWindow> m_window;
};

void TestNbdExportDialog::init()
{
    QVERIFY2(!findTool(QStringLiteral("nbdinfo")).isEmpty(), "nbdinfo (libnbd-bin) is not installed");
    QVERIFY2(!findTool(QStringLiteral("nbdcopy")).isEmpty(), "nbdcopy (libnbd-bin) is not installed");
    QVERIFY2(!findTool(QStringLiteral("qemu-img")).isEmpty(), "qemu-img (qemu-utils) is not installed");
    QVERIFY2(!findTool(QStringLiteral("qemu-io")).isEmpty(), "qemu-io (qemu-utils) is not installed");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto concise = ensureDemoStack(m_dir->path());
    QVERIFY2(concise, qPrintable(concise.message()));
    m_registry = std::make_unique<DeviceRegistry>();
    m_window = std::make_unique<MainWindow>(*m_registry);
    QVERIFY(m_window->openStackFile(*concise));
    m_window->show();
}

void TestNbdExportDialog::cleanup()
{
    m_window.reset(); // stops whatever still serves, before the devices go
    m_registry.reset();
    m_dir.reset();
}

bool TestNbdExportDialog::selectDevice(const QString& name)
{
    auto* tree = m_window->findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    for (QTreeWidgetItemIterator it(tree); *it; ++it) {
        if ((*it)->text(0) == name) {
            tree->setCurrentItem(*it);
            return true;
        }
    }
    return false;
}

NbdExportDialog* TestNbdExportDialog::openDialog(const QString& name)
{
    auto* action = m_window->findChild<QAction*>(QStringLiteral("exportNbdAction"));
    if (!action || !selectDevice(name) || !action->isEnabled())
        return nullptr;
    action->trigger();
    for (auto* dialog : m_window->findChildren<NbdExportDialog*>()) {
        if (dialog->deviceName() == name && dialog->isVisible())
            return dialog;
    }
    return nullptr;
}

bool TestNbdExportDialog::startOnSocket(NbdExportDialog* dialog, const QString& path)
{
    dialog->findChild<QRadioButton*>(QStringLiteral("nbdUnixRadio"))->setChecked(true);
    dialog->findChild<QLineEdit*>(QStringLiteral("nbdSocketPathEdit"))->setText(path);
    dialog->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->click();
    QDeadlineTimer deadline(10000);
    while (dialog->isBusy() && !deadline.hasExpired())
        QTest::qWait(5);
    return dialog->isServing();
}

void TestNbdExportDialog::actionFollowsSelection()
{
    auto* action = m_window->findChild<QAction*>(QStringLiteral("exportNbdAction"));
    QVERIFY(action);
    QVERIFY(!action->shortcut().isEmpty());
    QMenu* deviceMenu = nullptr;
    for (QAction* menuAction : m_window->menuBar()->actions()) {
        if (menuAction->menu() && menuAction->menu()->actions().contains(action))
            deviceMenu = menuAction->menu();
    }
    QVERIFY(deviceMenu);
    QCOMPARE(deviceMenu->title().remove(u'&'), QStringLiteral("Device"));

    // The image file's row is no mapped device: nothing to export.
    auto* tree = m_window->findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    QTreeWidgetItem* image = nullptr;
    for (QTreeWidgetItemIterator it(tree); *it; ++it) {
        if ((*it)->text(0) == u"demo.img")
            image = *it;
    }
    QVERIFY(image);
    tree->setCurrentItem(image);
    QVERIFY(!action->isEnabled());
    QVERIFY(selectDevice(QStringLiteral("demo-top")));
    QVERIFY(action->isEnabled());

    NbdExportDialog* dialog = openDialog(QStringLiteral("demo-top"));
    QVERIFY(dialog);
    QCOMPARE(dialog->objectName(), QStringLiteral("nbdExportDialog"));
    QVERIFY(!dialog->isModal());
    QVERIFY(dialog->windowTitle().contains(QStringLiteral("demo-top")));
    const QString socket = dialog->findChild<QLineEdit*>(QStringLiteral("nbdSocketPathEdit"))->text();
    QCOMPARE(socket, NbdExportDialog::defaultSocketPath(QStringLiteral("demo-top")));
    QCOMPARE(QFileInfo(socket).fileName(), QStringLiteral("cryptstack-demo-top.sock"));
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    QCOMPARE(QFileInfo(socket).absolutePath(),
             QFileInfo(!runtime.isEmpty() && QFileInfo(runtime).isDir() ? runtime : QDir::tempPath())
                 .absoluteFilePath());
    QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("nbdHostEdit"))->text(),
             QStringLiteral("127.0.0.1"));
    QCOMPARE(dialog->findChild<QSpinBox*>(QStringLiteral("nbdPortSpin"))->value(), 10809);
    // demo-top is a read-only mapping: the export cannot be anything else.
    auto* readOnly = dialog->findChild<QCheckBox*>(QStringLiteral("nbdReadOnlyCheck"));
    QVERIFY(readOnly->isChecked());
    QVERIFY(!readOnly->isEnabled());
    QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->isEnabled());
    QVERIFY(!dialog->findChild<QPushButton*>(QStringLiteral("nbdStopButton"))->isEnabled());
    QVERIFY(dialog->findChild<QLineEdit*>(QStringLiteral("nbdUriEdit"))->text().isEmpty());

    // The same device again: the same dialog, raised.
    QCOMPARE(openDialog(QStringLiteral("demo-top")), dialog);
    QCOMPARE(m_window->findChildren<NbdExportDialog*>().size(), 1);
}

void TestNbdExportDialog::servesDeviceToNbdClients()
{
    const auto device = m_registry->find(QStringLiteral("demo-top"));
    QVERIFY(device);
    NbdExportDialog* dialog = openDialog(QStringLiteral("demo-top"));
    QVERIFY(dialog);
    const QString socket = m_dir->filePath(QStringLiteral("export.sock"));
    dialog->findChild<QLineEdit*>(QStringLiteral("nbdSocketPathEdit"))->setText(socket);
    // Start answers at once: the server binds on another thread and reports back.
    dialog->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->click();
    QVERIFY(dialog->isBusy());
    QCOMPARE(dialog->findChild<QLabel*>(QStringLiteral("nbdStatusLabel"))->text(),
             QStringLiteral("Starting…"));
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isServing(), 10000);
    QVERIFY(QFileInfo(socket).exists());
    QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("nbdStatusLabel"))->text().contains(socket));
    QVERIFY(!dialog->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->isEnabled());
    QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("nbdStopButton"))->isEnabled());

    const QString uri = QStringLiteral("nbd+unix:///?socket=") + socket;
    QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("nbdUriEdit"))->text(), uri);
    const auto shown = [dialog](const char* objectName) {
        return dialog->findChild<QLineEdit*>(QString::fromLatin1(objectName))->text();
    };
    const QString quoted = u'\'' + uri + u'\'';
    QCOMPARE(shown("nbdinfoCommand"), QStringLiteral("nbdinfo ") + quoted);
    QCOMPARE(shown("nbdcopyCommand"), QStringLiteral("nbdcopy %1 disk.raw").arg(quoted));
    QCOMPARE(shown("qemuImgInfoCommand"), QStringLiteral("qemu-img info -f raw ") + quoted);
    QVERIFY(shown("qemuImgConvertCommand").contains(QStringLiteral("-O qcow2 %1 copy.qcow2").arg(quoted)));
    QCOMPARE(shown("guestfishCommand"), QStringLiteral("guestfish --ro --format=raw -a %1 -i").arg(quoted));
    QCOMPARE(shown("nbdClientCommand"), QStringLiteral("sudo nbd-client -unix %1 /dev/nbd0").arg(socket));
    QCOMPARE(shown("mountCommand"), QStringLiteral("sudo mount -o ro /dev/nbd0 /mnt"));
    dialog->findChild<QPushButton*>(QStringLiteral("nbdcopyCommandCopy"))->click();
    QCOMPARE(QGuiApplication::clipboard()->text(), shown("nbdcopyCommand"));

    // A timer on the GUI thread: it keeps firing while the clients talk to the server.
    int ticks = 0;
    QTimer timer;
    timer.setInterval(5);
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start();

    const int ticksBefore = ticks;
    const ToolRun info = runClient(findTool(QStringLiteral("nbdinfo")), {QStringLiteral("--json"), uri});
    QVERIFY2(info.ok(), qPrintable(runText(info)));
    QVERIFY2(ticks > ticksBefore, "the GUI thread's timer stopped while nbdinfo ran");
    const QJsonObject exported = QJsonDocument::fromJson(info.out)
                                     .object()
                                     .value(QStringLiteral("exports"))
                                     .toArray()
                                     .at(0)
                                     .toObject();
    QCOMPARE(exported.value(QStringLiteral("export-size")).toInteger(),
             static_cast<qint64>(device->sizeBytes()));
    QCOMPARE(exported.value(QStringLiteral("is_read_only")).toBool(), true);
    QVERIFY2(exported.value(QStringLiteral("description")).toString().contains(QStringLiteral("demo-top")),
             info.out.constData());

    // The command lines as shown work when pasted into a shell.
    const ToolRun copy = runShown(shown("nbdcopyCommand"), m_dir->path());
    QVERIFY2(copy.ok(), qPrintable(runText(copy)));
    QFile raw(m_dir->filePath(QStringLiteral("disk.raw")));
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QByteArray copied = raw.readAll();
    QByteArray expected(static_cast<qsizetype>(device->sizeBytes()), '\0');
    QVERIFY(device->readBytes(0, expected.data(), static_cast<uint64_t>(expected.size())));
    QCOMPARE(copied.size(), expected.size());
    QVERIFY(copied == expected);
    QVERIFY(copied.startsWith("CryptStack demo volume, sector 4096\n")); // decrypted, at the offset
    const ToolRun qemu = runShown(shown("qemuImgInfoCommand"), m_dir->path());
    QVERIFY2(qemu.ok(), qPrintable(runText(qemu)));
    QVERIFY2(qemu.out.contains(QStringLiteral("(%1 bytes)").arg(device->sizeBytes()).toUtf8()),
             qemu.out.constData());

    // The stats timer saw the clients: three connections, the whole device read.
    QTRY_VERIFY_WITH_TIMEOUT(labelNumber(dialog, QStringLiteral("nbdTotalConnectionsValue")) >= 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(labelNumber(dialog, QStringLiteral("nbdOpenConnectionsValue")), uint64_t(0),
                              5000);
    QVERIFY(labelNumber(dialog, QStringLiteral("nbdRequestsValue")) > 0);
    QCOMPARE(labelNumber(dialog, QStringLiteral("nbdErrorsValue")), uint64_t(0));
    QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("nbdBytesReadValue"))->text() !=
            QLocale().formattedDataSize(0, 1, QLocale::DataSizeTraditionalFormat));

    // Stop answers at once and finishes on another thread; then the socket is gone.
    auto* start = dialog->findChild<QPushButton*>(QStringLiteral("nbdStartButton"));
    dialog->findChild<QPushButton*>(QStringLiteral("nbdStopButton"))->click();
    QVERIFY(dialog->isBusy());
    QVERIFY(!start->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(start->isEnabled(), 10000);
    QVERIFY(!dialog->isServing());
    QVERIFY(!QFileInfo::exists(socket));
    auto* error = dialog->findChild<QLabel*>(QStringLiteral("nbdErrorLabel"));
    QVERIFY2(error->isHidden(), qPrintable(error->text())); // the final flush succeeded
    QVERIFY(dialog->findChild<QLineEdit*>(QStringLiteral("nbdUriEdit"))->text().isEmpty());
    QVERIFY(labelNumber(dialog, QStringLiteral("nbdTotalConnectionsValue")) >= 3); // the totals stay
    const ToolRun refused = runClient(findTool(QStringLiteral("nbdinfo")), {uri});
    QVERIFY(!refused.ok());
}

void TestNbdExportDialog::addressInUseShowsError()
{
    NbdExportDialog* first = openDialog(QStringLiteral("demo-top"));
    QVERIFY(first);
    const QString socket = m_dir->filePath(QStringLiteral("shared.sock"));
    QVERIFY(startOnSocket(first, socket));

    NbdExportDialog* second = openDialog(QStringLiteral("demo-crypt"));
    QVERIFY(second);
    QVERIFY(second != first);
    auto* error = second->findChild<QLabel*>(QStringLiteral("nbdErrorLabel"));
    QVERIFY(error->isHidden());
    QVERIFY(!startOnSocket(second, socket));
    QVERIFY(!error->isHidden());
    QVERIFY2(error->text().contains(QStringLiteral("in use")), qPrintable(error->text()));
    QVERIFY2(error->text().contains(socket), qPrintable(error->text())); // the detail message
    QVERIFY(second->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->isEnabled());
    QVERIFY(!second->findChild<QPushButton*>(QStringLiteral("nbdStopButton"))->isEnabled());
    // The first server still serves.
    const QString uri = QStringLiteral("nbd+unix:///?socket=") + socket;
    const ToolRun info = runClient(findTool(QStringLiteral("nbdinfo")), {QStringLiteral("--size"), uri});
    QVERIFY2(info.ok(), qPrintable(runText(info)));
    QCOMPARE(info.out.trimmed().toULongLong(), m_registry->find(QStringLiteral("demo-top"))->sizeBytes());

    // A file that is no socket is left alone.
    const QString file = m_dir->filePath(QStringLiteral("not-a-socket"));
    {
        QFile plain(file);
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.write("keep me");
    }
    QVERIFY(!startOnSocket(second, file));
    QVERIFY2(error->text().contains(QStringLiteral("not a socket")), qPrintable(error->text()));
    QFile plain(file);
    QVERIFY(plain.open(QIODevice::ReadOnly));
    QCOMPARE(plain.readAll(), QByteArray("keep me"));

    // A TCP port in use: the first server takes any free port, the second asks for that one.
    first->findChild<QPushButton*>(QStringLiteral("nbdStopButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(!first->isBusy(), 10000);
    first->findChild<QRadioButton*>(QStringLiteral("nbdTcpRadio"))->setChecked(true);
    first->findChild<QSpinBox*>(QStringLiteral("nbdPortSpin"))->setValue(0);
    first->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(first->isServing(), 10000);
    const QString tcpUri = first->findChild<QLineEdit*>(QStringLiteral("nbdUriEdit"))->text();
    QVERIFY2(tcpUri.startsWith(QStringLiteral("nbd://127.0.0.1:")), qPrintable(tcpUri));
    const int port = tcpUri.section(u':', -1).toInt();
    QVERIFY(port > 0);
    QCOMPARE(first->findChild<QLineEdit*>(QStringLiteral("nbdClientCommand"))->text(),
             QStringLiteral("sudo nbd-client 127.0.0.1 %1 /dev/nbd0 -N ''").arg(port));
    const ToolRun tcpInfo =
        runClient(findTool(QStringLiteral("nbdinfo")), {QStringLiteral("--size"), tcpUri});
    QVERIFY2(tcpInfo.ok(), qPrintable(runText(tcpInfo)));
    second->findChild<QRadioButton*>(QStringLiteral("nbdTcpRadio"))->setChecked(true);
    second->findChild<QLineEdit*>(QStringLiteral("nbdHostEdit"))->setText(QStringLiteral("127.0.0.1"));
    second->findChild<QSpinBox*>(QStringLiteral("nbdPortSpin"))->setValue(port);
    second->findChild<QPushButton*>(QStringLiteral("nbdStartButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(!second->isBusy(), 10000);
    QVERIFY(!second->isServing());
    QVERIFY2(error->text().contains(QStringLiteral("in use")), qPrintable(error->text()));
    QVERIFY(first->isServing());
}

void TestNbdExportDialog::readOnlyChoiceReachesClients()
{
    const auto device = m_registry->find(QStringLiteral("demo-crypt"));
    NbdExportDialog* dialog = openDialog(QStringLiteral("demo-crypt"));
    QVERIFY(dialog);
    auto* readOnly = dialog->findChild<QCheckBox*>(QStringLiteral("nbdReadOnlyCheck"));
    QVERIFY(readOnly->isEnabled()); // a read-write mapping
    QVERIFY(!readOnly->isChecked());
    const QString socket = m_dir->filePath(QStringLiteral("crypt.sock"));
    const QString uri = QStringLiteral("nbd+unix:///?socket=") + socket;
    const QString write = QStringLiteral("write -P 0x5a 65536 4096");

    readOnly->setChecked(true);
    QVERIFY(startOnSocket(dialog, socket));
    const ToolRun refused =
        runClient(findTool(QStringLiteral("qemu-io")),
                  {QStringLiteral("-f"), QStringLiteral("raw"), QStringLiteral("-c"), write, uri});
    // qemu opens the export for writing and is refused: the server announced it read-only.
    QVERIFY2(refused.exitCode > 0, qPrintable(runText(refused)));
    const ToolRun info = runClient(findTool(QStringLiteral("nbdinfo")), {QStringLiteral("--json"), uri});
    QVERIFY2(info.ok(), qPrintable(runText(info)));
    QCOMPARE(QJsonDocument::fromJson(info.out)
                 .object()
                 .value(QStringLiteral("exports"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("is_read_only"))
                 .toBool(),
             true);
    QByteArray sector(4096, '\0');
    QVERIFY(device->readBytes(65536, sector.data(), 4096));
    QVERIFY(sector.startsWith("CryptStack demo volume, sector 128\n"));
    dialog->findChild<QPushButton*>(QStringLiteral("nbdStopButton"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy(), 10000);

    readOnly->setChecked(false);
    QVERIFY(startOnSocket(dialog, socket));
    QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("guestfishCommand"))->text(),
             QStringLiteral("guestfish --format=raw -a '%1' -i").arg(uri));
    const ToolRun written =
        runClient(findTool(QStringLiteral("qemu-io")),
                  {QStringLiteral("-f"), QStringLiteral("raw"), QStringLiteral("-c"), write, uri});
    QVERIFY2(written.ok() && !written.out.contains("error"), qPrintable(runText(written)));
    QVERIFY(device->readBytes(65536, sector.data(), 4096));
    QCOMPARE(sector, QByteArray(4096, '\x5a'));
    QTRY_VERIFY_WITH_TIMEOUT(dialog->findChild<QLabel*>(QStringLiteral("nbdBytesWrittenValue"))->text() ==
                                 QLocale().formattedDataSize(4096, 1, QLocale::DataSizeTraditionalFormat),
                             5000);
}

void TestNbdExportDialog::closingStopsServer()
{
    NbdExportDialog* dialog = openDialog(QStringLiteral("demo-top"));
    QVERIFY(dialog);
    const QString socket = m_dir->filePath(QStringLiteral("close.sock"));
    QVERIFY(startOnSocket(dialog, socket));
    QSignalSpy stopped(dialog, &NbdExportDialog::stopped);
    dialog->close();
    QVERIFY(!dialog->isVisible());
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
    QVERIFY(!QFileInfo::exists(socket));

    // Open again: the same dialog, ready to start again.
    QCOMPARE(openDialog(QStringLiteral("demo-top")), dialog);
    QVERIFY(startOnSocket(dialog, socket));
    NbdExportDialog* other = openDialog(QStringLiteral("demo-crypt"));
    QVERIFY(other);
    const QString otherSocket = m_dir->filePath(QStringLiteral("close-other.sock"));
    QVERIFY(startOnSocket(other, otherSocket));

    // Closing the main window stops both; destroying it waits for them without a deadlock.
    m_window->close();
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(socket) && !QFileInfo::exists(otherSocket), 10000);
    QVERIFY(!dialog->isVisible() && !other->isVisible());
    m_window.reset();
    const ToolRun info =
        runClient(findTool(QStringLiteral("nbdinfo")), {QStringLiteral("nbd+unix:///?socket=") + socket});
    QVERIFY(!info.ok());
}

QTEST_MAIN(TestNbdExportDialog)
#include "TestNbdExportDialog.moc"
