#include "MainWindow.h"
#include "BenchmarkView.h"

#include "ContentProber.h"
#include "InspectView.h"
#include "KeySlotsDialog.h"
#include "NbdExportDialog.h"
#include "NewVolumeWizard.h"
#include "PipelineController.h"
#include "PipelineView.h"
#include "StackBuilderDialog.h"
#include "UnlockDialog.h"
#include "VolumeTask.h"
#include "dm/ConciseFormat.h"
#include "dm/DeviceRegistry.h"
#include "volume/VolumeMapper.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPalette>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QToolBar>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

namespace cryptstack {

namespace {

enum Column { NameColumn, TargetColumn, SizeColumn, StateColumn, ContentsColumn };
constexpr int DeviceNameRole = Qt::UserRole;
constexpr int ImagePathRole = Qt::UserRole + 1;
constexpr int RecentLimit = 8;
const QString RecentKey = QStringLiteral("volumes/recent");
const QString ThemeKey = QStringLiteral("ui/theme");
const QString GeometryKey = QStringLiteral("window/geometry");
const QString StateKey = QStringLiteral("window/state");

QPalette darkPalette()
{
    QPalette palette;
    const QColor window(45, 45, 48);
    const QColor base(30, 30, 32);
    const QColor text(225, 225, 225);
    const QColor disabled(127, 127, 127);
    const QColor highlight(42, 130, 218);
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, window);
    palette.setColor(QPalette::ToolTipBase, window);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, disabled);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, window);
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, Qt::red);
    palette.setColor(QPalette::Link, highlight);
    palette.setColor(QPalette::Highlight, highlight);
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Disabled, QPalette::Text, disabled);
    palette.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
    palette.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
    return palette;
}

QString humanSize(uint64_t sectors)
{
    return QLocale().formattedDataSize(static_cast<qint64>(sectors * 512), 1,
                                       QLocale::DataSizeTraditionalFormat);
}

} // namespace

