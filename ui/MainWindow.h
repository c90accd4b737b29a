// The main window: the device stack as a tree (images at the leaves, mapped devices above them)
// with what each mapped device holds (probed off the GUI thread), the selected device's table,
// status and contents, and a tab with the pipeline view of a crypt device. A selected device can
// be exported over NBD (NbdExportDialog, one per device).
// The engine's registry is owned by the caller and must outlive the window.
#pragma once

#include <QHash>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QTreeWidget;
class QTreeWidgetItem;
class QPlainTextEdit;
class QTabWidget;

namespace cryptstack {

class ContentProber;
class DeviceRegistry;
class NbdExportDialog;
class PipelineView;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(DeviceRegistry& registry, QWidget* parent = nullptr);

    // Rebuilds the tree from the registry.
    void refresh();
    // Loads a concise stack file into the registry; errors go to a message box.
    bool openStackFile(const QString& path);
    PipelineView* pipelineView() const { return m_pipeline; }
    // Shows the pipeline tab and starts the deadlock demonstration there.
    void showDeadlockDemonstration();
    // Opens (or raises) the NBD export dialog of the mapped device selected in the tree.
    void exportSelectedDevice();

protected:
    // Stops every NBD export; their dialogs wait for the servers when they are destroyed.
    void closeEvent(QCloseEvent* event) override;

private:
    QString selectedDeviceName() const;
    void updateDeviceActions();
    void showDetails();
    void addChildren(QTreeWidgetItem* parent, const QString& name, int depth);
    void showContents(const QString& name, const QString& summary, const QStringList& partitions);

    DeviceRegistry& m_registry;
    QTreeWidget* m_tree;
    QPlainTextEdit* m_details;
    QTabWidget* m_tabs;
    PipelineView* m_pipeline;
    ContentProber* m_prober;
    QAction* m_exportNbdAction = nullptr;
    // One export dialog per device, kept while hidden so a second open shows the same one.
    QHash<QString, QPointer<NbdExportDialog>> m_exportDialogs;
    // What each mapped device holds: the probe's summary and one line per partition.
    QHash<QString, QStringList> m_contents;
};

} // namespace cryptstack
