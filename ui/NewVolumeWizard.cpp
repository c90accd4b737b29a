#include "NewVolumeWizard.h"

#include "KdfOptionsWidget.h"
#include "PassphraseStrength.h"
#include "SecretText.h"
#include "VolumeTask.h"
#include "WizardStepPage.h"
#include "formats/CipherNames.h"
#include "formats/LuksFormat.h"
#include "formats/SecureRandom.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <fcntl.h>
#include <unistd.h>

#include <memory>

namespace cryptstack {

namespace {

constexpr int MiB = 1024 * 1024;
// The smallest images that leave room for data after the default header area.
constexpr int MinLuks2MiB = 17; // 16 MiB of LUKS2 metadata and keyslots
constexpr int MinLuks1MiB = 3;  // 2 MiB of LUKS1 header and keyslots (512-bit key)
constexpr int LabelMaxBytes = 47;

QLabel* errorLabel(const QString& objectName, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(QWizard::tr("Error"));
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #b00020;"));
    label->hide();
    return label;
}

// Creates the image: a new file (never an existing one), sparse, of the requested size.
Status createImageFile(const QString& path, qint64 bytes)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0)
        return Status(ErrorCode::IOError, NewVolumeWizard::tr("Image: cannot create %1 (%2).")
                                              .arg(path, QString::fromLocal8Bit(strerror(errno))));
    const bool sized = ::ftruncate(fd, bytes) == 0;
    const int error = errno;
    ::close(fd);
    if (!sized) {
        ::unlink(name.constData());
        return Status(ErrorCode::IOError, NewVolumeWizard::tr("Image: cannot make %1 %2 bytes long (%3).")
                                              .arg(path)
                                              .arg(bytes)
                                              .arg(QString::fromLocal8Bit(strerror(error))));
    }
    return Status::ok();
}

} // namespace

NewVolumeWizard::NewVolumeWizard(QWidget* parent)
    : QWizard(parent), m_task(new VolumeTask(QStringLiteral("gui-format"), this))
{
    setObjectName(QStringLiteral("newVolumeWizard"));
    setWindowTitle(tr("New Volume"));
    setOption(QWizard::NoBackButtonOnLastPage, false);
    setPage(TypePage, makeTypePage());
    setPage(ImagePage, makeImagePage());
    setPage(CipherPage, makeCipherPage());
    setPage(KdfPage, makeKdfPage());
    setPage(PassphrasePage, makePassphrasePage());
    setPage(FormatPage, makeFormatPage());
    setButtonText(QWizard::NextButton, tr("&Next >"));
    connect(m_task, &VolumeTask::progressChanged, this, [this](int percent, const QString& text) {
        if (percent >= 0)
            m_formatProgress->setValue(percent);
        m_formatStatusLabel->setText(text);
    });
    connect(m_task, &VolumeTask::finished, this, &NewVolumeWizard::finishFormat);
}

NewVolumeWizard::~NewVolumeWizard()
{
    delete m_task; // cancels and joins a running format (which removes its image) before members go
    SecretText::clear(m_passphraseEdit);
    SecretText::clear(m_confirmEdit);
}

WizardStepPage* NewVolumeWizard::makeTypePage()
{
    auto* page = new WizardStepPage(this);
    page->setObjectName(QStringLiteral("typePage"));
    page->setTitle(tr("Volume type"));
    page->setSubTitle(tr("What kind of encrypted volume the new image holds."));
    m_luks2Radio =
        new QRadioButton(tr("LUKS&2 (recommended): a header with keyslots, Argon2 key derivation"), page);
    m_luks1Radio =
        new QRadioButton(tr("LUKS&1: the older header, readable by every cryptsetup version"), page);
    m_plainRadio =
        new QRadioButton(tr("&Plain: no header; the passphrase and settings are the only key"), page);
    m_luks2Radio->setObjectName(QStringLiteral("typeLuks2Radio"));
    m_luks1Radio->setObjectName(QStringLiteral("typeLuks1Radio"));
    m_plainRadio->setObjectName(QStringLiteral("typePlainRadio"));
    m_luks2Radio->setAccessibleName(tr("LUKS2"));
    m_luks1Radio->setAccessibleName(tr("LUKS1"));
    m_plainRadio->setAccessibleName(tr("Plain"));
    m_luks2Radio->setChecked(true);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_luks2Radio);
    layout->addWidget(m_luks1Radio);
    layout->addWidget(m_plainRadio);
    layout->addStretch(1);
    return page;
}