MainWindow::MainWindow(DeviceRegistry& registry, QWidget* parent)
    : QMainWindow(parent), m_registry(registry), m_tree(new QTreeWidget(this)),
      m_details(new QPlainTextEdit(this)), m_tabs(new QTabWidget(this)),
      m_pipeline(new PipelineView(registry, this)), m_inspect(new InspectView(this)),
      m_benchmark(new BenchmarkView(registry, this)), m_prober(new ContentProber(registry, this))
{
    setWindowTitle(tr("CryptStack"));
    resize(960, 600);

    m_tree->setObjectName(QStringLiteral("deviceTree"));
    m_tree->setAccessibleName(tr("Device stack"));
    m_tree->setHeaderLabels({tr("Device"), tr("Targets"), tr("Size"), tr("State"), tr("Contents")});
    m_tree->header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_details->setObjectName(QStringLiteral("deviceDetails"));
    m_details->setAccessibleName(tr("Device table and status"));
    m_details->setReadOnly(true);
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_tree);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setAccessibleName(tr("Views"));
    m_tabs->addTab(splitter, tr("&Devices"));
    m_tabs->addTab(m_pipeline, tr("&Pipeline"));
    m_tabs->addTab(m_inspect, tr("&Inspect"));
    m_tabs->addTab(m_benchmark, tr("&Benchmark"));
    setCentralWidget(m_tabs);

    setAcceptDrops(true);
    m_closeTask = new VolumeTask(QStringLiteral("gui-close"), this);
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    QAction* newVolume = fileMenu->addAction(tr("&New Volume…"), this, &MainWindow::showNewVolumeWizard);
    newVolume->setObjectName(QStringLiteral("newVolumeAction"));
    newVolume->setShortcut(QKeySequence::New);
    newVolume->setStatusTip(tr("Create an image file holding a new LUKS2, LUKS1 or plain volume"));
    QAction* openVolumeAction = fileMenu->addAction(tr("&Open Volume…"), this, [this] {
        const QString path = chooseImage(tr("Open Volume"));
        if (!path.isEmpty())
            openVolume(path);
    });
    openVolumeAction->setObjectName(QStringLiteral("openVolumeAction"));
    openVolumeAction->setShortcut(QKeySequence::Open);
    openVolumeAction->setStatusTip(tr("Unlock an encrypted image and map it as a device"));
    m_recentMenu = fileMenu->addMenu(tr("&Recent Volumes"));
    m_recentMenu->setObjectName(QStringLiteral("recentVolumesMenu"));
    m_closeVolumeAction = fileMenu->addAction(tr("&Close Volume"), this, &MainWindow::closeSelectedVolume);
    m_closeVolumeAction->setObjectName(QStringLiteral("closeVolumeAction"));
    m_closeVolumeAction->setShortcut(QKeySequence::Close);
    m_closeVolumeAction->setStatusTip(tr("Unmap the selected device"));
    m_closeVolumeAction->setEnabled(false);
    fileMenu->addSeparator();
    QAction* open = fileMenu->addAction(tr("Open &Stack File…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open Stack File"), QString(), tr("Concise stack files (*.concise);;All files (*)"));
        if (!path.isEmpty())
            openStackFile(path);
    });
    open->setObjectName(QStringLiteral("openStackFileAction"));
    open->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    fileMenu->addSeparator();
    QAction* quit = fileMenu->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* deviceMenu = menuBar()->addMenu(tr("De&vice"));
    m_exportNbdAction =
        deviceMenu->addAction(tr("&Export over NBD…"), this, &MainWindow::exportSelectedDevice);
    m_exportNbdAction->setObjectName(QStringLiteral("exportNbdAction"));
    m_exportNbdAction->setShortcut(QKeySequence(tr("Ctrl+E")));
    m_exportNbdAction->setStatusTip(
        tr("Serve the selected device to NBD clients such as nbdinfo, qemu-img or nbd-client"));
    m_exportNbdAction->setEnabled(false);
    QAction* buildStack = deviceMenu->addAction(tr("&Build Stack…"), this, &MainWindow::showStackBuilder);
    buildStack->setObjectName(QStringLiteral("buildStackAction"));
    buildStack->setShortcut(QKeySequence(tr("Ctrl+B")));
    buildStack->setStatusTip(tr("Compose linear, crypt, delay and flakey layers into a new device stack"));
    QMenu* volumeMenu = menuBar()->addMenu(tr("V&olume"));
    QAction* keySlots = volumeMenu->addAction(tr("&Key Slots…"), this, [this] {
        QString path = selectedImagePath();
        if (path.isEmpty())
            path = chooseImage(tr("Key Slots of a LUKS Image"));
        if (!path.isEmpty())
            showKeySlots(path);
    });
    keySlots->setObjectName(QStringLiteral("keySlotsAction"));
    QAction* headerBackup = volumeMenu->addAction(tr("Header &Backup…"), this, [this] {
        QString path = selectedImagePath();
        if (path.isEmpty())
            path = chooseImage(tr("Back Up the Header of a LUKS Image"));
        if (!path.isEmpty())
            showHeaderDialog(path, HeaderBackupDialog::Mode::Backup);
    });
    headerBackup->setObjectName(QStringLiteral("headerBackupAction"));
    QAction* headerRestore = volumeMenu->addAction(tr("Header &Restore…"), this, [this] {
        QString path = selectedImagePath();
        if (path.isEmpty())
            path = chooseImage(tr("Restore the Header of a LUKS Image"));
        if (!path.isEmpty())
            showHeaderDialog(path, HeaderBackupDialog::Mode::Restore);
    });
    headerRestore->setObjectName(QStringLiteral("headerRestoreAction"));
    volumeMenu->addSeparator();
    QAction* inspect = volumeMenu->addAction(tr("&Inspect Image…"), this, [this] {
        QString path = selectedImagePath();
        if (path.isEmpty())
            path = firstImageBelowSelection();
        if (path.isEmpty())
            path = chooseImage(tr("Inspect an Image"));
        if (!path.isEmpty())
            inspectImage(path);
    });
    inspect->setObjectName(QStringLiteral("inspectImageAction"));
    inspect->setShortcut(QKeySequence(tr("Ctrl+I")));
    inspect->setStatusTip(tr("Show the image's on-disk layout, header, sectors and entropy"));
    QMenu* teachingMenu = menuBar()->addMenu(tr("&Teaching"));
    QAction* pipelineStack = teachingMenu->addAction(tr("&Build Pipeline Teaching Stack"), this, [this] {
        m_tabs->setCurrentWidget(m_pipeline);
        m_pipeline->buildPipelineStack();
    });
    pipelineStack->setObjectName(QStringLiteral("pipelineStackAction"));
    QAction* deadlock =
        teachingMenu->addAction(tr("&Deadlock Demonstration"), this, &MainWindow::showDeadlockDemonstration);
    deadlock->setObjectName(QStringLiteral("deadlockDemoAction"));
    QAction* normal =
        teachingMenu->addAction(tr("Rebuild the Demonstration with the &Normal Design"), this, [this] {
            m_tabs->setCurrentWidget(m_pipeline);
            m_pipeline->rebuildDeadlockDemoNormally();
        });
    normal->setObjectName(QStringLiteral("deadlockNormalAction"));
    QMenu* settingsMenu = menuBar()->addMenu(tr("&Settings"));
    QMenu* themeMenu = settingsMenu->addMenu(tr("&Theme"));
    themeMenu->setObjectName(QStringLiteral("themeMenu"));
    m_themeGroup = new QActionGroup(this);
    m_themeGroup->setExclusive(true);
    const QList<std::pair<QString, QString>> themes = {{QStringLiteral("system"), tr("&System")},
                                                       {QStringLiteral("light"), tr("&Light")},
                                                       {QStringLiteral("dark"), tr("&Dark")}};
    for (const auto& [key, label] : themes) {
        QAction* action = themeMenu->addAction(label);
        action->setObjectName(QStringLiteral("theme%1Action").arg(key.at(0).toUpper() + key.mid(1)));
        action->setCheckable(true);
        action->setData(key);
        m_themeGroup->addAction(action);
        connect(action, &QAction::triggered, this, [this, key] { setTheme(key); });
    }
    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About CryptStack"), this, [this] {
        QMessageBox::about(
            this, tr("About CryptStack"),
            tr("CryptStack: encrypted volumes and device-mapper stacks in image files, without root."));
    });

    // The everyday actions, one click away.
    QToolBar* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolBar->addActions({newVolume, openVolumeAction, m_closeVolumeAction});
    toolBar->addSeparator();
    toolBar->addActions({buildStack, m_exportNbdAction});

    connect(m_tree, &QTreeWidget::currentItemChanged, this, &MainWindow::showDetails);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, &MainWindow::updateDeviceActions);
    connect(m_pipeline, &PipelineView::stackChanged, this, &MainWindow::refresh);
    connect(m_prober, &ContentProber::probed, this, &MainWindow::showContents);
    connect(m_closeTask, &VolumeTask::finished, this, [this](const Status& status) {
        if (status)
            m_deviceImages.remove(std::exchange(m_closingName, QString()));
        else
            QMessageBox::warning(this, tr("Cannot close the volume"), status.message());
        refresh();
        m_pipeline->refreshDevices();
    });

    QSettings settings;
    const QString savedTheme = settings.value(ThemeKey, QStringLiteral("system")).toString();
    for (QAction* action : m_themeGroup->actions())
        action->setChecked(action->data().toString() == savedTheme);
    applyTheme(savedTheme);
    restoreGeometry(settings.value(GeometryKey).toByteArray());
    restoreState(settings.value(StateKey).toByteArray());
    rebuildRecentMenu();
    refresh();
}

