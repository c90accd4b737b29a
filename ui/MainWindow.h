// The main window: the device stack as a tree (images at the leaves, mapped devices above them)
// with what each mapped device holds (probed off the GUI thread), the selected device's table,
// status and contents, and a tab with the pipeline view of a crypt device.
// The engine's registry is owned by the caller and must outlive the window.
#pragma once

#include <QHash>
#include <QMainWindow>

class QTreeWidget;
class QTreeWidgetItem;
class QPlainTextEdit;
class QTabWidget;

namespace cryptstack {

class ContentProber;
class DeviceRegistry;
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

private:
    void showDetails();
    void addChildren(QTreeWidgetItem* parent, const QString& name, int depth);
    void showContents(const QString& name, const QString& summary, const QStringList& partitions);

    DeviceRegistry& m_registry;
    QTreeWidget* m_tree;
    QPlainTextEdit* m_details;
    QTabWidget* m_tabs;
    PipelineView* m_pipeline;
    ContentProber* m_prober;
    // What each mapped device holds: the probe's summary and one line per partition.
    QHash<QString, QStringList> m_contents;
};

} // namespace cryptstack
