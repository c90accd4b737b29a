// Volume → Key Slots: the keyslots of a LUKS image (number, active, the LUKS2 keyslot's KDF) and
// cryptsetup's keyslot verbs: Add (an existing passphrase opens the volume key, a new one is
// stored), Change (luksChangeKey), Remove (the slot a passphrase opens, luksRemoveKey) and Kill (a
// slot by number, verified with any remaining passphrase, luksKillSlot). Every destructive step
// asks first in a QMessageBox; every step (KDF, header write) runs on a worker thread, which
// reloads the header each time, so the list always shows what is on disk.
#pragma once

#include "KeyslotList.h"
#include "core/Result.h"
#include "formats/LuksVolume.h"

#include <QDialog>

#include <functional>

class QLabel;
class QLineEdit;
class QMessageBox;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace cryptstack {

class KdfOptionsWidget;
class VolumeTask;

class KeySlotsDialog : public QDialog
{
    Q_OBJECT

public:
    KeySlotsDialog(const QString& imagePath, QWidget* parent = nullptr);
    ~KeySlotsDialog() override;

    QString imagePath() const { return m_imagePath; }
    bool isBusy() const;
    const VolumeSummary& summary() const { return m_summary; }
    QString errorText() const;
    QString statusText() const;

    void reload();
    void addKey();
    void changeKey();
    void removeKey();
    void killSlot();
    void reject() override;

signals:
    // The header changed (or was read): the keyslots as they are now.
    void keyslotsChanged(const cryptstack::VolumeSummary& summary);

protected:
    void showEvent(QShowEvent* event) override;

private:
    using Operation = std::function<Result<QString>(LuksVolume& volume)>;
    // Loads the header read-write on the worker, runs operation, and lists the keyslots after it.
    void run(const QString& busyText, Operation operation);
    void finish(const Status& status);
    // A non-modal question (object name given) whose Yes runs then.
    void confirm(const QString& objectName, const QString& text, std::function<void()> then);
    QString checkNewPassphrase() const;
    void showError(const QString& text);
    void showSummary();
    void updateButtons();

    const QString m_imagePath;
    VolumeTask* m_task;
    VolumeSummary m_summary; // written by the worker, read after the join
    QString m_resultText;    // the operation's line for the status label
    bool m_loadedOnce = false;
    QTreeWidget* m_slotsTree;
    QLineEdit* m_existingEdit;
    QLineEdit* m_newEdit;
    QLineEdit* m_confirmEdit;
    QSpinBox* m_killSlotSpin;
    KdfOptionsWidget* m_kdf;
    QPushButton* m_addButton;
    QPushButton* m_changeButton;
    QPushButton* m_removeButton;
    QPushButton* m_killButton;
    QLabel* m_statusLabel;
    QLabel* m_errorLabel;
};

} // namespace cryptstack