NewVolumeWizard* MainWindow::showNewVolumeWizard()
{
    auto* wizard = new NewVolumeWizard(this);
    wizard->setAttribute(Qt::WA_DeleteOnClose);
    connect(wizard, &NewVolumeWizard::volumeCreated, this, [this](const QString& path, const QString& type) {
        addRecentVolume(path);
        statusBar()->showMessage(tr("Created %1 (%2)").arg(path, type.toUpper()), 5000);
    });
    wizard->show();
    return wizard;
}

UnlockDialog* MainWindow::openVolume(const QString& path)
{
    if (path.endsWith(QStringLiteral(".concise"), Qt::CaseInsensitive)) {
        openStackFile(path);
        return nullptr;
    }
    auto* dialog = new UnlockDialog(m_registry, path, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &UnlockDialog::unlocked, this, &MainWindow::volumeUnlocked);
    dialog->show();
    return dialog;
}

KeySlotsDialog* MainWindow::showKeySlots(const QString& imagePath)
{
    auto* dialog = new KeySlotsDialog(imagePath, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &KeySlotsDialog::keyslotsChanged, this, &MainWindow::rememberVolume);
    dialog->show();
    return dialog;
}

HeaderBackupDialog* MainWindow::showHeaderDialog(const QString& imagePath, HeaderBackupDialog::Mode mode)
{
    auto* dialog = new HeaderBackupDialog(imagePath, mode, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &HeaderBackupDialog::headerRestored, this, &MainWindow::rememberVolume);
    dialog->show();
    return dialog;
}

