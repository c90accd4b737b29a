#include "ScreenshotTour.h"

#include "BenchmarkView.h"
#include "HeaderBackupDialog.h"
#include "InspectEntropyPanel.h"
#include "InspectLayoutPanel.h"
#include "InspectSectorPanel.h"
#include "InspectView.h"
#include "KeySlotsDialog.h"
#include "MainWindow.h"
#include "NewVolumeWizard.h"
#include "PipelineController.h"
#include "PipelineView.h"
#include "StackBuilderDialog.h"
#include "UnlockDialog.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"
#include "dm/MappedDevice.h"
#include "formats/HeaderDevice.h"
#include "formats/LuksFormat.h"
#include "formats/SecureRandom.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

namespace cryptstack {

namespace {

constexpr qint64 DemoImageBytes = 32 << 20;
const char* const DemoPassphrase = "correct horse battery staple";

// A LUKS2 volume as luksFormat makes it, with PBKDF2 at 1000 iterations so the tour stays quick.
Result<SecureBuffer> formatDemoVolume(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !file.resize(DemoImageBytes))
        return Status(ErrorCode::IOError,
                      QStringLiteral("Cannot create %1: %2").arg(path, file.errorString()));
    file.close();
    KdfRequest cheap;
    cheap.type = QStringLiteral("pbkdf2");
    cheap.forcedIterations = 1000;
    LuksFormatRequest request;
    request.version = 2;
    request.luks2.sectorSize = 4096;
    request.luks2.label = QStringLiteral("demo");
    request.luks2.digestKdf = cheap;
    request.keyslot.kdf = cheap;
    SecureBuffer volumeKey(64);
    if (Status status = SecureRandom::fill({volumeKey.data(), volumeKey.size()}); !status)
        return status;
    auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadWrite);
    if (!device)
        return device.status();
    const QByteArray passphrase(DemoPassphrase);
    auto formatted = LuksFormat::format(
        std::move(*device), request, volumeKey,
        {reinterpret_cast<const uint8_t*>(passphrase.constData()), static_cast<size_t>(passphrase.size())});
    if (!formatted)
        return formatted.status();
    return volumeKey;
}

// Readable text in the first sectors of the mapped volume, so the sector inspector and the
// entropy map have plaintext to show next to the ciphertext.
Status writeDemoText(BlockDevice& device)
{
    QByteArray text;
    while (text.size() < 64 * 1024)
        text += "CryptStack demo volume: this text is stored encrypted with aes-xts-plain64. ";
    text.truncate(64 * 1024);
    return device.writeBytes(0, text.constData(), static_cast<uint64_t>(text.size()));
}

} // namespace

bool ScreenshotTour::fail(const QString& what)
{
    m_error = what;
    return false;
}

bool ScreenshotTour::waitFor(const std::function<bool()>& done, int timeoutMs, const QString& what)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return fail(QStringLiteral("Timed out waiting for %1").arg(what));
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

bool ScreenshotTour::save(QWidget* widget, const QString& name)
{
    QCoreApplication::processEvents(); // let layouts and charts settle
    const QString path = QDir(m_directory).filePath(name + QStringLiteral(".png"));
    if (!widget->grab().save(path, "PNG"))
        return fail(QStringLiteral("Cannot write %1").arg(path));
    m_written << path;
    return true;
}

