#include "SwitchesPanel.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace cryptstack {

SwitchesPanel::SwitchesPanel(QWidget* parent)
    : QGroupBox(tr("Switches"), parent), m_delay(new QSpinBox(this)), m_delayDebounce(new QTimer(this))
{
    setObjectName(QStringLiteral("switchesPanel"));
    auto* layout = new QVBoxLayout(this);
    m_async = addSwitch(QStringLiteral("switchAsync"), tr("&Async cipher"),
                        tr("Engine setting, at once: conversions go to the cryptd driver thread"));
    m_noRead = addSwitch(QStringLiteral("switchNoReadWorkqueue"), tr("no_&read_workqueue"),
                         tr("Table option (reload): reads are decrypted where the lower read completes"));
    m_noWrite = addSwitch(QStringLiteral("switchNoWriteWorkqueue"), tr("no_&write_workqueue"),
                          tr("Table option (reload): writes are encrypted in map and submitted at once"));
    m_sameCpu =
        addSwitch(QStringLiteral("switchSameCpuCrypt"), tr("same_&cpu_crypt"),
                  tr("Table option (reload): one crypt queue per CPU, work stays on the submitter's CPU"));
    m_submitFromCrypt = addSwitch(
        QStringLiteral("switchSubmitFromCryptCpus"), tr("submit_&from_crypt_cpus"),
        tr("Table option (reload): a crypt worker submits its own write instead of the write thread"));
    m_teaching = addSwitch(QStringLiteral("switchTeaching"), tr("&Teaching mode (old design)"),
                           tr("Engine setting, at once: map encrypts inline and waits for pool pages"));
    for (QCheckBox* box : {m_async, m_noRead, m_noWrite, m_sameCpu, m_submitFromCrypt, m_teaching})
        layout->addWidget(box);

    m_delay->setObjectName(QStringLiteral("lowerDelay"));
    m_delay->setAccessibleName(tr("Delay of the lower device in milliseconds"));
    m_delay->setToolTip(tr("Reloads the delay mapping below the crypt device; disabled when there is none"));
    m_delay->setRange(0, 2000);
    m_delay->setSuffix(tr(" ms"));
    m_delay->setEnabled(false);
    auto* form = new QFormLayout;
    form->addRow(tr("Lower &delay:"), m_delay);
    layout->addLayout(form);

    connect(m_async, &QCheckBox::toggled, this,
            [this](bool on) { emit engineOptionChanged(QStringLiteral("async"), on); });
    connect(m_teaching, &QCheckBox::toggled, this,
            [this](bool on) { emit engineOptionChanged(QStringLiteral("teaching"), on); });
    const std::pair<QCheckBox*, QString> tableSwitches[] = {
        {m_noRead, QStringLiteral("no_read_workqueue")},
        {m_noWrite, QStringLiteral("no_write_workqueue")},
        {m_sameCpu, QStringLiteral("same_cpu_crypt")},
        {m_submitFromCrypt, QStringLiteral("submit_from_crypt_cpus")},
    };
    for (const auto& entry : tableSwitches) {
        const QString option = entry.second;
        connect(entry.first, &QCheckBox::toggled, this,
                [this, option](bool on) { emit tableOptionChanged(option, on); });
    }
    // One reload when the value settles, not one per arrow click.
    m_delayDebounce->setSingleShot(true);
    m_delayDebounce->setInterval(400);
    connect(m_delay, &QSpinBox::valueChanged, m_delayDebounce, qOverload<>(&QTimer::start));
    connect(m_delayDebounce, &QTimer::timeout, this, [this] { emit lowerDelayChanged(m_delay->value()); });
}

QCheckBox* SwitchesPanel::addSwitch(const QString& objectName, const QString& text, const QString& toolTip)
{
    auto* box = new QCheckBox(text, this);
    box->setObjectName(objectName);
    box->setAccessibleName(QString(text).remove(u'&'));
    box->setToolTip(toolTip);
    return box;
}

void SwitchesPanel::setConfiguration(const PipelineConfig& config)
{
    const std::pair<QCheckBox*, bool> states[] = {
        {m_async, config.async},
        {m_teaching, config.teaching},
        {m_noRead, config.noReadWorkqueue},
        {m_noWrite, config.noWriteWorkqueue},
        {m_sameCpu, config.sameCpuCrypt},
        {m_submitFromCrypt, config.submitFromCryptCpus},
    };
    // While a change is on its way the device still shows the old state: leave the boxes alone.
    if (!m_busy) {
        for (const auto& [box, on] : states) {
            const QSignalBlocker blocker(box);
            box->setChecked(on);
        }
    }
    m_delay->setEnabled(config.lowerDelayMs >= 0);
    if (config.lowerDelayMs >= 0 && !m_delay->hasFocus() && !m_delayDebounce->isActive() && !m_busy) {
        const QSignalBlocker blocker(m_delay);
        m_delay->setValue(config.lowerDelayMs);
    }
}

void SwitchesPanel::setBusy(bool busy)
{
    m_busy = busy;
    for (QCheckBox* box : {m_noRead, m_noWrite, m_sameCpu, m_submitFromCrypt})
        box->setEnabled(!busy);
}

} // namespace cryptstack