void MainWindow::volumeUnlocked(const QString& deviceName, const VolumeSummary& summary)
{
    m_deviceImages.insert(deviceName, summary.imagePath);
    addRecentVolume(summary.imagePath);
    rememberVolume(summary);
    m_pipeline->refreshDevices();
    selectDevice(deviceName);
    statusBar()->showMessage(tr("Opened %1 as %2").arg(summary.imagePath, deviceName), 5000);
}

void MainWindow::rememberVolume(const VolumeSummary& summary)
{
    if (summary.version)
        m_volumes.insert(summary.imagePath, summary);
    const QString selected = selectedDeviceName();
    refresh();
    if (!selected.isEmpty())
        selectDevice(selected);
}

void MainWindow::selectDevice(const QString& name)
{
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it) {
        if ((*it)->data(NameColumn, DeviceNameRole).toString() == name) {
            m_tree->setCurrentItem(*it);
            return;
        }
    }
}

void MainWindow::closeSelectedVolume()
{
    const QString name = selectedDeviceName();
    if (name.isEmpty() || m_closeTask->isRunning())
        return;
    if (!m_registry.holders(name).isEmpty()) {
        QMessageBox::warning(
            this, tr("Cannot close the volume"),
            tr("Device %1 is in use by %2.").arg(name, m_registry.holders(name).join(u", ")));
        return;
    }
    if (m_exportDialogs.value(name))
        m_exportDialogs.value(name)->close(); // the export holds the device
    m_closingName = name;
    DeviceRegistry* registry = &m_registry;
    m_closeTask->start([registry, name](const VolumeTask::Context&) {
        VolumeMapper mapper(*registry);
        return mapper.close(name);
    });
}

QString MainWindow::selectedImagePath() const
{
    const QTreeWidgetItem* item = m_tree->currentItem();
    if (!item)
        return {};
    const QString image = item->data(NameColumn, ImagePathRole).toString();
    if (!image.isEmpty())
        return image;
    return m_deviceImages.value(item->data(NameColumn, DeviceNameRole).toString());
}

QString MainWindow::firstImageBelowSelection() const
{
    // Depth first under the selected row: the image a device is stacked on.
    std::vector<const QTreeWidgetItem*> pending;
    if (const QTreeWidgetItem* item = m_tree->currentItem())
        pending.push_back(item);
    while (!pending.empty()) {
        const QTreeWidgetItem* item = pending.back();
        pending.pop_back();
        const QString path = item->data(NameColumn, ImagePathRole).toString();
        if (!path.isEmpty())
            return path;
        for (int i = item->childCount() - 1; i >= 0; --i)
            pending.push_back(item->child(i));
    }
    return {};
}

void MainWindow::inspectImage(const QString& path)
{
    m_tabs->setCurrentWidget(m_inspect);
    m_inspect->inspectImage(path);
}

QString MainWindow::chooseImage(const QString& title)
{
    return QFileDialog::getOpenFileName(
        this, title, QString(),
        tr("Images (*.img *.luks *.raw);;Concise stack files (*.concise);;All files (*)"));
}

QStringList MainWindow::recentVolumes() const
{
    return QSettings().value(RecentKey).toStringList();
}

void MainWindow::addRecentVolume(const QString& path)
{
    QStringList recent = recentVolumes();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > RecentLimit)
        recent.removeLast();
    QSettings().setValue(RecentKey, recent);
    rebuildRecentMenu();
}

void MainWindow::clearRecentVolumes()
{
    QSettings().remove(RecentKey);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentVolumes();
    for (qsizetype i = 0; i < recent.size(); ++i) {
        const QString path = recent.at(i);
        QAction* action = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(path), this,
                                                  [this, path] { openVolume(path); });
        action->setObjectName(QStringLiteral("recentVolumeAction%1").arg(i));
    }
    m_recentMenu->addSeparator();
    QAction* clear =
        m_recentMenu->addAction(tr("&Clear Recent Volumes"), this, &MainWindow::clearRecentVolumes);
    clear->setObjectName(QStringLiteral("clearRecentVolumesAction"));
    clear->setEnabled(!recent.isEmpty());
}

QString MainWindow::theme() const
{
    return QSettings().value(ThemeKey, QStringLiteral("system")).toString();
}

void MainWindow::setTheme(const QString& theme)
{
    QSettings().setValue(ThemeKey, theme);
    for (QAction* action : m_themeGroup->actions())
        action->setChecked(action->data().toString() == theme);
    applyTheme(theme);
}

