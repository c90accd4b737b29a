// The main window: the device stack as a tree (images at the leaves, mapped devices above them)
// with what each mapped device holds (probed off the GUI thread), the selected device's table,
// status and contents, and a tab with the pipeline view of a crypt device. A selected device can
// be exported over NBD (NbdExportDialog, one per device).
// Volumes: File → New Volume (NewVolumeWizard), Open Volume (UnlockDialog; also by dropping image
// files on the window), Close, Recent Volumes; Volume → Key Slots, Header Backup and Restore. A
// LUKS image's keyslots show as nodes under its row in the tree. Settings → Theme; the theme, the
// recent volumes and the window's geometry persist in QSettings.
// The engine's registry is owned by the caller and must outlive the window.
#pragma once

#include "HeaderBackupDialog.h"
#include "KeyslotList.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QActionGroup;
class QMenu;
class QTreeWidget;
class QTreeWidgetItem;
class QPlainTextEdit;
class QTabWidget;

namespace cryptstack {

class BenchmarkView;
class ContentProber;
class DeviceRegistry;
class InspectView;
class KeySlotsDialog;
class NbdExportDialog;
class NewVolumeWizard;
class PipelineView;
class StackBuilderDialog;
class UnlockDialog;
class VolumeTask;

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
    // Shows the Inspect tab on the image (layout, header, sectors, entropy).
    void inspectImage(const QString& path);
    InspectView* inspectView() const { return m_inspect; }
    // Opens the stack builder; the stack it creates is selected in the tree.
    StackBuilderDialog* showStackBuilder();
    // Opens (or raises) the NBD export dialog of the mapped device selected in the tree.
    void exportSelectedDevice();

    // The volume dialogs, opened non-modally (and returned, for tests).
    NewVolumeWizard* showNewVolumeWizard();
    // A concise stack file (*.concise) is loaded as a stack; any other file goes to the unlock
    // dialog, which tells LUKS from plain by the header.
    UnlockDialog* openVolume(const QString& path);
    KeySlotsDialog* showKeySlots(const QString& imagePath);
    HeaderBackupDialog* showHeaderDialog(const QString& imagePath, HeaderBackupDialog::Mode mode);
    // Unmaps the selected top device (on a worker thread).
    void closeSelectedVolume();
    // What the Volume menu works on: the image of the selected row (a volume opened here, its
    // image row or a keyslot row); empty when nothing such is selected.
    QString selectedImagePath() const;
    QString imageOfDevice(const QString& deviceName) const { return m_deviceImages.value(deviceName); }

    QStringList recentVolumes() const;
    void addRecentVolume(const QString& path);
    void clearRecentVolumes();
    // "system", "light" or "dark"; stored in the settings and applied to the application.
    QString theme() const;
    void setTheme(const QString& theme);
    static void applyTheme(const QString& theme);

protected:
    // Stops every NBD export; their dialogs wait for the servers when they are destroyed.
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    QString selectedDeviceName() const;
    void updateDeviceActions();
    void showDetails();
    void addChildren(QTreeWidgetItem* parent, const QString& name, int depth);
    void showContents(const QString& name, const QString& summary, const QStringList& partitions);
    void addKeyslotNodes(QTreeWidgetItem* imageItem, const QString& imagePath);
    void rememberVolume(const VolumeSummary& summary);
    void volumeUnlocked(const QString& deviceName, const VolumeSummary& summary);
    QString chooseImage(const QString& title);
    QString firstImageBelowSelection() const;
    void rebuildRecentMenu();
    void selectDevice(const QString& name);

    DeviceRegistry& m_registry;
    QTreeWidget* m_tree;
    QPlainTextEdit* m_details;
    QTabWidget* m_tabs;
    PipelineView* m_pipeline;
    InspectView* m_inspect;
    BenchmarkView* m_benchmark;
    ContentProber* m_prober;
    QAction* m_exportNbdAction = nullptr;
    QAction* m_closeVolumeAction = nullptr;
    QMenu* m_recentMenu = nullptr;
    QActionGroup* m_themeGroup = nullptr;
    VolumeTask* m_closeTask = nullptr;
    QString m_closingName; // the device m_closeTask removes
    // Mapped device → the image it was opened from here; image path → its keyslots as last read.
    QHash<QString, QString> m_deviceImages;
    QHash<QString, VolumeSummary> m_volumes;
    // One export dialog per device, kept while hidden so a second open shows the same one.
    QHash<QString, QPointer<NbdExportDialog>> m_exportDialogs;
    // What each mapped device holds: the probe's summary and one line per partition.
    QHash<QString, QStringList> m_contents;
};

} // namespace cryptstack
