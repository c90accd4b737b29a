// The switches of the crypt pipeline: the async cipher mode and teaching mode (engine settings that
// take effect at once), the four queue options of the table (applied by reloading it), and the
// delay of the lower device, which makes the queues fill visibly.
#pragma once

#include "PipelineSample.h"

#include <QGroupBox>

class QCheckBox;
class QSpinBox;
class QTimer;

namespace cryptstack {

class SwitchesPanel : public QGroupBox
{
    Q_OBJECT

public:
    explicit SwitchesPanel(QWidget* parent = nullptr);

    // Shows the device's configuration without emitting anything.
    void setConfiguration(const PipelineConfig& config);
    // While a table reload is in flight the table switches wait for it.
    void setBusy(bool busy);

signals:
    void engineOptionChanged(const QString& option, bool on);
    void tableOptionChanged(const QString& option, bool on);
    void lowerDelayChanged(int milliseconds);

private:
    QCheckBox* addSwitch(const QString& objectName, const QString& text, const QString& toolTip);

    QCheckBox* m_async;
    QCheckBox* m_teaching;
    QCheckBox* m_noRead;
    QCheckBox* m_noWrite;
    QCheckBox* m_sameCpu;
    QCheckBox* m_submitFromCrypt;
    QSpinBox* m_delay;
    QTimer* m_delayDebounce;
    bool m_busy = false;
};

} // namespace cryptstack
