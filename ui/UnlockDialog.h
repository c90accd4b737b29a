// Open Volume: unlocks an image with a passphrase or a key file (optionally one key slot) and maps
// it into the DeviceRegistry under a name, through VolumeMapper with the table cryptsetup's open
// loads. On showing, a worker reads the header to tell LUKS from plain; an image without a LUKS
// header is opened as plain, with plain's cipher, key size and hash. Unlocking (the KDF) and
// mapping run on a worker thread; a wrong passphrase shows cryptsetup's words in the dialog and
// changes nothing.
#pragma once

#include "KeyslotList.h"
#include "core/Result.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace cryptstack {

class DeviceRegistry;
class VolumeTask;

class UnlockDialog : public QDialog
{
    Q_OBJECT

public:
    UnlockDialog(DeviceRegistry& registry, const QString& imagePath, QWidget* parent = nullptr);
    ~UnlockDialog() override;

    QString imagePath() const { return m_imagePath; }
    QString deviceName() const;
    bool isBusy() const;
    // Whether the header probe has answered (isLuks() is meaningful then).
    bool isProbed() const { return m_probed; }
    bool isLuks() const { return m_summary.version != 0; }
    const VolumeSummary& summary() const { return m_summary; }
    QString errorText() const;

    // Starts the unlock (what the Unlock button does).
    void unlock();
    void reject() override;

signals:
    // The volume is mapped as deviceName; summary describes a LUKS volume's keyslots.
    void unlocked(const QString& deviceName, const cryptstack::VolumeSummary& summary);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void probe();
    void finishProbe(const Status& status);
    void finishUnlock(const Status& status);
    void updateFields();
    void showError(const QString& text);

    enum class Job { None, Probe, Unlock };

    DeviceRegistry& m_registry;
    const QString m_imagePath;
    VolumeTask* m_task;
    Job m_job = Job::None;
    bool m_probed = false;
    bool m_probeStarted = false;
    bool m_unlockWhenProbed = false;
    VolumeSummary m_summary; // written by the probe job, read after the join
    VolumeSummary m_unlockedSummary;
    QLabel* m_volumeLabel;
    QRadioButton* m_passphraseRadio;
    QRadioButton* m_keyFileRadio;
    QLineEdit* m_passphraseEdit;
    QLineEdit* m_keyFileEdit;
    QPushButton* m_keyFileBrowse;
    QSpinBox* m_keySlotSpin;
    QLineEdit* m_nameEdit;
    QCheckBox* m_readOnlyCheck;
    QLineEdit* m_plainCipherEdit;
    QSpinBox* m_plainKeySizeSpin;
    QComboBox* m_plainHashCombo;
    QWidget* m_plainGroup;
    QLabel* m_statusLabel;
    QLabel* m_errorLabel;
    QPushButton* m_unlockButton;
};

} // namespace cryptstack
