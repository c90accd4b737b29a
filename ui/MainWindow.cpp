#include "MainWindow.h"

#include "ContentProber.h"
#include "NbdExportDialog.h"
#include "PipelineController.h"
#include "PipelineView.h"
#include "dm/ConciseFormat.h"
#include "dm/DeviceRegistry.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

namespace cryptstack {

namespace {

enum Column { NameColumn, TargetColumn, SizeColumn, StateColumn, ContentsColumn };
constexpr int DeviceNameRole = Qt::UserRole;

QString humanSize(uint64_t sectors)
{
    return QLocale().formattedDataSize(static_cast<qint64>(sectors * 512), 1,
                                       QLocale::DataSizeTraditionalFormat);
}

} // namespace

MainWindow::MainWindow(DeviceRegistry& registry, QWidget* parent)
    : QMainWindow(parent), m_registry(registry), m_tree(new QTreeWidget(this)),
      m_details(new QPlainTextEdit(this)), m_tabs(new QTabWidget(this)),
      m_pipeline(new PipelineView(registry, this)), m_prober(new ContentProber(registry, this))
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
    setCentralWidget(m_tabs);

    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    QAction* open = fileMenu->addAction(tr("&Open Stack File…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open Stack File"), QString(), tr("Concise stack files (*.concise);;All files (*)"));
        if (!path.isEmpty())
            openStackFile(path);
    });
    open->setShortcut(QKeySequence::Open);
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
    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About CryptStack"), this, [this] {
        QMessageBox::about(
            this, tr("About CryptStack"),
            tr("CryptStack: encrypted volumes and device-mapper stacks in image files, without root."));
    });

    connect(m_tree, &QTreeWidget::currentItemChanged, this, &MainWindow::showDetails);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, &MainWindow::updateDeviceActions);
    connect(m_pipeline, &PipelineView::stackChanged, this, &MainWindow::refresh);
    connect(m_prober, &ContentProber::probed, this, &MainWindow::showContents);
    refresh();
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
    m_exportNbdAction->setEnabled(!selectedDeviceName().isEmpty());
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
        }
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