bool ScreenshotTour::run()
{
    if (!QDir().mkpath(m_directory))
        return fail(QStringLiteral("Cannot create the directory %1").arg(m_directory));
    QTemporaryDir scratch;
    if (!scratch.isValid())
        return fail(QStringLiteral("Cannot create a scratch directory: %1").arg(scratch.errorString()));
    const QString image = scratch.filePath(QStringLiteral("demo-luks2.img"));
    auto volumeKey = formatDemoVolume(image);
    if (!volumeKey)
        return fail(volumeKey.status().message());
    auto demoStack = ensureDemoStack(scratch.path());
    if (!demoStack)
        return fail(demoStack.status().message());

    DeviceRegistry registry;
    bool ok = [&] {
        MainWindow window(registry);
        window.resize(1280, 800);
        window.show();
        if (!window.openStackFile(*demoStack))
            return fail(QStringLiteral("The demo stack did not open"));

        // Unlock the demo volume through the unlock dialog, as a person would.
        UnlockDialog* unlock = window.openVolume(image);
        auto* passphrase = unlock->findChild<QLineEdit*>(QStringLiteral("unlockPassphraseEdit"));
        auto* unlockButton = unlock->findChild<QPushButton*>(QStringLiteral("unlockButton"));
        if (!passphrase || !unlockButton)
            return fail(QStringLiteral("The unlock dialog has no passphrase field"));
        if (!waitFor([&] { return unlockButton->isEnabled(); }, 30000, QStringLiteral("the unlock dialog")))
            return false;
        unlock->findChild<QLineEdit*>(QStringLiteral("unlockNameEdit"))
            ->setText(QStringLiteral("demo-volume"));
        passphrase->setText(QString::fromLatin1(DemoPassphrase));
        if (!save(unlock, QStringLiteral("unlock-dialog")))
            return false;
        unlockButton->click();
        if (!waitFor([&] { return registry.find(QStringLiteral("demo-volume")) != nullptr; }, 30000,
                     QStringLiteral("the demo volume to open")))
            return false;
        if (Status status = writeDemoText(*registry.find(QStringLiteral("demo-volume"))); !status)
            return fail(status.message());
        window.refresh();
        auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
        const QString probing = QCoreApplication::translate("cryptstack::MainWindow", "probing…");
        if (!waitFor(
                [&] {
                    for (QTreeWidgetItemIterator it(tree); *it; ++it)
                        if ((*it)->text(4) == probing)
                            return false;
                    return true;
                },
                30000, QStringLiteral("the Contents column")))
            return false;
        if (!save(&window, QStringLiteral("main-window")))
            return false;

        // The first page of each wizard and dialog.
        NewVolumeWizard* wizard = window.showNewVolumeWizard();
        if (!save(wizard, QStringLiteral("new-volume-wizard")))
            return false;
        wizard->close();
        KeySlotsDialog* keySlots = window.showKeySlots(image);
        auto* slotsTree = keySlots->findChild<QTreeWidget*>(QStringLiteral("keySlotsTree"));
        if (!waitFor([&] { return slotsTree && slotsTree->topLevelItemCount() > 0; }, 30000,
                     QStringLiteral("the key slots")))
            return false;
        if (!save(keySlots, QStringLiteral("key-slots-dialog")))
            return false;
        keySlots->close();
        HeaderBackupDialog* header = window.showHeaderDialog(image, HeaderBackupDialog::Mode::Backup);
        if (!save(header, QStringLiteral("header-backup-dialog")))
            return false;
        header->close();
        StackBuilderDialog* builder = window.showStackBuilder();
        builder->findChild<QComboBox*>(QStringLiteral("layerLower"))->setCurrentText(image);
        if (!save(builder, QStringLiteral("stack-builder")))
            return false;
        builder->close();

        // Inspect: the header's anatomy, one sector decrypted, the entropy map.
        InspectView* inspect = window.inspectView();
        bool inspected = false;
        QObject::connect(inspect, &InspectView::loaded, inspect, [&] { inspected = true; });
        window.inspectImage(image);
        if (!waitFor([&] { return inspected; }, 30000, QStringLiteral("the inspector")))
            return false;
        inspect->tabs()->setCurrentWidget(inspect->layoutPanel());
        if (auto* headerOnly = inspect->findChild<QCheckBox*>(QStringLiteral("inspectLayoutHeaderOnly")))
            headerOnly->setChecked(true); // the header regions, not a sliver beside the data
        if (!save(&window, QStringLiteral("header-anatomy")))
            return false;
        bool sectorShown = false;
        QObject::connect(inspect->sectorPanel(), &InspectSectorPanel::sectorShown, inspect,
                         [&] { sectorShown = true; });
        inspect->setVolumeKey(volumeKey->copy());
        auto* sectorNumber = inspect->findChild<QSpinBox*>(QStringLiteral("inspectSector"));
        auto* show = inspect->findChild<QPushButton*>(QStringLiteral("inspectShowSector"));
        if (!sectorNumber || !show)
            return fail(QStringLiteral("The sector inspector has no sector field"));
        sectorNumber->setValue(1);
        show->click();
        if (!waitFor([&] { return sectorShown; }, 30000, QStringLiteral("the sector inspector")))
            return false;
        inspect->tabs()->setCurrentWidget(inspect->sectorPanel());
        if (!save(&window, QStringLiteral("sector-inspector")))
            return false;
        inspect->tabs()->setCurrentWidget(inspect->entropyPanel());
        if (!waitFor([&] { return !inspect->entropyPanel()->isScanning(); }, 60000,
                     QStringLiteral("the entropy map")))
            return false;
        if (!save(&window, QStringLiteral("entropy-map")))
            return false;

        // The pipeline under load: the teaching stack with a slow lower device.
        PipelineView* pipeline = window.pipelineView();
        PipelineController& controller = pipeline->controller();
        window.findChild<QTabWidget*>(QStringLiteral("mainTabs"))->setCurrentWidget(pipeline);
        pipeline->buildPipelineStack();
        if (!waitFor(
                [&] { return controller.deviceName() == u"pipeline-crypt" && controller.sample().hasDevice; },
                30000, QStringLiteral("the pipeline teaching stack")))
            return false;
        auto* start = pipeline->findChild<QPushButton*>(QStringLiteral("startWorkload"));
        if (!start ||
            !waitFor([&] { return start->isEnabled(); }, 15000, QStringLiteral("the workload panel")))
            return false;
        start->click();
        if (!waitFor([&] { return controller.isWorkloadRunning(); }, 15000, QStringLiteral("the workload")))
            return false;
        QElapsedTimer underLoad;
        underLoad.start();
        if (!waitFor([&] { return underLoad.elapsed() > 4000; }, 10000, QStringLiteral("samples")))
            return false;
        if (!save(&window, QStringLiteral("pipeline")))
            return false;
        pipeline->findChild<QPushButton*>(QStringLiteral("stopWorkload"))->click();
        if (!waitFor([&] { return !controller.isWorkloadRunning(); }, 30000,
                     QStringLiteral("the workload to stop")))
            return false;

        // The deadlock demonstration, once the watchdog has explained the stall.
        window.showDeadlockDemonstration();
        auto* watchdog = pipeline->findChild<QPlainTextEdit*>(QStringLiteral("watchdogReport"));
        if (!watchdog ||
            !waitFor([&] { return watchdog->toPlainText().contains(QStringLiteral("Breaking it")); }, 60000,
                     QStringLiteral("the watchdog's report")))
            return false;
        if (!save(&window, QStringLiteral("deadlock-demonstration")))
            return false;
        if (!waitFor([&] { return !controller.isWorkloadRunning(); }, 30000,
                     QStringLiteral("the demonstration to end")))
            return false;

        // The benchmark view: a short workload on the demo volume, then the cipher table.
        auto* benchmark = window.findChild<BenchmarkView*>();
        window.findChild<QTabWidget*>(QStringLiteral("mainTabs"))->setCurrentWidget(benchmark);
        benchmark->refreshDevices();
        auto* device = benchmark->findChild<QComboBox*>(QStringLiteral("workloadDevice"));
        device->setCurrentIndex(device->findText(QStringLiteral("demo-volume")));
        benchmark->findChild<QSpinBox*>(QStringLiteral("workloadSeconds"))->setValue(1);
        benchmark->runWorkload();
        if (!waitFor([&] { return !benchmark->isBusy(); }, 30000, QStringLiteral("the benchmark workload")))
            return false;
        benchmark->setCipherMeasureTime(std::chrono::milliseconds(30));
        benchmark->runCipherBenchmark();
        if (!waitFor([&] { return !benchmark->isBusy(); }, 90000, QStringLiteral("the cipher benchmark")))
            return false;
        if (!save(&window, QStringLiteral("benchmark")))
            return false;
        window.close();
        return true;
    }();
    registry.removeAll();
    return ok;
}

} // namespace cryptstack
