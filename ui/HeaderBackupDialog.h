// Volume → Header Backup / Header Restore: saves a LUKS image's header and keyslot areas to a new
// file (mode 0400, never over an existing file), and writes a backup back after a confirmation
// that names the image and says the keyslots are overwritten. A restore first saves the header
// area it replaces next to the image (IMAGE.before-restore-<UTC time>) and says where, as the CLI
// does. Loading, checking and writing run on a worker thread.
#pragma once

#include "KeyslotList.h"
#include "core/Result.h"
#include "formats/HeaderBackup.h"

#include <QDialog>

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;

namespace cryptstack {

class VolumeTask;

class HeaderBackupDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode { Backup, Restore };

    HeaderBackupDialog(const QString& imagePath, Mode mode, QWidget* parent = nullptr);
    ~HeaderBackupDialog() override;

    QString imagePath() const { return m_imagePath; }
    bool isBusy() const;
    QString errorText() const;
    QString statusText() const;
    // Where the last restore saved the header area it replaced.
    QString savedHeaderPath() const { return m_savedPath; }

    void backup();
    void restore();
    void reject() override;

signals:
    // A restore rewrote the header: the keyslots as they are now.
    void headerRestored(const cryptstack::VolumeSummary& summary);

private:
    enum class Job { None, Backup, PlanRestore, ApplyRestore };
    void finish(const Status& status);
    void showError(const QString& text);
    void updateButtons();

    const QString m_imagePath;
    VolumeTask* m_task;
    Job m_job = Job::None;
    // Between the check and the write: the opened backup and target, touched by the worker only
    // while a job runs.
    std::unique_ptr<HeaderBackup::RestorePlan> m_plan;
    QString m_savedPath;
    QString m_doneText;
    VolumeSummary m_summary;
    QTabWidget* m_tabs;
    QLineEdit* m_backupPathEdit;
    QLineEdit* m_restorePathEdit;
    QPushButton* m_backupButton;
    QPushButton* m_restoreButton;
    QLabel* m_statusLabel;
    QLabel* m_errorLabel;
};

} // namespace cryptstack
