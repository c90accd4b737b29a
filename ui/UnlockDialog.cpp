#include "UnlockDialog.h"

#include "SecretText.h"
#include "VolumeTask.h"
#include "dm/DeviceRegistry.h"
#include "formats/HeaderDevice.h"
#include "volume/LuksActivation.h"
#include "volume/PlainVolume.h"
#include "volume/VolumeMapper.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

#include <memory>

namespace cryptstack {

namespace {

QString suggestedName(DeviceRegistry& registry, const QString& imagePath)
{
    QString base = QFileInfo(imagePath).completeBaseName();
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("_"));
    if (base.isEmpty())
        base = QStringLiteral("volume");
    QString name = base;
    for (int n = 2; registry.find(name); ++n)
        name = QStringLiteral("%1-%2").arg(base).arg(n);
    return name;
}

} // namespace

UnlockDialog::UnlockDialog(DeviceRegistry& registry, const QString& imagePath, QWidget* parent)
    : QDialog(parent), m_registry(registry), m_imagePath(QFileInfo(imagePath).absoluteFilePath()),
      m_task(new VolumeTask(QStringLiteral("gui-unlock"), this)), m_volumeLabel(new QLabel(this)),
      m_passphraseRadio(new QRadioButton(tr("&Passphrase:"), this)),
      m_keyFileRadio(new QRadioButton(tr("&Key file:"), this)), m_passphraseEdit(new QLineEdit(this)),
      m_keyFileEdit(new QLineEdit(this)), m_keyFileBrowse(new QPushButton(tr("&Browse…"), this)),
      m_keySlotSpin(new QSpinBox(this)), m_nameEdit(new QLineEdit(this)),
      m_readOnlyCheck(new QCheckBox(tr("Map &read-only"), this)), m_plainCipherEdit(new QLineEdit(this)),
      m_plainKeySizeSpin(new QSpinBox(this)), m_plainHashCombo(new QComboBox(this)),
      m_plainGroup(new QGroupBox(tr("Plain volume (no header)"), this)), m_statusLabel(new QLabel(this)),
      m_errorLabel(new QLabel(this)), m_unlockButton(new QPushButton(tr("&Unlock"), this))
{
    setObjectName(QStringLiteral("unlockDialog"));
    setWindowTitle(tr("Open Volume %1").arg(QFileInfo(m_imagePath).fileName()));
    m_volumeLabel->setObjectName(QStringLiteral("unlockVolumeLabel"));
    m_volumeLabel->setAccessibleName(tr("Volume"));
    m_volumeLabel->setWordWrap(true);
    m_volumeLabel->setText(tr("%1: reading the header…").arg(m_imagePath));
    m_passphraseRadio->setObjectName(QStringLiteral("unlockPassphraseRadio"));
    m_passphraseRadio->setAccessibleName(tr("Unlock with a passphrase"));
    m_passphraseRadio->setChecked(true);
    m_keyFileRadio->setObjectName(QStringLiteral("unlockKeyFileRadio"));
    m_keyFileRadio->setAccessibleName(tr("Unlock with a key file"));
    m_passphraseEdit->setObjectName(QStringLiteral("unlockPassphraseEdit"));
    m_passphraseEdit->setAccessibleName(tr("Passphrase"));
    m_passphraseEdit->setEchoMode(QLineEdit::Password);
    m_keyFileEdit->setObjectName(QStringLiteral("unlockKeyFileEdit"));
    m_keyFileEdit->setAccessibleName(tr("Key file"));
    m_keyFileBrowse->setObjectName(QStringLiteral("unlockKeyFileBrowse"));
    m_keyFileBrowse->setAccessibleName(tr("Choose the key file"));
    m_keySlotSpin->setObjectName(QStringLiteral("unlockKeySlotSpin"));
    m_keySlotSpin->setAccessibleName(tr("Key slot"));
    m_keySlotSpin->setRange(-1, 31);
    m_keySlotSpin->setValue(-1);
    m_keySlotSpin->setSpecialValueText(tr("any"));
    m_nameEdit->setObjectName(QStringLiteral("unlockNameEdit"));
    m_nameEdit->setAccessibleName(tr("Mapped device name"));
    m_nameEdit->setText(suggestedName(registry, m_imagePath));
    m_readOnlyCheck->setObjectName(QStringLiteral("unlockReadOnlyCheck"));
    m_readOnlyCheck->setAccessibleName(tr("Map read-only"));
    m_plainGroup->setObjectName(QStringLiteral("unlockPlainGroup"));
    m_plainCipherEdit->setObjectName(QStringLiteral("unlockPlainCipherEdit"));
    m_plainCipherEdit->setAccessibleName(tr("Plain cipher"));
    m_plainCipherEdit->setText(QStringLiteral("aes-cbc-essiv:sha256"));
    m_plainKeySizeSpin->setObjectName(QStringLiteral("unlockPlainKeySizeSpin"));
    m_plainKeySizeSpin->setAccessibleName(tr("Plain key size"));
    m_plainKeySizeSpin->setRange(8, 4096);
    m_plainKeySizeSpin->setSingleStep(8);
    m_plainKeySizeSpin->setValue(256);
    m_plainKeySizeSpin->setSuffix(tr(" bits"));
    m_plainHashCombo->setObjectName(QStringLiteral("unlockPlainHashCombo"));
    m_plainHashCombo->setAccessibleName(tr("Plain passphrase hash"));
    for (const char* hash : {"ripemd160", "sha256", "sha512", "plain"})
        m_plainHashCombo->addItem(QString::fromLatin1(hash), QString::fromLatin1(hash));
    auto* plainLayout = new QFormLayout(m_plainGroup);
    plainLayout->addRow(tr("&Cipher:"), m_plainCipherEdit);
    plainLayout->addRow(tr("Key si&ze:"), m_plainKeySizeSpin);
    plainLayout->addRow(tr("&Hash:"), m_plainHashCombo);
    m_plainGroup->hide();
    m_statusLabel->setObjectName(QStringLiteral("unlockStatusLabel"));
    m_statusLabel->setAccessibleName(tr("Status"));
    m_statusLabel->setWordWrap(true);
    m_errorLabel->setObjectName(QStringLiteral("unlockErrorLabel"));
    m_errorLabel->setAccessibleName(tr("Error"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_errorLabel->hide();
    m_unlockButton->setObjectName(QStringLiteral("unlockButton"));
    m_unlockButton->setAccessibleName(tr("Unlock and map the volume"));
    m_unlockButton->setDefault(true);

    auto* keyFileRow = new QHBoxLayout;
    keyFileRow->addWidget(m_keyFileEdit, 1);
    keyFileRow->addWidget(m_keyFileBrowse);
    auto* form = new QFormLayout;
    form->addRow(m_passphraseRadio, m_passphraseEdit);
    form->addRow(m_keyFileRadio, keyFileRow);
    form->addRow(tr("Key &slot:"), m_keySlotSpin);
    form->addRow(tr("&Device name:"), m_nameEdit);
    form->addRow(QString(), m_readOnlyCheck);
    auto* buttons = new QDialogButtonBox(this);
    buttons->setObjectName(QStringLiteral("unlockButtons"));
    buttons->addButton(m_unlockButton, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_volumeLabel);
    layout->addLayout(form);
    layout->addWidget(m_plainGroup);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_errorLabel);
    layout->addWidget(buttons);

    connect(m_unlockButton, &QPushButton::clicked, this, &UnlockDialog::unlock);
    connect(buttons, &QDialogButtonBox::rejected, this, &UnlockDialog::reject);
    connect(m_passphraseRadio, &QRadioButton::toggled, this, &UnlockDialog::updateFields);
    connect(m_keyFileBrowse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Key File"));
        if (!path.isEmpty()) {
            m_keyFileEdit->setText(path);
            m_keyFileRadio->setChecked(true);
        }
    });
    connect(m_task, &VolumeTask::finished, this, [this](const Status& status) {
        const Job job = std::exchange(m_job, Job::None);
        if (job == Job::Probe)
            finishProbe(status);
        else if (job == Job::Unlock)
            finishUnlock(status);
    });
    updateFields();
}