void MainWindow::applyTheme(const QString& theme)
{
    // The style the platform chose, remembered before the first change so "system" can go back.
    static const QString systemStyle = QApplication::style()->name();
    static const QPalette systemPalette = QApplication::palette();
    if (theme == u"dark" || theme == u"light") {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(theme == u"dark" ? darkPalette() : QApplication::style()->standardPalette());
    } else if (QApplication::style()->name() != systemStyle || QApplication::palette() != systemPalette) {
        QApplication::setStyle(QStyleFactory::create(systemStyle));
        QApplication::setPalette(systemPalette);
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    const bool files = !urls.isEmpty() && std::all_of(urls.begin(), urls.end(),
                                                      [](const QUrl& url) { return url.isLocalFile(); });
    if (files)
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    for (const QUrl& url : urls) {
        if (url.isLocalFile())
            openVolume(url.toLocalFile());
    }
    event->acceptProposedAction();
}

StackBuilderDialog* MainWindow::showStackBuilder()
{
    auto* dialog = new StackBuilderDialog(m_registry, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &StackBuilderDialog::stackCreated, this, [this](const QStringList& names) {
        refresh();
        m_pipeline->refreshDevices();
        selectDevice(names.last());
        statusBar()->showMessage(tr("Created %1").arg(names.join(QStringLiteral(", "))), 5000);
    });
    dialog->show();
    return dialog;
}

void MainWindow::showDeadlockDemonstration()
{
    m_tabs->setCurrentWidget(m_pipeline);
    m_pipeline->startDeadlockDemo();
}

QString MainWindow::selectedDeviceName() const
{
    const QTreeWidgetItem* item = m_tree->currentItem();
    const QString name = item ? item->data(NameColumn, DeviceNameRole).toString() : QString();
    return !name.isEmpty() && m_registry.find(name) ? name : QString(); // image rows have no name
}

void MainWindow::updateDeviceActions()
{
    const QString name = selectedDeviceName();
    m_exportNbdAction->setEnabled(!name.isEmpty());
    m_closeVolumeAction->setEnabled(!name.isEmpty() && m_registry.holders(name).isEmpty());
}

void MainWindow::exportSelectedDevice()
{
    const QString name = selectedDeviceName();
    if (name.isEmpty())
        return;
    QPointer<NbdExportDialog>& dialog = m_exportDialogs[name];
    if (!dialog)
        dialog = new NbdExportDialog(m_registry, name, this);
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // A dialog stops its server on close without waiting. A dialog destroyed with the window joins
    // that stop; it needs nothing from the GUI thread, so the wait cannot deadlock.
    for (const QPointer<NbdExportDialog>& dialog : std::as_const(m_exportDialogs)) {
        if (dialog)
            dialog->close();
    }
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(StateKey, saveState());
    QMainWindow::closeEvent(event);
}

bool MainWindow::openStackFile(const QString& path)
{
    auto stack = parseConciseFile(path);
    Status status = stack ? createConciseStack(m_registry, *stack) : stack.status();
    refresh();
    m_pipeline->refreshDevices();
    if (!status) {
        QMessageBox::warning(this, tr("Cannot open stack"), status.message());
        return false;
    }
    m_pipeline->setBaseDirectory(QFileInfo(path).absolutePath());
    statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
    return true;
}

void MainWindow::refresh()
{
    m_tree->clear();
    m_contents.clear();
    for (const QString& name : m_registry.names()) {
        if (!m_registry.holders(name).isEmpty())
            continue; // shown under the devices that stack on it
        auto* item = new QTreeWidgetItem(m_tree);
        addChildren(item, name, 0);
    }
    m_tree->expandAll();
    if (m_tree->topLevelItemCount() > 0)
        m_tree->setCurrentItem(m_tree->topLevelItem(0)); // the details pane never starts empty
    for (int column = TargetColumn; column <= StateColumn; ++column)
        m_tree->resizeColumnToContents(column);
    statusBar()->showMessage(tr("%n device(s)", nullptr, static_cast<int>(m_registry.names().size())));
    // Top devices first: they are what a person opened the stack for.
    QStringList names;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        names << m_tree->topLevelItem(i)->data(NameColumn, DeviceNameRole).toString();
    for (const QString& name : m_registry.names()) {
        if (!names.contains(name))
            names << name;
    }
    m_prober->probe(names);
    m_benchmark->refreshDevices();
}

void MainWindow::showContents(const QString& name, const QString& summary, const QStringList& partitions)
{
    m_contents.insert(name, QStringList{summary} + partitions);
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it) {
        if ((*it)->data(NameColumn, DeviceNameRole).toString() != name)
            continue;
        (*it)->setText(ContentsColumn, summary);
        (*it)->setToolTip(ContentsColumn, (QStringList{summary} + partitions).join(u'\n'));
    }
    const QTreeWidgetItem* current = m_tree->currentItem();
    if (current && current->data(NameColumn, DeviceNameRole).toString() == name)
        showDetails();
}