WizardStepPage* NewVolumeWizard::makeImagePage()
{
    auto* page = new WizardStepPage(this);
    m_imagePage = page;
    page->setObjectName(QStringLiteral("imagePage"));
    page->setTitle(tr("Image file"));
    page->setSubTitle(
        tr("A new file that will hold the encrypted volume. An existing file is never overwritten."));
    m_imagePathEdit = new QLineEdit(page);
    m_imagePathEdit->setObjectName(QStringLiteral("imagePathEdit"));
    m_imagePathEdit->setAccessibleName(tr("Image path"));
    auto* browse = new QPushButton(tr("&Browse…"), page);
    browse->setObjectName(QStringLiteral("imageBrowseButton"));
    browse->setAccessibleName(tr("Choose the image path"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("New Image File"), m_imagePathEdit->text(),
                                                          tr("Image files (*.img);;All files (*)"), nullptr,
                                                          QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty())
            m_imagePathEdit->setText(path);
    });
    m_imageSizeSpin = new QSpinBox(page);
    m_imageSizeSpin->setObjectName(QStringLiteral("imageSizeSpin"));
    m_imageSizeSpin->setAccessibleName(tr("Image size"));
    m_imageSizeSpin->setRange(1, 16 * 1024 * 1024);
    m_imageSizeSpin->setValue(64);
    m_imageSizeSpin->setSuffix(tr(" MiB"));
    m_imageErrorLabel = errorLabel(QStringLiteral("imageErrorLabel"), page);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_imagePathEdit, 1);
    pathRow->addWidget(browse);
    auto* layout = new QFormLayout(page);
    layout->addRow(tr("&Path:"), pathRow);
    layout->addRow(tr("&Size:"), m_imageSizeSpin);
    layout->addRow(m_imageErrorLabel);
    page->setCompleteCheck([this] { return !m_imagePathEdit->text().trimmed().isEmpty(); });
    connect(m_imagePathEdit, &QLineEdit::textChanged, page, [this, page] {
        m_imageErrorLabel->hide();
        page->recheck();
    });
    return page;
}

WizardStepPage* NewVolumeWizard::makeCipherPage()
{
    auto* page = new WizardStepPage(this);
    page->setObjectName(QStringLiteral("cipherPage"));
    page->setTitle(tr("Encryption"));
    page->setSubTitle(tr("The cipher that encrypts the data. The default suits nearly everyone."));
    m_cipherCombo = new QComboBox(page);
    m_cipherCombo->setObjectName(QStringLiteral("cipherCombo"));
    m_cipherCombo->setAccessibleName(tr("Cipher"));
    for (const char* cipher :
         {"aes-xts-plain64", "serpent-xts-plain64", "twofish-xts-plain64", "aes-cbc-essiv:sha256"})
        m_cipherCombo->addItem(QString::fromLatin1(cipher), QString::fromLatin1(cipher));
    m_keySizeCombo = new QComboBox(page);
    m_keySizeCombo->setObjectName(QStringLiteral("keySizeCombo"));
    m_keySizeCombo->setAccessibleName(tr("Key size"));
    m_sectorSizeCombo = new QComboBox(page);
    m_sectorSizeCombo->setObjectName(QStringLiteral("sectorSizeCombo"));
    m_sectorSizeCombo->setAccessibleName(tr("Sector size"));
    m_sectorSizeCombo->addItem(tr("512 bytes"), 512);
    m_sectorSizeCombo->addItem(tr("4096 bytes"), 4096);
    m_sectorSizeCombo->setToolTip(tr("LUKS2 only: 4096-byte sectors are faster; LUKS1 and plain use 512."));
    m_plainHashCombo = new QComboBox(page);
    m_plainHashCombo->setObjectName(QStringLiteral("plainHashCombo"));
    m_plainHashCombo->setAccessibleName(tr("Passphrase hash"));
    for (const char* hash : {"ripemd160", "sha256", "sha512"})
        m_plainHashCombo->addItem(QString::fromLatin1(hash), QString::fromLatin1(hash));
    m_plainHashCombo->setToolTip(tr("Plain only: the hash that turns the passphrase into the key."));
    auto* layout = new QFormLayout(page);
    layout->addRow(tr("&Cipher:"), m_cipherCombo);
    layout->addRow(tr("&Key size:"), m_keySizeCombo);
    layout->addRow(tr("S&ector size:"), m_sectorSizeCombo);
    layout->addRow(tr("Passphrase &hash:"), m_plainHashCombo);
    connect(m_cipherCombo, &QComboBox::currentIndexChanged, this, &NewVolumeWizard::updateKeySizes);
    connect(m_keySizeCombo, &QComboBox::currentIndexChanged, this, [this] {
        if (m_kdf)
            m_kdf->setKeyBytes(keyBytes());
    });
    updateKeySizes();
    return page;
}

