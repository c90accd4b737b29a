// File → New Volume: creates an image file and formats it as LUKS2, LUKS1 or (no header) plain.
// Pages: type; image path and size; cipher, key size and sector size; key derivation with a live
// unlock-cost estimate, and the LUKS2 label; passphrase with confirmation and a strength meter;
// then the format itself, on a worker thread with a progress bar and Cancel. The wizard only
// creates new files, so a cancelled or failed format deletes the image and leaves nothing behind.
#pragma once

#include "core/Result.h"

#include <QWizard>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace cryptstack {

class KdfOptionsWidget;
class VolumeTask;
class WizardStepPage;

class NewVolumeWizard : public QWizard
{
    Q_OBJECT

public:
    enum PageId { TypePage, ImagePage, CipherPage, KdfPage, PassphrasePage, FormatPage };

    explicit NewVolumeWizard(QWidget* parent = nullptr);
    ~NewVolumeWizard() override;

    // "luks2", "luks1" or "plain".
    QString volumeType() const;
    QString imagePath() const;
    bool isFormatting() const;
    bool isFormatted() const { return m_formatted; }
    // The last format error, or empty.
    QString errorText() const;

    int nextId() const override;
    bool validateCurrentPage() override;
    void reject() override;

signals:
    // The image exists and is formatted (emitted once, before the user presses Finish).
    void volumeCreated(const QString& imagePath, const QString& type);

protected:
    void initializePage(int id) override;
    void cleanupPage(int id) override;

private:
    WizardStepPage* makeTypePage();
    WizardStepPage* makeImagePage();
    WizardStepPage* makeCipherPage();
    WizardStepPage* makeKdfPage();
    WizardStepPage* makePassphrasePage();
    WizardStepPage* makeFormatPage();
    void updateKeySizes();
    void updatePassphraseFeedback();
    size_t keyBytes() const;
    void startFormat();
    void finishFormat(const Status& status);
    void showPageError(QLabel* label, const QString& text);

    VolumeTask* m_task;
    bool m_formatted = false;
    bool m_closeWhenDone = false;
    QRadioButton* m_luks2Radio;
    QRadioButton* m_luks1Radio;
    QRadioButton* m_plainRadio;
    QLineEdit* m_imagePathEdit;
    QSpinBox* m_imageSizeSpin;
    QLabel* m_imageErrorLabel;
    QComboBox* m_cipherCombo;
    QComboBox* m_keySizeCombo;
    QComboBox* m_sectorSizeCombo;
    QComboBox* m_plainHashCombo;
    KdfOptionsWidget* m_kdf = nullptr; // built after the cipher page, which updates it
    QLineEdit* m_labelEdit;
    QLabel* m_kdfErrorLabel;
    QLineEdit* m_passphraseEdit;
    QLineEdit* m_confirmEdit;
    QProgressBar* m_strengthBar;
    QLabel* m_strengthLabel;
    QLabel* m_mismatchLabel;
    QProgressBar* m_formatProgress;
    QLabel* m_formatStatusLabel;
    QLabel* m_formatErrorLabel;
    QPushButton* m_formatCancelButton;
    WizardStepPage* m_passphrasePage = nullptr;
    WizardStepPage* m_formatPage = nullptr;
    WizardStepPage* m_imagePage = nullptr;
};

} // namespace cryptstack
