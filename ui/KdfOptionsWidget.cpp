#include "KdfOptionsWidget.h"

#include "VolumeTask.h"
#include "formats/Pbkdf.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QTimer>

#include <array>

namespace cryptstack {

namespace {

constexpr int DebounceMs = 400;

QString defaultType(int version)
{
    return version == 1 ? QStringLiteral("pbkdf2") : QStringLiteral("argon2id");
}

} // namespace

KdfOptionsWidget::KdfOptionsWidget(QWidget* parent)
    : QWidget(parent), m_typeCombo(new QComboBox(this)), m_iterTimeSpin(new QSpinBox(this)),
      m_memorySpin(new QSpinBox(this)), m_forcedSpin(new QSpinBox(this)), m_estimateLabel(new QLabel(this)),
      m_debounce(new QTimer(this)), m_task(new VolumeTask(QStringLiteral("gui-pbkdf-bench"), this))
{
    m_typeCombo->setObjectName(QStringLiteral("pbkdfTypeCombo"));
    m_typeCombo->setAccessibleName(tr("Key derivation function"));
    m_iterTimeSpin->setObjectName(QStringLiteral("pbkdfIterTimeSpin"));
    m_iterTimeSpin->setAccessibleName(tr("Unlock time"));
    m_iterTimeSpin->setRange(1, 60000);
    m_iterTimeSpin->setValue(2000);
    m_iterTimeSpin->setSuffix(tr(" ms"));
    m_iterTimeSpin->setToolTip(
        tr("How long unlocking should take on this computer (cryptsetup's --iter-time)."));
    m_memorySpin->setObjectName(QStringLiteral("pbkdfMemorySpin"));
    m_memorySpin->setAccessibleName(tr("Memory limit"));
    m_memorySpin->setRange(32, 4 * 1024 * 1024);
    m_memorySpin->setValue(1024 * 1024);
    m_memorySpin->setSuffix(tr(" KiB"));
    m_memorySpin->setToolTip(tr("The most memory Argon2 may use (cryptsetup's --pbkdf-memory)."));
    m_forcedSpin->setObjectName(QStringLiteral("pbkdfForcedIterationsSpin"));
    m_forcedSpin->setAccessibleName(tr("Fixed iterations"));
    m_forcedSpin->setRange(0, 100000000);
    m_forcedSpin->setSpecialValueText(tr("benchmark"));
    m_forcedSpin->setToolTip(tr("Fixed iterations (Argon2: time cost) instead of a benchmark "
                                "(cryptsetup's --pbkdf-force-iterations)."));
    m_estimateLabel->setObjectName(QStringLiteral("pbkdfEstimateLabel"));
    m_estimateLabel->setAccessibleName(tr("Estimated unlock cost"));
    m_estimateLabel->setWordWrap(true);

    auto* layout = new QFormLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addRow(tr("&Key derivation:"), m_typeCombo);
    layout->addRow(tr("Unlock &time:"), m_iterTimeSpin);
    layout->addRow(tr("&Memory limit:"), m_memorySpin);
    layout->addRow(tr("&Fixed iterations:"), m_forcedSpin);
    layout->addRow(tr("Estimate:"), m_estimateLabel);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(DebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &KdfOptionsWidget::startEstimate);
    connect(m_task, &VolumeTask::finished, this, &KdfOptionsWidget::finishEstimate);
    connect(m_typeCombo, &QComboBox::currentIndexChanged, this, [this] {
        updateFields();
        scheduleEstimate();
    });
    for (QSpinBox* spin : {m_iterTimeSpin, m_memorySpin, m_forcedSpin}) {
        connect(spin, &QSpinBox::valueChanged, this, [this] {
            updateFields();
            scheduleEstimate();
        });
    }
    setLuksVersion(2);
}

KdfOptionsWidget::~KdfOptionsWidget()
{
    delete m_task; // cancels and joins a running benchmark, which writes members, before they go
}

void KdfOptionsWidget::setLuksVersion(int version)
{
    m_version = version;
    const QSignalBlocker blocker(m_typeCombo);
    const QString current = m_typeCombo->currentData().toString();
    m_typeCombo->clear();
    if (version == 2) {
        m_typeCombo->addItem(tr("Argon2id (recommended)"), QStringLiteral("argon2id"));
        m_typeCombo->addItem(tr("Argon2i"), QStringLiteral("argon2i"));
    }
    m_typeCombo->addItem(tr("PBKDF2"), QStringLiteral("pbkdf2"));
    const int index = m_typeCombo->findData(current);
    m_typeCombo->setCurrentIndex(index >= 0 ? index : 0);
    updateFields();
    scheduleEstimate();
}

void KdfOptionsWidget::setKeyBytes(size_t keyBytes)
{
    if (keyBytes == m_keyBytes)
        return;
    m_keyBytes = keyBytes;
    scheduleEstimate();
}

KdfRequest KdfOptionsWidget::request() const
{
    KdfRequest request;
    request.type = m_typeCombo->currentData().toString();
    request.forcedIterations = static_cast<uint32_t>(m_forcedSpin->value());
    request.iterTimeMs = static_cast<uint32_t>(m_iterTimeSpin->value());
    if (request.type != u"pbkdf2")
        request.maxMemoryKiB = static_cast<uint32_t>(m_memorySpin->value());
    return request;
}

QString KdfOptionsWidget::validationError() const
{
    const Status status = Pbkdf::validate(request(), defaultType(m_version), QStringLiteral("sha256"));
    return status ? QString() : tr("Key derivation: %1").arg(status.message());
}

QString KdfOptionsWidget::estimateText() const
{
    return m_estimateLabel->text();
}

bool KdfOptionsWidget::isEstimating() const
{
    return m_task->isRunning() || m_debounce->isActive();
}

void KdfOptionsWidget::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    scheduleEstimate();
}

