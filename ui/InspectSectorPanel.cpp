#include "InspectSectorPanel.h"

#include "InspectTask.h"
#include "formats/HeaderDevice.h"
#include "volume/PlainVolume.h"
#include "volume/VolumeMapper.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <climits>

namespace cryptstack {

namespace {

struct UnlockOutcome
{
    Status status;
    std::shared_ptr<SecureBuffer> key;
    int keyslot = -1;
    CryptActivation activation;
};

QPlainTextEdit* hexView(const QString& objectName, const QString& accessibleName, QWidget* parent)
{
    auto* view = new QPlainTextEdit(parent);
    view->setObjectName(objectName);
    view->setAccessibleName(accessibleName);
    view->setReadOnly(true);
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

QSpinBox* sectorSpin(const QString& objectName, const QString& accessibleName, QWidget* parent)
{
    auto* spin = new QSpinBox(parent);
    spin->setObjectName(objectName);
    spin->setAccessibleName(accessibleName);
    spin->setRange(0, INT_MAX);
    return spin;
}

} // namespace

InspectSectorPanel::InspectSectorPanel(QWidget* parent)
    : QWidget(parent), m_task(std::make_unique<InspectTask>(QStringLiteral("sector")))
{
    setObjectName(QStringLiteral("inspectSectorPanel"));
    auto* layout = new QVBoxLayout(this);

    m_plainForm = new QGroupBox(tr("Plain dm-crypt parameters (no LUKS header)"), this);
    m_plainForm->setObjectName(QStringLiteral("inspectPlainForm"));
    auto* plain = new QFormLayout(m_plainForm);
    m_plainCipher = new QLineEdit(QStringLiteral("aes-cbc-essiv:sha256"), m_plainForm);
    m_plainCipher->setObjectName(QStringLiteral("inspectPlainCipher"));
    m_plainCipher->setAccessibleName(tr("Plain cipher"));
    plain->addRow(tr("Cipher (-c):"), m_plainCipher);
    m_plainKeyBits = new QSpinBox(m_plainForm);
    m_plainKeyBits->setObjectName(QStringLiteral("inspectPlainKeyBits"));
    m_plainKeyBits->setAccessibleName(tr("Plain key size in bits"));
    m_plainKeyBits->setRange(8, 4096);
    m_plainKeyBits->setSingleStep(8);
    m_plainKeyBits->setValue(256);
    plain->addRow(tr("Key size (-s, bits):"), m_plainKeyBits);
    m_plainHash = new QLineEdit(QStringLiteral("ripemd160"), m_plainForm);
    m_plainHash->setObjectName(QStringLiteral("inspectPlainHash"));
    m_plainHash->setAccessibleName(tr("Plain passphrase hash"));
    plain->addRow(tr("Passphrase hash (-h):"), m_plainHash);
    m_plainOffset =
        sectorSpin(QStringLiteral("inspectPlainOffset"), tr("Plain offset in sectors"), m_plainForm);
    plain->addRow(tr("Offset (--offset, 512-byte sectors):"), m_plainOffset);
    m_plainSkip = sectorSpin(QStringLiteral("inspectPlainSkip"), tr("Plain IV skip in sectors"), m_plainForm);
    plain->addRow(tr("Skip (--skip, 512-byte sectors):"), m_plainSkip);
    m_plainSectorSize = new QComboBox(m_plainForm);
    m_plainSectorSize->setObjectName(QStringLiteral("inspectPlainSectorSize"));
    m_plainSectorSize->setAccessibleName(tr("Plain sector size"));
    for (int size : {512, 1024, 2048, 4096})
        m_plainSectorSize->addItem(QString::number(size), size);
    plain->addRow(tr("Sector size:"), m_plainSectorSize);
    layout->addWidget(m_plainForm);

    auto* keyRow = new QHBoxLayout;
    keyRow->addWidget(new QLabel(tr("Passphrase:"), this));
    m_passphrase = new QLineEdit(this);
    m_passphrase->setObjectName(QStringLiteral("inspectPassphrase"));
    m_passphrase->setAccessibleName(tr("Passphrase to unlock the volume key"));
    m_passphrase->setEchoMode(QLineEdit::Password);
    keyRow->addWidget(m_passphrase, 1);
    m_unlock = new QPushButton(tr("Unlock"), this);
    m_unlock->setObjectName(QStringLiteral("inspectUnlock"));
    m_unlock->setAccessibleName(tr("Unlock the volume key"));
    keyRow->addWidget(m_unlock);
    m_forget = new QPushButton(tr("Forget key"), this);
    m_forget->setObjectName(QStringLiteral("inspectForgetKey"));
    m_forget->setAccessibleName(tr("Forget the volume key"));
    keyRow->addWidget(m_forget);
    layout->addLayout(keyRow);
    m_keyStatus = new QLabel(tr("No volume key."), this);
    m_keyStatus->setObjectName(QStringLiteral("inspectKeyStatus"));
    m_keyStatus->setAccessibleName(tr("Volume key status"));
    layout->addWidget(m_keyStatus);

    auto* sectorRow = new QHBoxLayout;
    sectorRow->addWidget(new QLabel(tr("Data sector:"), this));
    m_sector = sectorSpin(QStringLiteral("inspectSector"), tr("Data sector number"), this);
    sectorRow->addWidget(m_sector);
    m_show = new QPushButton(tr("Show"), this);
    m_show->setObjectName(QStringLiteral("inspectShowSector"));
    m_show->setAccessibleName(tr("Show the sector"));
    sectorRow->addWidget(m_show);
    m_sectorInfo = new QLabel(this);
    m_sectorInfo->setObjectName(QStringLiteral("inspectSectorInfo"));
    m_sectorInfo->setAccessibleName(tr("Sector position"));
    sectorRow->addWidget(m_sectorInfo, 1);
    layout->addLayout(sectorRow);

    auto* views = new QGridLayout;
    views->addWidget(new QLabel(tr("Ciphertext (as stored)"), this), 0, 0);
    views->addWidget(new QLabel(tr("IV"), this), 0, 1);
    views->addWidget(new QLabel(tr("Plaintext"), this), 0, 2);
    m_ciphertext = hexView(QStringLiteral("inspectCiphertext"), tr("Ciphertext hex"), this);
    m_plaintext = hexView(QStringLiteral("inspectPlaintext"), tr("Plaintext hex"), this);
    m_iv = hexView(QStringLiteral("inspectIv"), tr("IV hex"), this);
    m_iv->setMaximumHeight(80);
    m_ivExplanation = new QLabel(this);
    m_ivExplanation->setObjectName(QStringLiteral("inspectIvExplanation"));
    m_ivExplanation->setAccessibleName(tr("How the IV was derived"));
    m_ivExplanation->setWordWrap(true);
    m_ivExplanation->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_ivExplanation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* ivColumn = new QVBoxLayout;
    ivColumn->addWidget(m_iv);
    ivColumn->addWidget(m_ivExplanation, 1);
    views->addWidget(m_ciphertext, 1, 0);
    views->addLayout(ivColumn, 1, 1);
    views->addWidget(m_plaintext, 1, 2);
    views->setColumnStretch(0, 2);
    views->setColumnStretch(1, 1);
    views->setColumnStretch(2, 2);
    layout->addLayout(views, 1);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("inspectSectorError"));
    m_error->setAccessibleName(tr("Sector inspector error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    layout->addWidget(m_error);

    connect(m_unlock, &QPushButton::clicked, this, &InspectSectorPanel::unlock);
    connect(m_passphrase, &QLineEdit::returnPressed, this, &InspectSectorPanel::unlock);
    connect(m_forget, &QPushButton::clicked, this, &InspectSectorPanel::forgetKey);
    connect(m_show, &QPushButton::clicked, this, [this] { showSector(uint64_t(m_sector->value())); });
    connect(m_task.get(), &InspectTask::busyChanged, this, &InspectSectorPanel::updateControls);
    clear();
}

InspectSectorPanel::~InspectSectorPanel()
{
    m_task.reset(); // joins a running unlock or read before the key goes
    if (m_key)
        m_key->wipe();
}

bool InspectSectorPanel::isBusy() const
{
    return m_task->isBusy();
}

void InspectSectorPanel::setLuksVolume(std::shared_ptr<LuksVolume> volume, const QString& path,
                                       uint64_t imageBytes)
{
    clear();
    m_volume = std::move(volume);
    m_path = path;
    m_imageBytes = imageBytes;
    m_activation = m_volume->activation();
    m_plainForm->setVisible(false);
    updateControls();
}

void InspectSectorPanel::setPlainImage(const QString& path, uint64_t imageBytes)
{
    clear();
    m_path = path;
    m_imageBytes = imageBytes;
    m_plainForm->setVisible(true);
    updateControls();
}

void InspectSectorPanel::clear()
{
    m_task->cancel();
    forgetKey();
    m_volume.reset();
    m_path.clear();
    m_imageBytes = 0;
    m_activation = CryptActivation();
    m_plainForm->setVisible(false);
    m_ciphertext->clear();
    m_iv->clear();
    m_plaintext->clear();
    m_ivExplanation->clear();
    m_sectorInfo->clear();
    m_error->clear();
    updateControls();
}

void InspectSectorPanel::setVolumeKey(SecureBuffer volumeKey)
{
    applyKey(std::make_shared<SecureBuffer>(std::move(volumeKey)), -1, m_activation);
}

void InspectSectorPanel::forgetKey()
{
    if (m_key)
        m_key->wipe();
    m_key.reset(); // a worker still reading holds its own reference, wiped when it lets go
    m_plaintext->clear();
    m_keyStatus->setText(tr("No volume key."));
    updateControls();
}

void InspectSectorPanel::unlock()
{
    if (m_path.isEmpty() || m_task->isBusy())
        return;
    QString text = m_passphrase->text();
    m_passphrase->clear();
    QByteArray utf8 = text.toUtf8();
    VolumeMapper::wipeText(text);
    auto passphrase = std::make_shared<SecureBuffer>(size_t(utf8.size()));
    std::copy(utf8.cbegin(), utf8.cend(), passphrase->data());
    SecureBuffer::wipe(utf8.data(), size_t(utf8.size()));
    m_error->clear();
    m_keyStatus->setText(tr("Unlocking…"));

    std::function<UnlockOutcome(const std::atomic_bool&)> work;
    if (m_volume) {
        work = [volume = m_volume, passphrase](const std::atomic_bool&) {
            UnlockOutcome outcome;
            auto opened = volume->unlock(passphrase->bytes(), std::nullopt);
            passphrase->wipe();
            if (!opened) {
                outcome.status = opened.status();
                return outcome;
            }
            outcome.keyslot = opened->keyslot;
            outcome.key = std::make_shared<SecureBuffer>(std::move(opened->volumeKey));
            outcome.activation = volume->activation();
            return outcome;
        };
    } else {
        PlainOptions options;
        options.cipher = m_plainCipher->text().trimmed();
        options.keyBits = size_t(m_plainKeyBits->value());
        options.hash = m_plainHash->text().trimmed();
        options.offset = uint64_t(m_plainOffset->value());
        options.skip = uint64_t(m_plainSkip->value());
        options.sectorSize = m_plainSectorSize->currentData().toUInt();
        work = [options, passphrase](const std::atomic_bool&) {
            UnlockOutcome outcome;
            auto activation = PlainVolume::activation(options);
            if (!activation) {
                outcome.status = activation.status();
                return outcome;
            }
            auto key = PlainVolume::volumeKey(options, passphrase->bytes());
            passphrase->wipe();
            if (!key) {
                outcome.status = key.status();
                return outcome;
            }
            outcome.key = std::make_shared<SecureBuffer>(std::move(*key));
            outcome.activation = *activation;
            return outcome;
        };
    }
    m_task->run<UnlockOutcome>(std::move(work), [this](UnlockOutcome outcome) {
        if (!outcome.status) {
            m_keyStatus->setText(tr("No volume key."));
            setError(outcome.status.message());
            emit unlockFailed(outcome.status.message());
            return;
        }
        applyKey(std::move(outcome.key), outcome.keyslot, outcome.activation);
    });
}

void InspectSectorPanel::applyKey(std::shared_ptr<SecureBuffer> key, int keyslot,
                                  const CryptActivation& activation)
{
    forgetKey();
    m_key = std::move(key);
    m_activation = activation;
    m_keyStatus->setText(
        keyslot >= 0
            ? tr("Volume key unlocked from keyslot %1 (%2 bits).").arg(keyslot).arg(m_key->size() * 8)
            : tr("Volume key set (%1 bits).").arg(m_key->size() * 8));
    updateControls();
    if (!m_volume && !m_path.isEmpty())
        emit plainActivationApplied(m_activation);
    emit unlocked(keyslot);
}

void InspectSectorPanel::showSector(uint64_t sector)
{
    if (!m_key || m_path.isEmpty())
        return;
    m_error->clear();
    const QString path = m_path;
    const CryptActivation activation = m_activation;
    m_task->run<Result<InspectedSector>>(
        [path, activation, key = m_key, sector](const std::atomic_bool&) -> Result<InspectedSector> {
            auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
            if (!device)
                return device.status();
            return SectorInspection::inspect(**device, activation, *key, sector);
        },
        [this, sector](Result<InspectedSector> result) {
            if (!result) {
                setError(tr("Sector %1: %2").arg(sector).arg(result.message()));
                emit sectorFailed(result.message());
                return;
            }
            m_shown = *result;
            m_ciphertext->setPlainText(hexDump(m_shown.ciphertext, m_shown.imageOffset));
            m_plaintext->setPlainText(hexDump(m_shown.plaintext));
            m_iv->setPlainText(m_shown.iv.isEmpty() ? tr("(none)") : hexDump(m_shown.iv));
            m_ivExplanation->setText(explainIv(m_shown));
            m_sectorInfo->setText(tr("image offset %1, %2-byte sectors, %3")
                                      .arg(m_shown.imageOffset)
                                      .arg(m_shown.sectorSize)
                                      .arg(m_shown.cipherSpec));
            emit sectorShown(sector);
        });
}

void InspectSectorPanel::updateControls()
{
    const bool busy = m_task->isBusy();
    const bool haveImage = !m_path.isEmpty();
    m_passphrase->setEnabled(haveImage && !busy);
    m_unlock->setEnabled(haveImage && !busy);
    m_forget->setEnabled(m_key != nullptr);
    m_plainForm->setEnabled(!busy);
    const uint64_t count = m_key ? SectorInspection::sectorCount(m_activation, m_imageBytes) : 0;
    m_sector->setMaximum(int(std::min<uint64_t>(count ? count - 1 : 0, INT_MAX)));
    m_sector->setSuffix(count ? tr(" of %1").arg(count) : QString());
    m_sector->setEnabled(count > 0);
    m_show->setEnabled(count > 0 && !busy);
}

void InspectSectorPanel::setError(const QString& message)
{
    m_error->setText(message);
}

QString InspectSectorPanel::hexDump(const QByteArray& bytes, uint64_t firstOffset)
{
    QString text;
    for (qsizetype line = 0; line < bytes.size(); line += 16) {
        const QByteArray chunk = bytes.mid(line, 16);
        QString ascii;
        for (char c : chunk)
            ascii += (c >= 0x20 && c < 0x7f) ? QChar::fromLatin1(c) : QChar(u'.');
        text += QStringLiteral("%1  %2  %3\n")
                    .arg(firstOffset + uint64_t(line), 8, 16, QLatin1Char('0'))
                    .arg(QString::fromLatin1(chunk.toHex(' ')), -47)
                    .arg(ascii);
    }
    return text;
}

QString InspectSectorPanel::explainIv(const InspectedSector& s)
{
    QString numbering =
        tr("Sector %1 of %2 bytes is 512-byte sector %3 from the start of the data; iv_offset adds %4.")
            .arg(s.sector)
            .arg(s.sectorSize)
            .arg(s.sector512)
            .arg(s.ivOffset);
    if (s.ivLargeSectors)
        numbering += u' ' + tr("With iv_large_sectors the IV counts %1-byte sectors, so the IV generator "
                               "was given %2.")
                                .arg(s.sectorSize)
                                .arg(s.ivSector);
    else if (s.sectorSize > 512)
        numbering += u' ' + tr("Without iv_large_sectors (LUKS2 never sets it, as cryptsetup 2.6.1) the IV "
                               "still counts 512-byte sectors, so the IV generator was given %1.")
                                .arg(s.ivSector);
    else
        numbering += u' ' + tr("The IV generator was given %1.").arg(s.ivSector);
    if (s.keyCount > 1)
        numbering +=
            u' ' +
            tr("With %1 keys, this sector used key %2 (sector mod keys).").arg(s.keyCount).arg(s.transform);

    const QString n = QString::number(s.ivSector);
    const QString bytes = QString::number(s.iv.size());
    QString how;
    if (s.ivMode.isEmpty())
        how = tr("The %1 mode takes no IV: every sector is encrypted alike.").arg(s.chainMode);
    else if (s.ivMode == u"plain")
        how = tr("plain: the low 32 bits of %1, little-endian, zero-padded to %2 bytes.").arg(n, bytes);
    else if (s.ivMode == u"plain64")
        how = tr("plain64: %1 as a 64-bit little-endian number, zero-padded to %2 bytes.").arg(n, bytes);
    else if (s.ivMode == u"plain64be")
        how = tr("plain64be: %1 as a 64-bit big-endian number in the last 8 of %2 bytes.").arg(n, bytes);
    else if (s.ivMode == u"essiv")
        how = tr("essiv:%1: %2 as a 64-bit little-endian number, zero-padded to one block and encrypted with "
                 "%3 under the salt %1(volume key), so IVs cannot be predicted without the key.")
                  .arg(s.ivOptions, n, s.cipher);
    else if (s.ivMode == u"benbi")
        how = tr("benbi: the big-endian count of %1 cipher blocks before this sector, plus one: "
                 "(%2 << (9 − log2 of the block size)) + 1, in the last 8 bytes.")
                  .arg(s.cipher, n);
    else if (s.ivMode == u"null")
        how = tr("null: always zero.");
    else if (s.ivMode == u"lmk")
        how = tr("lmk (loop-AES): an MD5 over the IV seed, the sector's data after its first block and %1. "
                 "On reads it can only be computed after decryption, so the IV shown is what the cipher used "
                 "(zero); the real one is then XORed into the first plaintext block.")
                  .arg(n);
    else if (s.ivMode == u"tcw")
        how = tr("tcw (TrueCrypt): the IV seed XOR %1 little-endian in each 8-byte half; a whitening value "
                 "derived from the seed and %1 is XORed over the sector after decryption.")
                  .arg(n);
    else if (s.ivMode == u"eboiv")
        how = tr("eboiv (BitLocker): the sector's byte offset (%1 × %2) little-endian, encrypted with the "
                 "volume key's cipher.")
                  .arg(n)
                  .arg(s.sectorSize);
    else if (s.ivMode == u"elephant")
        how = tr("elephant (BitLocker with diffuser): the eboiv IV; after decryption the Elephant diffusers "
                 "and the sector key undo BitLocker's diffusion.");
    else
        how = tr("%1: see the crypt target's IV generator.").arg(s.ivMode);
    return how + u'\n' + numbering;
}

} // namespace cryptstack
