#include "HeaderBackupDialog.h"

#include "VolumeTask.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

QWidget* pathRow(QLineEdit* edit, const QString& browseName, QWidget* parent, std::function<QString()> choose)
{
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QPushButton(HeaderBackupDialog::tr("&Browse…"), row);
    browse->setObjectName(browseName);
    browse->setAccessibleName(HeaderBackupDialog::tr("Choose a file"));
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, choose = std::move(choose)] {
        const QString path = choose();
        if (!path.isEmpty())
            edit->setText(path);
    });
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}

} // namespace

HeaderBackupDialog::HeaderBackupDialog(const QString& imagePath, Mode mode, QWidget* parent)
    : QDialog(parent), m_imagePath(QFileInfo(imagePath).absoluteFilePath()),
      m_task(new VolumeTask(QStringLiteral("gui-header"), this)), m_tabs(new QTabWidget(this)),
      m_backupPathEdit(new QLineEdit(this)), m_restorePathEdit(new QLineEdit(this)),
      m_backupButton(new QPushButton(tr("&Save Backup"), this)),
      m_restoreButton(new QPushButton(tr("&Restore Header…"), this)), m_statusLabel(new QLabel(this)),
      m_errorLabel(new QLabel(this))
{
    setObjectName(QStringLiteral("headerBackupDialog"));
    setWindowTitle(tr("LUKS Header of %1").arg(QFileInfo(m_imagePath).fileName()));
    m_tabs->setObjectName(QStringLiteral("headerTabs"));
    m_backupPathEdit->setObjectName(QStringLiteral("backupPathEdit"));
    m_backupPathEdit->setAccessibleName(tr("Backup file"));
    m_backupPathEdit->setText(m_imagePath + QStringLiteral(".header"));
    m_restorePathEdit->setObjectName(QStringLiteral("restorePathEdit"));
    m_restorePathEdit->setAccessibleName(tr("Backup file to restore"));
    m_backupButton->setObjectName(QStringLiteral("backupButton"));
    m_backupButton->setAccessibleName(tr("Save the header backup"));
    m_restoreButton->setObjectName(QStringLiteral("restoreButton"));
    m_restoreButton->setAccessibleName(tr("Restore the header from the backup"));
    m_statusLabel->setObjectName(QStringLiteral("headerStatusLabel"));
    m_statusLabel->setAccessibleName(tr("Status"));
    m_statusLabel->setWordWrap(true);
    m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setObjectName(QStringLiteral("headerErrorLabel"));
    m_errorLabel->setAccessibleName(tr("Error"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_errorLabel->hide();

    auto* backupPage = new QWidget(m_tabs);
    auto* backupLayout = new QFormLayout(backupPage);
    auto* backupIntro =
        new QLabel(tr("Saves the header and all keyslots to a new file, readable only by you. Keep it "
                      "safe: with it, every passphrase that works today opens the volume."),
                   backupPage);
    backupIntro->setWordWrap(true);
    backupLayout->addRow(backupIntro);
    backupLayout->addRow(
        tr("&File:"), pathRow(m_backupPathEdit, QStringLiteral("backupBrowseButton"), backupPage, [this] {
            return QFileDialog::getSaveFileName(this, tr("Header Backup File"), m_backupPathEdit->text());
        }));
    backupLayout->addRow(QString(), m_backupButton);
    auto* restorePage = new QWidget(m_tabs);
    auto* restoreLayout = new QFormLayout(restorePage);
    auto* restoreIntro =
        new QLabel(tr("Writes a header backup over the image's header and keyslots. The area it "
                      "replaces is saved next to the image first."),
                   restorePage);
    restoreIntro->setWordWrap(true);
    restoreLayout->addRow(restoreIntro);
    restoreLayout->addRow(
        tr("&File:"), pathRow(m_restorePathEdit, QStringLiteral("restoreBrowseButton"), restorePage, [this] {
            return QFileDialog::getOpenFileName(this, tr("Header Backup File"), m_imagePath);
        }));
    restoreLayout->addRow(QString(), m_restoreButton);
    m_tabs->addTab(backupPage, tr("&Backup"));
    m_tabs->addTab(restorePage, tr("R&estore"));
    m_tabs->setCurrentIndex(mode == Mode::Backup ? 0 : 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->setObjectName(QStringLiteral("headerButtons"));
    connect(buttons, &QDialogButtonBox::rejected, this, &HeaderBackupDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_errorLabel);
    layout->addWidget(buttons);
    connect(m_backupButton, &QPushButton::clicked, this, &HeaderBackupDialog::backup);
    connect(m_restoreButton, &QPushButton::clicked, this, &HeaderBackupDialog::restore);
    connect(m_task, &VolumeTask::finished, this, &HeaderBackupDialog::finish);
}

HeaderBackupDialog::~HeaderBackupDialog()
{
    delete m_task; // joins a running job, which writes members, before they are destroyed
}

bool HeaderBackupDialog::isBusy() const
{
    return m_task->isRunning();
}

QString HeaderBackupDialog::errorText() const
{
    return m_errorLabel->isHidden() ? QString() : m_errorLabel->text();
}

QString HeaderBackupDialog::statusText() const
{
    return m_statusLabel->text();
}

void HeaderBackupDialog::showError(const QString& text)
{
    m_errorLabel->setText(text);
    m_errorLabel->show();
}

void HeaderBackupDialog::updateButtons()
{
    const bool idle = !m_task->isRunning();
    m_backupButton->setEnabled(idle);
    m_restoreButton->setEnabled(idle);
}

void HeaderBackupDialog::backup()
{
    if (m_task->isRunning())
        return;
    m_errorLabel->hide();
    const QString file = m_backupPathEdit->text().trimmed();
    if (file.isEmpty()) {
        showError(tr("File: choose where the backup goes."));
        return;
    }
    const QString image = m_imagePath;
    const QString target = QFileInfo(file).absoluteFilePath();
    m_statusLabel->setText(tr("Saving the header…"));
    m_job = Job::Backup;
    m_task->start([this, image, target](const VolumeTask::Context&) -> Status {
        auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
        if (!device)
            return device.status();
        auto volume = LuksVolume::load(std::move(device.value()));
        if (!volume)
            return Status(volume.status().code(), volume.status().message().section(u'\n', 0, 0));
        if (Status saved = HeaderBackup::backup(**volume, target); !saved)
            return saved;
        m_doneText = tr("Saved the header of %1 (%2 bytes) to %3.")
                         .arg(image)
                         .arg(volume.value()->headerBytes())
                         .arg(target);
        return Status::ok();
    });
    updateButtons();
}

void HeaderBackupDialog::restore()
{
    if (m_task->isRunning())
        return;
    m_errorLabel->hide();
    const QString file = m_restorePathEdit->text().trimmed();
    if (file.isEmpty()) {
        showError(tr("File: choose the backup to restore."));
        return;
    }
    const QString image = m_imagePath;
    const QString backupFile = QFileInfo(file).absoluteFilePath();
    m_statusLabel->setText(tr("Checking the backup…"));
    m_job = Job::PlanRestore;
    m_task->start([this, image, backupFile](const VolumeTask::Context&) -> Status {
        auto plan = HeaderBackup::planRestore(backupFile, image, QString());
        if (!plan)
            return plan.status();
        m_plan = std::make_unique<HeaderBackup::RestorePlan>(std::move(plan.value()));
        return Status::ok();
    });
    updateButtons();
}

void HeaderBackupDialog::finish(const Status& status)
{
    const Job job = std::exchange(m_job, Job::None);
    updateButtons();
    if (!status) {
        m_plan.reset();
        m_statusLabel->clear();
        showError(status.message());
        return;
    }
    if (job == Job::PlanRestore) {
        m_statusLabel->clear();
        QString text =
            tr("Restore the header of %1 from %2?\nThis overwrites the LUKS header and all keyslots of %1: "
               "passphrases added since the backup stop working, removed ones work again.")
                .arg(m_imagePath, m_restorePathEdit->text().trimmed());
        text += u'\n' + m_plan->question;
        for (const QString& warning : std::as_const(m_plan->warnings))
            text += u'\n' + warning;
        auto* box = new QMessageBox(QMessageBox::Warning, windowTitle(), text,
                                    QMessageBox::Yes | QMessageBox::No, this);
        box->setObjectName(QStringLiteral("confirmRestoreBox"));
        box->setDefaultButton(QMessageBox::No);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::finished, this, [this](int result) {
            if (result != QMessageBox::Yes || !m_plan) {
                m_plan.reset();
                m_statusLabel->setText(tr("Nothing was restored."));
                return;
            }
            m_statusLabel->setText(tr("Saving the current header area, then restoring…"));
            m_job = Job::ApplyRestore;
            const QString image = m_imagePath;
            m_task->start([this, image](const VolumeTask::Context&) -> Status {
                const std::unique_ptr<HeaderBackup::RestorePlan> plan = std::move(m_plan);
                Status status = HeaderBackup::applyRestore(
                    *plan, [this](const QString& path, uint64_t) { m_savedPath = path; });
                if (!status)
                    return status;
                plan->target.reset();
                plan->backup.reset();
                auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
                if (device) {
                    if (auto volume = LuksVolume::load(std::move(device.value())))
                        m_summary = KeyslotList::describe(**volume, image);
                }
                return Status::ok();
            });
            updateButtons();
        });
        box->open();
        return;
    }
    if (job == Job::Backup) {
        m_statusLabel->setText(m_doneText);
        return;
    }
    if (job == Job::ApplyRestore) {
        m_statusLabel->setText(
            m_savedPath.isEmpty()
                ? tr("Restored the header of %1.").arg(m_imagePath)
                : tr("Restored the header of %1. The header area it replaced was saved to %2.")
                      .arg(m_imagePath, m_savedPath));
        if (m_summary.version)
            emit headerRestored(m_summary);
    }
}

void HeaderBackupDialog::reject()
{
    if (m_task->isRunning())
        return; // a header write is not interrupted halfway
    m_plan.reset();
    QDialog::reject();
}

} // namespace cryptstack