void KdfOptionsWidget::updateFields()
{
    const bool argon2 = m_typeCombo->currentData().toString() != u"pbkdf2";
    m_memorySpin->setEnabled(argon2);
    // A fixed count replaces the benchmark, so the time target means nothing then.
    m_iterTimeSpin->setEnabled(m_forcedSpin->value() == 0);
}

void KdfOptionsWidget::scheduleEstimate()
{
    if (!isVisible())
        return;
    m_estimateLabel->setText(tr("Measuring on this computer…"));
    m_debounce->start();
}

void KdfOptionsWidget::startEstimate()
{
    if (m_task->isRunning()) {
        m_restart = true; // the answer would describe old settings
        m_task->cancel();
        return;
    }
    if (const QString error = validationError(); !error.isEmpty()) {
        m_estimateLabel->setText(error);
        emit estimateUpdated();
        return;
    }
    const KdfRequest request = this->request();
    const QString type = defaultType(m_version);
    const size_t keyBytes = m_keyBytes;
    m_forced = request.forcedIterations != 0;
    m_task->start([this, request, type, keyBytes](const VolumeTask::Context& context) -> Status {
        auto params = Pbkdf::resolve(request, type, QStringLiteral("sha256"), keyBytes, context.cancelFlag());
        if (!params)
            return params.status();
        m_params = *params;
        m_unlockMs = request.iterTimeMs;
        if (request.forcedIterations == 0)
            return Status::ok();
        // Fixed parameters: measure one derivation, which is what unlocking this keyslot costs.
        std::array<uint8_t, 32> salt = {};
        std::vector<uint8_t> out(keyBytes);
        QElapsedTimer clock;
        clock.start();
        const QByteArray password("estimate");
        Status derived = Pbkdf::derive(
            *params, std::span(reinterpret_cast<const uint8_t*>(password.constData()), password.size()), salt,
            out);
        m_unlockMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        return derived;
    });
}

void KdfOptionsWidget::finishEstimate(const Status& status)
{
    if (m_restart) {
        m_restart = false;
        startEstimate();
        return;
    }
    if (!status) {
        m_estimateLabel->setText(
            VolumeTask::isCancelled(status) ? QString() : tr("Cannot estimate: %1").arg(status.message()));
        emit estimateUpdated();
        return;
    }
    const QLocale locale;
    const QString time = m_unlockMs >= 1000 ? tr("%1 s").arg(locale.toString(m_unlockMs / 1000, 'f', 1))
                                            : tr("%1 ms").arg(locale.toString(m_unlockMs, 'f', 0));
    QString text;
    if (m_params.isArgon2()) {
        text = tr("Unlocking takes about %1 and %2 of memory on this computer (%3: time cost %4, %5 KiB, "
                  "%6 threads).")
                   .arg(time,
                        locale.formattedDataSize(qint64(m_params.memoryKiB) * 1024, 0,
                                                 QLocale::DataSizeIecFormat),
                        m_params.type)
                   .arg(m_params.iterations)
                   .arg(m_params.memoryKiB)
                   .arg(m_params.parallel);
    } else {
        text = tr("Unlocking takes about %1 on this computer and little memory (PBKDF2-%2: %3 iterations).")
                   .arg(time, m_params.hash)
                   .arg(m_params.iterations);
    }
    m_estimateLabel->setText(text);
    emit estimateUpdated();
}

} // namespace cryptstack