UnlockDialog::~UnlockDialog()
{
    delete m_task; // joins a running job, which writes members, before they are destroyed
    SecretText::clear(m_passphraseEdit);
}

QString UnlockDialog::deviceName() const
{
    return m_nameEdit->text().trimmed();
}

bool UnlockDialog::isBusy() const
{
    return m_task->isRunning();
}

QString UnlockDialog::errorText() const
{
    return m_errorLabel->isHidden() ? QString() : m_errorLabel->text();
}

void UnlockDialog::showEvent(QShowEvent* event)
{
    QDialog::showEvent(event);
    probe();
}

void UnlockDialog::probe()
{
    if (m_probeStarted)
        return;
    m_probeStarted = true;
    m_job = Job::Probe;
    const QString path = m_imagePath;
    m_task->start([this, path](const VolumeTask::Context&) -> Status {
        auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
        if (!device)
            return device.status();
        auto volume = LuksVolume::load(std::move(device.value()));
        if (volume)
            m_summary = KeyslotList::describe(**volume, path);
        return Status::ok(); // not LUKS: plain
    });
    updateFields();
}

void UnlockDialog::finishProbe(const Status& status)
{
    m_probed = true;
    if (!status) {
        m_volumeLabel->setText(tr("%1: %2").arg(m_imagePath, status.message()));
        showError(status.message());
    } else if (isLuks()) {
        m_volumeLabel->setText(
            tr("%1: LUKS%2 volume %3, %4, %n active key slot(s).", nullptr, m_summary.activeCount())
                .arg(m_imagePath)
                .arg(m_summary.version)
                .arg(m_summary.uuid, m_summary.cipher));
        m_keySlotSpin->setMaximum(m_summary.version == 1 ? 7 : 31);
    } else {
        m_volumeLabel->setText(tr("%1 has no LUKS header: it is opened as a plain volume. Give the cipher, "
                                  "key size and hash it was "
                                  "made with.")
                                   .arg(m_imagePath));
        m_plainGroup->show();
        m_keySlotSpin->setEnabled(false);
    }
    updateFields();
    if (std::exchange(m_unlockWhenProbed, false) && status)
        unlock();
}