WizardStepPage* NewVolumeWizard::makeKdfPage()
{
    auto* page = new WizardStepPage(this);
    page->setObjectName(QStringLiteral("kdfPage"));
    page->setTitle(tr("Key derivation"));
    page->setSubTitle(tr("How hard unlocking is made for anyone guessing passphrases (and for you)."));
    m_kdf = new KdfOptionsWidget(page);
    m_kdf->setObjectName(QStringLiteral("kdfOptions"));
    m_kdf->setKeyBytes(keyBytes());
    m_labelEdit = new QLineEdit(page);
    m_labelEdit->setObjectName(QStringLiteral("labelEdit"));
    m_labelEdit->setAccessibleName(tr("Label"));
    m_labelEdit->setToolTip(tr("LUKS2 only: a name for the volume, at most 47 bytes."));
    m_kdfErrorLabel = errorLabel(QStringLiteral("kdfErrorLabel"), page);
    auto* layout = new QFormLayout(page);
    layout->addRow(m_kdf);
    layout->addRow(tr("&Label:"), m_labelEdit);
    layout->addRow(m_kdfErrorLabel);
    return page;
}

WizardStepPage* NewVolumeWizard::makePassphrasePage()
{
    auto* page = new WizardStepPage(this);
    m_passphrasePage = page;
    page->setObjectName(QStringLiteral("passphrasePage"));
    page->setTitle(tr("Passphrase"));
    page->setSubTitle(tr("The passphrase of the first keyslot. Nobody can recover the data without it."));
    m_passphraseEdit = new QLineEdit(page);
    m_passphraseEdit->setObjectName(QStringLiteral("passphraseEdit"));
    m_passphraseEdit->setAccessibleName(tr("Passphrase"));
    m_passphraseEdit->setEchoMode(QLineEdit::Password);
    m_confirmEdit = new QLineEdit(page);
    m_confirmEdit->setObjectName(QStringLiteral("confirmPassphraseEdit"));
    m_confirmEdit->setAccessibleName(tr("Confirm passphrase"));
    m_confirmEdit->setEchoMode(QLineEdit::Password);
    m_strengthBar = new QProgressBar(page);
    m_strengthBar->setObjectName(QStringLiteral("strengthBar"));
    m_strengthBar->setAccessibleName(tr("Passphrase strength"));
    m_strengthBar->setRange(0, 100);
    m_strengthBar->setTextVisible(false);
    m_strengthLabel = new QLabel(page);
    m_strengthLabel->setObjectName(QStringLiteral("strengthLabel"));
    m_strengthLabel->setAccessibleName(tr("Passphrase strength in words"));
    m_mismatchLabel = errorLabel(QStringLiteral("passphraseMismatchLabel"), page);
    auto* layout = new QFormLayout(page);
    layout->addRow(tr("&Passphrase:"), m_passphraseEdit);
    layout->addRow(tr("&Confirm:"), m_confirmEdit);
    layout->addRow(tr("Strength:"), m_strengthBar);
    layout->addRow(QString(), m_strengthLabel);
    layout->addRow(m_mismatchLabel);
    page->setCompleteCheck([this] {
        return !m_passphraseEdit->text().isEmpty() && m_passphraseEdit->text() == m_confirmEdit->text();
    });
    connect(m_passphraseEdit, &QLineEdit::textChanged, this, &NewVolumeWizard::updatePassphraseFeedback);
    connect(m_confirmEdit, &QLineEdit::textChanged, this, &NewVolumeWizard::updatePassphraseFeedback);
    updatePassphraseFeedback();
    return page;
}

