#include "KeySlotsDialog.h"

#include "KdfOptionsWidget.h"
#include "SecretText.h"
#include "VolumeTask.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <memory>

namespace cryptstack {

namespace {

QLineEdit* passwordEdit(const QString& objectName, const QString& accessibleName, QWidget* parent)
{
    auto* edit = new QLineEdit(parent);
    edit->setObjectName(objectName);
    edit->setAccessibleName(accessibleName);
    edit->setEchoMode(QLineEdit::Password);
    return edit;
}

QPushButton* button(const QString& text, const QString& objectName, const QString& accessibleName,
                    QWidget* parent)
{
    auto* b = new QPushButton(text, parent);
    b->setObjectName(objectName);
    b->setAccessibleName(accessibleName);
    return b;
}

std::shared_ptr<SecureBuffer> secret(const QLineEdit* edit)
{
    return std::make_shared<SecureBuffer>(SecretText::fromEdit(edit));
}

} // namespace

KeySlotsDialog::KeySlotsDialog(const QString& imagePath, QWidget* parent)
    : QDialog(parent), m_imagePath(QFileInfo(imagePath).absoluteFilePath()),
      m_task(new VolumeTask(QStringLiteral("gui-keyslots"), this)), m_slotsTree(new QTreeWidget(this)),
      m_existingEdit(passwordEdit(QStringLiteral("existingPassphraseEdit"), tr("Existing passphrase"), this)),
      m_newEdit(passwordEdit(QStringLiteral("newPassphraseEdit"), tr("New passphrase"), this)),
      m_confirmEdit(
          passwordEdit(QStringLiteral("confirmNewPassphraseEdit"), tr("Confirm new passphrase"), this)),
      m_killSlotSpin(new QSpinBox(this)), m_kdf(new KdfOptionsWidget(this)),
      m_addButton(button(tr("&Add Key"), QStringLiteral("addKeyButton"), tr("Add a passphrase"), this)),
      m_changeButton(
          button(tr("&Change Key"), QStringLiteral("changeKeyButton"), tr("Change a passphrase"), this)),
      m_removeButton(button(tr("&Remove Key"), QStringLiteral("removeKeyButton"),
                            tr("Remove the key slot the existing passphrase opens"), this)),
      m_killButton(button(tr("&Kill Slot"), QStringLiteral("killSlotButton"),
                          tr("Kill the key slot by number"), this)),
      m_statusLabel(new QLabel(this)), m_errorLabel(new QLabel(this))
{
    setObjectName(QStringLiteral("keySlotsDialog"));
    setWindowTitle(tr("Key Slots of %1").arg(QFileInfo(m_imagePath).fileName()));
    m_slotsTree->setObjectName(QStringLiteral("keySlotsTree"));
    m_slotsTree->setAccessibleName(tr("Key slots"));
    m_slotsTree->setRootIsDecorated(false);
    m_slotsTree->setHeaderLabels({tr("Slot"), tr("State"), tr("Key derivation")});
    m_slotsTree->header()->setStretchLastSection(true);
    m_killSlotSpin->setObjectName(QStringLiteral("killSlotSpin"));
    m_killSlotSpin->setAccessibleName(tr("Key slot to kill"));
    m_killSlotSpin->setRange(0, 31);
    m_kdf->setObjectName(QStringLiteral("keySlotsKdfOptions"));
    m_statusLabel->setObjectName(QStringLiteral("keySlotsStatusLabel"));
    m_statusLabel->setAccessibleName(tr("Status"));
    m_statusLabel->setWordWrap(true);
    m_errorLabel->setObjectName(QStringLiteral("keySlotsErrorLabel"));
    m_errorLabel->setAccessibleName(tr("Error"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_errorLabel->hide();

    auto* keys = new QGroupBox(tr("Passphrases"), this);
    auto* keysLayout = new QFormLayout(keys);
    keysLayout->addRow(tr("E&xisting passphrase:"), m_existingEdit);
    keysLayout->addRow(tr("&New passphrase:"), m_newEdit);
    keysLayout->addRow(tr("C&onfirm new:"), m_confirmEdit);
    auto* kdfGroup = new QGroupBox(tr("Key derivation of new key slots"), this);
    auto* kdfLayout = new QVBoxLayout(kdfGroup);
    kdfLayout->addWidget(m_kdf);
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_addButton);
    actions->addWidget(m_changeButton);
    actions->addWidget(m_removeButton);
    actions->addStretch(1);
    actions->addWidget(new QLabel(tr("Slot:"), this));
    actions->addWidget(m_killSlotSpin);
    actions->addWidget(m_killButton);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->setObjectName(QStringLiteral("keySlotsButtons"));
    connect(buttons, &QDialogButtonBox::rejected, this, &KeySlotsDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_slotsTree, 1);
    layout->addWidget(keys);
    layout->addWidget(kdfGroup);
    layout->addLayout(actions);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_errorLabel);
    layout->addWidget(buttons);

    connect(m_addButton, &QPushButton::clicked, this, &KeySlotsDialog::addKey);
    connect(m_changeButton, &QPushButton::clicked, this, &KeySlotsDialog::changeKey);
    connect(m_removeButton, &QPushButton::clicked, this, &KeySlotsDialog::removeKey);
    connect(m_killButton, &QPushButton::clicked, this, &KeySlotsDialog::killSlot);
    connect(m_task, &VolumeTask::finished, this, &KeySlotsDialog::finish);
    updateButtons();
}

KeySlotsDialog::~KeySlotsDialog()
{
    delete m_task; // joins a running job, which writes members, before they are destroyed
    for (QLineEdit* edit : {m_existingEdit, m_newEdit, m_confirmEdit})
        SecretText::clear(edit);
}

bool KeySlotsDialog::isBusy() const
{
    return m_task->isRunning();
}

QString KeySlotsDialog::errorText() const
{
    return m_errorLabel->isHidden() ? QString() : m_errorLabel->text();
}

QString KeySlotsDialog::statusText() const
{
    return m_statusLabel->text();
}

void KeySlotsDialog::showEvent(QShowEvent* event)
{
    QDialog::showEvent(event);
    if (!m_loadedOnce) {
        m_loadedOnce = true;
        reload();
    }
}

void KeySlotsDialog::reload()
{
    run(tr("Reading the header…"), nullptr);
}

void KeySlotsDialog::run(const QString& busyText, Operation operation)
{
    if (m_task->isRunning())
        return;
    m_errorLabel->hide();
    m_statusLabel->setText(busyText);
    const QString path = m_imagePath;
    m_task->start([this, path, operation](const VolumeTask::Context&) -> Status {
        const auto access = operation ? HeaderDevice::Access::ReadWrite : HeaderDevice::Access::ReadOnly;
        auto device = HeaderDevice::open(path, access);
        if (!device)
            return device.status();
        auto volume = LuksVolume::load(std::move(device.value()));
        if (!volume)
            return Status(volume.status().code(), volume.status().message().section(u'\n', 0, 0));
        Status status;
        m_resultText.clear();
        if (operation) {
            auto result = operation(**volume);
            if (result)
                m_resultText = *result;
            else
                status = result.status();
        }
        m_summary = KeyslotList::describe(**volume, path);
        return status;
    });
    updateButtons();
}

void KeySlotsDialog::finish(const Status& status)
{
    showSummary();
    updateButtons();
    if (!status) {
        m_statusLabel->clear();
        showError(status.message());
    } else {
        m_statusLabel->setText(m_resultText.isEmpty()
                                   ? tr("%n active key slot(s).", nullptr, m_summary.activeCount())
                                   : m_resultText);
        if (!m_resultText.isEmpty()) {
            for (QLineEdit* edit : {m_existingEdit, m_newEdit, m_confirmEdit})
                SecretText::clear(edit);
        }
    }
    if (m_summary.version)
        emit keyslotsChanged(m_summary);
}

void KeySlotsDialog::showSummary()
{
    m_slotsTree->clear();
    for (const KeyslotEntry& entry : std::as_const(m_summary.keyslots)) {
        auto* item = new QTreeWidgetItem(m_slotsTree);
        item->setText(0, QString::number(entry.slot));
        item->setText(1, entry.active ? tr("active") : tr("inactive"));
        item->setText(2, entry.kdf);
    }
    m_killSlotSpin->setMaximum(m_summary.version == 1 ? 7 : 31);
    m_kdf->setLuksVersion(m_summary.version == 1 ? 1 : 2);
}

void KeySlotsDialog::updateButtons()
{
    const bool idle = !m_task->isRunning();
    for (QPushButton* b : {m_addButton, m_changeButton, m_removeButton, m_killButton})
        b->setEnabled(idle);
}

void KeySlotsDialog::showError(const QString& text)
{
    m_errorLabel->setText(text);
    m_errorLabel->show();
}

QString KeySlotsDialog::checkNewPassphrase() const
{
    if (m_existingEdit->text().isEmpty())
        return tr("Existing passphrase: enter a passphrase that opens the volume.");
    if (m_newEdit->text().isEmpty())
        return tr("New passphrase: enter the new passphrase.");
    if (m_newEdit->text() != m_confirmEdit->text())
        return tr("Confirm new: the two new passphrases do not match.");
    if (const QString error = m_kdf->validationError(); !error.isEmpty())
        return error;
    return {};
}

void KeySlotsDialog::confirm(const QString& objectName, const QString& text, std::function<void()> then)
{
    auto* box =
        new QMessageBox(QMessageBox::Warning, windowTitle(), text, QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(objectName);
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [then = std::move(then)](int result) {
        if (result == QMessageBox::Yes)
            then();
    });
    box->open();
}

void KeySlotsDialog::addKey()
{
    if (const QString error = checkNewPassphrase(); !error.isEmpty()) {
        showError(error);
        return;
    }
    auto existing = secret(m_existingEdit);
    auto added = secret(m_newEdit);
    AddKeyslotOptions options;
    options.kdf = m_kdf->request();
    run(tr("Adding a key slot…"), [existing, added, options](LuksVolume& volume) -> Result<QString> {
        auto unlocked = volume.unlock(existing->bytes(), std::nullopt);
        existing->wipe();
        if (!unlocked)
            return unlocked.status();
        auto slot = volume.addKeyslot(unlocked->volumeKey, added->bytes(), options);
        added->wipe();
        if (!slot)
            return slot.status();
        return tr("Key slot %1 created.").arg(*slot);
    });
}

void KeySlotsDialog::changeKey()
{
    if (const QString error = checkNewPassphrase(); !error.isEmpty()) {
        showError(error);
        return;
    }
    confirm(QStringLiteral("confirmChangeKeyBox"),
            tr("Replace the passphrase of %1? The existing passphrase stops working.").arg(m_imagePath),
            [this] {
                auto existing = secret(m_existingEdit);
                auto replacement = secret(m_newEdit);
                AddKeyslotOptions options;
                options.kdf = m_kdf->request();
                run(tr("Changing the passphrase…"),
                    [existing, replacement, options](LuksVolume& volume) -> Result<QString> {
                        auto unlocked = volume.unlock(existing->bytes(), std::nullopt);
                        existing->wipe();
                        if (!unlocked)
                            return unlocked.status();
                        auto slot = volume.changeKeyslot(*unlocked, replacement->bytes(), options);
                        replacement->wipe();
                        if (!slot)
                            return slot.status();
                        return tr("Key slot %1 now holds the new passphrase.").arg(*slot);
                    });
            });
}

void KeySlotsDialog::removeKey()
{
    if (m_existingEdit->text().isEmpty()) {
        showError(tr("Existing passphrase: enter the passphrase to be removed."));
        return;
    }
    QString text = tr("Remove the key slot of %1 that this passphrase opens?").arg(m_imagePath);
    if (m_summary.activeCount() == 1)
        text += u'\n' + tr("This is the last keyslot. Device will become unusable after purging this key.");
    confirm(QStringLiteral("confirmRemoveKeyBox"), text, [this] {
        auto existing = secret(m_existingEdit);
        run(tr("Removing the key slot…"), [existing](LuksVolume& volume) -> Result<QString> {
            auto unlocked = volume.unlock(existing->bytes(), std::nullopt);
            existing->wipe();
            if (!unlocked)
                return unlocked.status();
            if (Status destroyed = volume.destroyKeyslot(unlocked->keyslot); !destroyed)
                return destroyed;
            return tr("Key slot %1 removed.").arg(unlocked->keyslot);
        });
    });
}

void KeySlotsDialog::killSlot()
{
    const int slot = m_killSlotSpin->value();
    if (m_existingEdit->text().isEmpty()) {
        showError(tr("Existing passphrase: enter any remaining passphrase to confirm you own the volume."));
        return;
    }
    QString text = tr("Kill key slot %1 of %2? Its passphrase stops working.").arg(slot).arg(m_imagePath);
    if (m_summary.activeCount() == 1)
        text += u'\n' + tr("This is the last keyslot. Device will become unusable after purging this key.");
    confirm(QStringLiteral("confirmKillSlotBox"), text, [this, slot] {
        auto existing = secret(m_existingEdit);
        run(tr("Killing key slot %1…").arg(slot), [existing, slot](LuksVolume& volume) -> Result<QString> {
            if (slot >= volume.keyslotLimit() || !volume.isKeyslotActive(slot))
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("Keyslot %1 is not active.").arg(slot));
            // luksKillSlot's verify_keyslot: the last slot must open with the passphrase, otherwise
            // any other slot must.
            int others = 0;
            for (int other = 0; other < volume.keyslotLimit(); ++other)
                others += other != slot && volume.isKeyslotActive(other) ? 1 : 0;
            bool verified = false;
            Status failure;
            for (int other = 0; other < volume.keyslotLimit() && !verified; ++other) {
                const bool candidate =
                    others == 0 ? other == slot : other != slot && volume.isKeyslotActive(other);
                if (!candidate)
                    continue;
                auto unlocked = volume.unlock(existing->bytes(), other);
                verified = unlocked.isOk();
                if (!unlocked)
                    failure = unlocked.status();
            }
            existing->wipe();
            if (!verified)
                return failure.code() == ErrorCode::WrongPassphrase || failure.isOk() ||
                               failure.message() == u"No usable keyslot is available."
                           ? Status(ErrorCode::WrongPassphrase,
                                    QStringLiteral("No key available with this passphrase."))
                           : failure;
            if (Status destroyed = volume.destroyKeyslot(slot); !destroyed)
                return destroyed;
            return tr("Key slot %1 removed.").arg(slot);
        });
    });
}

void KeySlotsDialog::reject()
{
    if (m_task->isRunning())
        return; // a header write is not interrupted halfway
    QDialog::reject();
}

} // namespace cryptstack