void UnlockDialog::updateFields()
{
    const bool idle = !m_task->isRunning();
    m_passphraseEdit->setEnabled(idle && m_passphraseRadio->isChecked());
    m_keyFileEdit->setEnabled(idle && m_keyFileRadio->isChecked());
    m_keyFileBrowse->setEnabled(idle && m_keyFileRadio->isChecked());
    m_unlockButton->setEnabled(idle || m_job == Job::Probe);
    m_nameEdit->setEnabled(idle);
}

void UnlockDialog::showError(const QString& text)
{
    m_errorLabel->setText(text);
    m_errorLabel->show();
}

void UnlockDialog::unlock()
{
    if (m_job == Job::Probe || !m_probed) {
        m_unlockWhenProbed = true; // the header decides LUKS or plain
        probe();
        return;
    }
    if (m_task->isRunning())
        return;
    m_errorLabel->hide();
    const QString name = deviceName();
    if (name.isEmpty() || name.contains(u'/') || name == u"." || name == u"..") {
        showError(tr("Device name: give a name without \"/\", such as \"secret\"."));
        return;
    }
    if (m_registry.find(name)) {
        showError(tr("Device name: %1 already exists.").arg(name));
        return;
    }
    const bool useKeyFile = m_keyFileRadio->isChecked();
    const QString keyFile = m_keyFileEdit->text().trimmed();
    if (useKeyFile && keyFile.isEmpty()) {
        showError(tr("Key file: choose a file."));
        return;
    }
    if (!useKeyFile && m_passphraseEdit->text().isEmpty()) {
        showError(tr("Passphrase: enter the passphrase."));
        return;
    }
    if (!isLuks() && m_plainKeySizeSpin->value() % 8) {
        showError(tr("Key size: must be a multiple of 8 bits."));
        return;
    }
    auto passphrase =
        std::make_shared<SecureBuffer>(useKeyFile ? SecureBuffer() : SecretText::fromEdit(m_passphraseEdit));
    const std::optional<int> slot =
        m_keySlotSpin->value() >= 0 ? std::optional<int>(m_keySlotSpin->value()) : std::nullopt;
    ActivationFlags flags;
    flags.readOnly = m_readOnlyCheck->isChecked();
    PlainOptions plain;
    plain.cipher = m_plainCipherEdit->text().trimmed();
    plain.keyBits = static_cast<size_t>(m_plainKeySizeSpin->value());
    plain.hash = m_plainHashCombo->currentData().toString();
    const bool luks = isLuks();
    const QString path = m_imagePath;
    DeviceRegistry* registry = &m_registry;
    m_statusLabel->setText(tr("Unlocking…"));
    m_job = Job::Unlock;
    m_task->start([this, registry, path, name, luks, useKeyFile, keyFile, passphrase, slot, flags,
                   plain](const VolumeTask::Context&) mutable -> Status {
        if (useKeyFile) {
            auto key = SecretText::readKeyFile(keyFile);
            if (!key)
                return key.status();
            *passphrase = std::move(key.value());
        }
        MappingRequest request;
        SecureBuffer volumeKey;
        if (luks) {
            auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
            if (!device)
                return device.status();
            auto volume = LuksVolume::load(std::move(device.value()));
            if (!volume)
                return Status(volume.status().code(), volume.status().message().section(u'\n', 0, 0));
            if (Status checked = LuksActivation::check(**volume, false); !checked)
                return checked;
            auto unlocked = volume.value()->unlock(passphrase->bytes(), slot);
            passphrase->wipe();
            if (!unlocked)
                return unlocked.status();
            request = LuksActivation::mappingRequest(**volume, name, path, flags);
            volumeKey = std::move(unlocked->volumeKey);
            m_unlockedSummary = KeyslotList::describe(**volume, path);
        } else {
            auto activation = PlainVolume::activation(plain);
            if (!activation)
                return activation.status();
            if (useKeyFile)
                plain.hash.clear(); // a key file is the key itself, as cryptsetup's plain mode
            auto key = PlainVolume::volumeKey(plain, passphrase->bytes());
            passphrase->wipe();
            if (!key)
                return key.status();
            request.name = name;
            request.dataDevice = path;
            request.volumeType = QStringLiteral("PLAIN");
            request.activation = *activation;
            request.flags = flags;
            volumeKey = std::move(key.value());
            m_unlockedSummary = VolumeSummary{path, 0, {}, activation->cipher, {}};
        }
        VolumeMapper mapper(*registry);
        return mapper.open(request, volumeKey).status();
    });
    updateFields();
}

void UnlockDialog::finishUnlock(const Status& status)
{
    updateFields();
    if (!status) {
        m_statusLabel->clear();
        showError(status.message());
        return;
    }
    m_statusLabel->setText(tr("Mapped as %1.").arg(deviceName()));
    SecretText::clear(m_passphraseEdit);
    emit unlocked(deviceName(), m_unlockedSummary);
    accept();
}

void UnlockDialog::reject()
{
    if (m_job == Job::Unlock)
        return; // a KDF cannot be interrupted; the mapping is created or not within moments
    QDialog::reject();
}

} // namespace cryptstack