WizardStepPage* NewVolumeWizard::makeFormatPage()
{
    auto* page = new WizardStepPage(this);
    m_formatPage = page;
    page->setObjectName(QStringLiteral("formatPage"));
    page->setTitle(tr("Creating the volume"));
    page->setFinalPage(true);
    m_formatProgress = new QProgressBar(page);
    m_formatProgress->setObjectName(QStringLiteral("formatProgress"));
    m_formatProgress->setAccessibleName(tr("Format progress"));
    m_formatProgress->setRange(0, 100);
    m_formatStatusLabel = new QLabel(page);
    m_formatStatusLabel->setObjectName(QStringLiteral("formatStatusLabel"));
    m_formatStatusLabel->setAccessibleName(tr("Format status"));
    m_formatStatusLabel->setWordWrap(true);
    m_formatStatusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_formatErrorLabel = errorLabel(QStringLiteral("formatErrorLabel"), page);
    m_formatErrorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_formatCancelButton = new QPushButton(tr("&Cancel Format"), page);
    m_formatCancelButton->setObjectName(QStringLiteral("formatCancelButton"));
    m_formatCancelButton->setAccessibleName(tr("Cancel the format"));
    connect(m_formatCancelButton, &QPushButton::clicked, m_task, &VolumeTask::cancel);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_formatProgress);
    layout->addWidget(m_formatStatusLabel);
    layout->addWidget(m_formatErrorLabel);
    layout->addWidget(m_formatCancelButton, 0, Qt::AlignLeft);
    layout->addStretch(1);
    page->setCompleteCheck([this] { return m_formatted; });
    return page;
}

QString NewVolumeWizard::volumeType() const
{
    return m_plainRadio->isChecked()   ? QStringLiteral("plain")
           : m_luks1Radio->isChecked() ? QStringLiteral("luks1")
                                       : QStringLiteral("luks2");
}

QString NewVolumeWizard::imagePath() const
{
    const QString path = m_imagePathEdit->text().trimmed();
    return path.isEmpty() ? path : QFileInfo(path).absoluteFilePath();
}

bool NewVolumeWizard::isFormatting() const
{
    return m_task->isRunning();
}

QString NewVolumeWizard::errorText() const
{
    return m_formatErrorLabel->isVisible() ? m_formatErrorLabel->text() : QString();
}

size_t NewVolumeWizard::keyBytes() const
{
    return static_cast<size_t>(m_keySizeCombo->currentData().toInt() / 8);
}

void NewVolumeWizard::updateKeySizes()
{
    const bool xts = m_cipherCombo->currentData().toString().contains(u"-xts-");
    const QList<int> sizes = xts ? QList<int>{256, 512} : QList<int>{128, 192, 256};
    const QSignalBlocker blocker(m_keySizeCombo);
    m_keySizeCombo->clear();
    for (int bits : sizes)
        m_keySizeCombo->addItem(tr("%1 bits").arg(bits), bits);
    m_keySizeCombo->setCurrentIndex(m_keySizeCombo->findData(xts ? 512 : 256));
    if (m_kdf)
        m_kdf->setKeyBytes(keyBytes());
}

