// The Sector tab: one data sector side by side as stored (ciphertext), the IV dm-crypt used for
// it with a plain-words account of how the IV mode derived it, and the plaintext. The volume key
// comes from a passphrase typed here (LuksVolume::unlock on a worker thread; for a plain image
// PlainVolume's hashing of the passphrase with the parameters in the form) or from the caller
// (setVolumeKey). It is held in a SecureBuffer and wiped by forgetKey(), a new image, and the
// panel's destruction. Decryption goes through the crypt target's own code (SectorInspection).
#pragma once

#include "crypt/SecureBuffer.h"
#include "formats/LuksVolume.h"
#include "volume/SectorInspection.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace cryptstack {

class InspectTask;

class InspectSectorPanel : public QWidget
{
    Q_OBJECT

public:
    explicit InspectSectorPanel(QWidget* parent = nullptr);
    ~InspectSectorPanel() override;

    // A LUKS image: the passphrase unlocks volume (on a worker thread).
    void setLuksVolume(std::shared_ptr<LuksVolume> volume, const QString& path, uint64_t imageBytes);
    // An image without a LUKS header: the plain-mode form gives the mapping's parameters.
    void setPlainImage(const QString& path, uint64_t imageBytes);
    void clear();

    // A key the caller already has (an unlocked volume in the main window).
    void setVolumeKey(SecureBuffer volumeKey);
    void forgetKey();
    bool hasKey() const { return m_key != nullptr; }
    bool isBusy() const;
    // Reads and decrypts this sector (in the volume's sector size) on the worker thread.
    void showSector(uint64_t sector);

    const CryptActivation& activation() const { return m_activation; }
    // The sector shown last (valid after sectorShown()).
    const InspectedSector& shownSector() const { return m_shown; }
    // How the IV mode derived the IV, in words (also shown in the panel).
    static QString explainIv(const InspectedSector& sector);
    static QString hexDump(const QByteArray& bytes, uint64_t firstOffset = 0);

signals:
    void unlocked(int keyslot);
    // A plain image's key was derived with these parameters (the layout can show them).
    void plainActivationApplied(const cryptstack::CryptActivation& activation);
    void unlockFailed(const QString& message);
    void sectorShown(quint64 sector);
    void sectorFailed(const QString& message);

private:
    void unlock();
    void applyKey(std::shared_ptr<SecureBuffer> key, int keyslot, const CryptActivation& activation);
    void updateControls();
    void setError(const QString& message);

    std::unique_ptr<InspectTask> m_task;
    std::shared_ptr<LuksVolume> m_volume;
    QString m_path;
    uint64_t m_imageBytes = 0;
    CryptActivation m_activation;
    std::shared_ptr<SecureBuffer> m_key;
    InspectedSector m_shown;

    QGroupBox* m_plainForm;
    QLineEdit* m_plainCipher;
    QSpinBox* m_plainKeyBits;
    QLineEdit* m_plainHash;
    QSpinBox* m_plainOffset;
    QSpinBox* m_plainSkip;
    QComboBox* m_plainSectorSize;
    QLineEdit* m_passphrase;
    QPushButton* m_unlock;
    QPushButton* m_forget;
    QLabel* m_keyStatus;
    QSpinBox* m_sector;
    QPushButton* m_show;
    QLabel* m_sectorInfo;
    QPlainTextEdit* m_ciphertext;
    QPlainTextEdit* m_iv;
    QLabel* m_ivExplanation;
    QPlainTextEdit* m_plaintext;
    QLabel* m_error;
};

} // namespace cryptstack