void MainWindow::addChildren(QTreeWidgetItem* item, const QString& name, int depth)
{
    const auto device = m_registry.find(name);
    if (!device || depth > 64)
        return;
    QStringList types;
    const std::shared_ptr<Table> table = device->activeTable(); // keeps the segments alive
    for (const Segment& segment : table->segments()) {
        if (!types.contains(segment.type))
            types += segment.type;
    }
    item->setText(NameColumn, name);
    item->setData(NameColumn, DeviceNameRole, name);
    item->setText(TargetColumn, types.join(QStringLiteral(", ")));
    item->setText(SizeColumn, humanSize(device->sectors()));
    item->setText(ContentsColumn, tr("probing…"));
    item->setText(StateColumn, device->isSuspended()  ? tr("suspended")
                               : device->isReadOnly() ? tr("read-only")
                                                      : tr("active"));
    QSet<const BlockDevice*> seen;
    for (const DeviceArea& area : device->activeTable()->devices()) {
        if (seen.contains(area.ref.device.get()))
            continue;
        seen.insert(area.ref.device.get());
        auto* child = new QTreeWidgetItem(item);
        if (dynamic_cast<const MappedDevice*>(area.ref.device.get())) {
            addChildren(child, area.ref.device->displayName(), depth + 1);
        } else {
            child->setText(NameColumn, area.ref.word);
            child->setText(TargetColumn, tr("image file"));
            child->setText(SizeColumn, humanSize(area.ref.device->sectors()));
            child->setToolTip(NameColumn, area.ref.device->displayName());
            const QString path = QFileInfo(area.ref.word).isAbsolute()
                                     ? area.ref.word
                                     : QFileInfo(area.ref.device->displayName()).absoluteFilePath();
            child->setData(NameColumn, ImagePathRole, path);
            addKeyslotNodes(child, path);
        }
    }
}

void MainWindow::addKeyslotNodes(QTreeWidgetItem* imageItem, const QString& imagePath)
{
    const auto found = m_volumes.constFind(imagePath);
    if (found == m_volumes.constEnd())
        return;
    imageItem->setText(TargetColumn, tr("LUKS%1 image").arg(found->version));
    for (const KeyslotEntry& entry : found->keyslots) {
        auto* slot = new QTreeWidgetItem(imageItem);
        slot->setText(NameColumn, tr("key slot %1").arg(entry.slot));
        slot->setText(TargetColumn, entry.active ? tr("active") : tr("inactive"));
        slot->setText(StateColumn, entry.kdf);
        slot->setData(NameColumn, ImagePathRole, imagePath);
        slot->setToolTip(NameColumn, tr("Key slot %1 of %2").arg(entry.slot).arg(imagePath));
    }
}

void MainWindow::showDetails()
{
    const QTreeWidgetItem* item = m_tree->currentItem();
    const QString name = item ? item->data(NameColumn, DeviceNameRole).toString() : QString();
    const auto device = name.isEmpty() ? nullptr : m_registry.find(name);
    if (!device) {
        m_details->setPlainText(item ? item->toolTip(NameColumn) : QString());
        return;
    }
    const std::shared_ptr<Table> table = device->activeTable();
    for (const Segment& segment : table->segments()) {
        if (segment.type == u"crypt" && !m_pipeline->controller().isWorkloadRunning()) {
            m_pipeline->setDevice(name); // the pipeline tab follows a selected crypt device
            break;
        }
    }
    QString text = tr("Table:") + u'\n';
    for (const QString& line : device->activeTable()->lines(StatusType::Table, false))
        text += QStringLiteral("  ") + line + u'\n';
    text += tr("Status:") + u'\n';
    for (const QString& line : device->activeTable()->lines(StatusType::Info, false))
        text += QStringLiteral("  ") + line + u'\n';
    text += tr("Contents:") + u'\n';
    const QStringList contents = m_contents.value(name, {tr("probing…")});
    for (qsizetype i = 0; i < contents.size(); ++i)
        text += (i == 0 ? QStringLiteral("  ") : QStringLiteral("    ")) + contents.at(i) + u'\n';
    m_details->setPlainText(text);
}

} // namespace cryptstack