void NewVolumeWizard::updatePassphraseFeedback()
{
    const PassphraseScore score = PassphraseStrength::score(m_passphraseEdit->text());
    m_strengthBar->setValue(score.percent);
    m_strengthLabel->setText(score.words);
    const bool mismatch =
        !m_confirmEdit->text().isEmpty() && m_confirmEdit->text() != m_passphraseEdit->text();
    m_mismatchLabel->setText(tr("Confirm passphrase: the two passphrases do not match."));
    m_mismatchLabel->setVisible(mismatch);
    if (m_passphrasePage)
        m_passphrasePage->recheck();
}

void NewVolumeWizard::showPageError(QLabel* label, const QString& text)
{
    label->setText(text);
    label->show();
}

int NewVolumeWizard::nextId() const
{
    if (currentId() == CipherPage && m_plainRadio->isChecked())
        return FormatPage;
    return QWizard::nextId();
}

bool NewVolumeWizard::validateCurrentPage()
{
    switch (currentId()) {
    case ImagePage: {
        const QString path = imagePath();
        const QFileInfo info(path);
        if (info.exists() || info.isSymLink()) {
            showPageError(m_imageErrorLabel, tr("Path: %1 already exists; choose a new file.").arg(path));
            return false;
        }
        if (!info.absoluteDir().exists()) {
            showPageError(m_imageErrorLabel,
                          tr("Path: the folder %1 does not exist.").arg(info.absolutePath()));
            return false;
        }
        const int minimum = m_luks2Radio->isChecked()   ? MinLuks2MiB
                            : m_luks1Radio->isChecked() ? MinLuks1MiB
                                                        : 1;
        if (m_imageSizeSpin->value() < minimum) {
            showPageError(
                m_imageErrorLabel,
                tr("Size: a %1 volume needs at least %2 MiB.").arg(volumeType().toUpper()).arg(minimum));
            return false;
        }
        m_imageErrorLabel->hide();
        return true;
    }
    case KdfPage: {
        if (const QString error = m_kdf->validationError(); !error.isEmpty()) {
            showPageError(m_kdfErrorLabel, error);
            return false;
        }
        if (m_labelEdit->text().toUtf8().size() > LabelMaxBytes) {
            showPageError(m_kdfErrorLabel, tr("Label: at most %1 bytes.").arg(LabelMaxBytes));
            return false;
        }
        m_kdfErrorLabel->hide();
        return true;
    }
    case PassphrasePage:
        if (m_passphraseEdit->text() != m_confirmEdit->text()) {
            m_mismatchLabel->show();
            return false;
        }
        return !m_passphraseEdit->text().isEmpty();
    default:
        return QWizard::validateCurrentPage();
    }
}

void NewVolumeWizard::initializePage(int id)
{
    QWizard::initializePage(id);
    const bool luks2 = m_luks2Radio->isChecked();
    if (id == CipherPage) {
        m_sectorSizeCombo->setEnabled(luks2);
        if (!luks2)
            m_sectorSizeCombo->setCurrentIndex(0);
        m_plainHashCombo->setEnabled(m_plainRadio->isChecked());
    } else if (id == KdfPage) {
        m_kdf->setLuksVersion(m_luks1Radio->isChecked() ? 1 : 2);
        m_kdf->setKeyBytes(keyBytes());
        m_labelEdit->setEnabled(luks2);
    } else if (id == FormatPage) {
        startFormat();
    }
}

void NewVolumeWizard::cleanupPage(int id)
{
    if (id == FormatPage && m_task->isRunning())
        m_task->cancel(); // going back stops the format; the job removes the image
    QWizard::cleanupPage(id);
}

void NewVolumeWizard::reject()
{
    if (m_task->isRunning()) {
        // The wizard closes once the job has removed the half-made image.
        m_closeWhenDone = true;
        m_task->cancel();
        m_formatStatusLabel->setText(tr("Cancelling…"));
        return;
    }
    QWizard::reject();
}

void NewVolumeWizard::startFormat()
{
    m_formatted = false;
    m_formatErrorLabel->hide();
    m_formatProgress->setValue(0);
    m_formatCancelButton->setEnabled(true);
    m_formatPage->recheck();
    const QString path = imagePath();
    const QString type = volumeType();
    const qint64 bytes = qint64(m_imageSizeSpin->value()) * MiB;
    const auto cipher = CipherNames::split(m_cipherCombo->currentData().toString());
    LuksFormatRequest request;
    request.version = type == u"luks1" ? 1 : 2;
    if (cipher) {
        request.luks1.cipherName = cipher->cipher;
        request.luks1.cipherMode = cipher->mode;
        request.luks2.cipher = cipher->joined();
    }
    request.luks1.kdf = m_kdf->request();
    request.luks2.digestKdf = m_kdf->request();
    request.luks2.sectorSize = static_cast<unsigned>(m_sectorSizeCombo->currentData().toInt());
    request.luks2.label = m_labelEdit->text();
    request.keyslot.kdf = m_kdf->request();
    const size_t keyBytes = this->keyBytes();
    auto passphrase = std::make_shared<SecureBuffer>(SecretText::fromEdit(m_passphraseEdit));
    m_formatStatusLabel->setText(tr("Starting…"));
    m_task->start([path, type, bytes, request, keyBytes,
                   passphrase](const VolumeTask::Context& context) mutable {
        context.progress(5, tr("Creating the image file %1…").arg(path));
        if (Status created = createImageFile(path, bytes); !created)
            return created;
        // From here on, anything but success removes the file this job created.
        Status status;
        if (type != u"plain" && !context.isCancelled()) {
            context.progress(15, tr("Generating the volume key…"));
            SecureBuffer volumeKey(keyBytes);
            status = SecureRandom::fill(std::span<uint8_t>(volumeKey.data(), volumeKey.size()));
            auto device = status ? HeaderDevice::open(path, HeaderDevice::Access::ReadWrite)
                                 : Result<std::unique_ptr<HeaderDevice>>(status);
            if (!device)
                status = device.status();
            if (status && !context.isCancelled()) {
                context.progress(30, tr("Measuring the key derivation and writing the header and the first "
                                        "keyslot…"));
                request.keyslot.cancel = context.cancelFlag();
                auto formatted =
                    LuksFormat::format(std::move(device.value()), request, volumeKey, passphrase->bytes());
                if (!formatted)
                    status = formatted.status();
                // The volume (and its file lock) ends here, before the file may be removed.
            }
        }
        passphrase->wipe();
        if (status && context.isCancelled())
            status = VolumeTask::cancelledStatus();
        if (!status) {
            QFile::remove(path);
            return status;
        }
        context.progress(100, tr("Done."));
        return Status::ok();
    });
}

void NewVolumeWizard::finishFormat(const Status& status)
{
    m_formatCancelButton->setEnabled(false);
    if (status) {
        m_formatted = true;
        m_formatProgress->setValue(100);
        const QString type = volumeType();
        m_formatStatusLabel->setText(
            type == u"plain"
                ? tr("Created %1. A plain volume has no header: open it with the same cipher (%2), key size, "
                     "hash "
                     "(%3) and passphrase.")
                      .arg(imagePath(), m_cipherCombo->currentData().toString(),
                           m_plainHashCombo->currentData().toString())
                : tr("Created %1 as %2 with the passphrase in key slot 0. Open it with File → Open Volume.")
                      .arg(imagePath(), type.toUpper()));
        SecretText::clear(m_passphraseEdit);
        SecretText::clear(m_confirmEdit);
        emit volumeCreated(imagePath(), type);
    } else if (VolumeTask::isCancelled(status)) {
        m_formatProgress->setValue(0);
        m_formatStatusLabel->setText(tr("Cancelled; %1 was not created.").arg(imagePath()));
    } else {
        m_formatProgress->setValue(0);
        m_formatStatusLabel->setText(tr("Nothing was created."));
        showPageError(m_formatErrorLabel, tr("Cannot create the volume: %1").arg(status.message()));
    }
    m_formatPage->recheck();
    if (m_closeWhenDone) {
        m_closeWhenDone = false;
        QWizard::reject();
    }
}

} // namespace cryptstack
