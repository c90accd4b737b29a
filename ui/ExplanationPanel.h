// Says in plain words what the current configuration of the crypt pipeline does and why dm-crypt
// is built this way, and shows the stall watchdog's last report when there is one.
#pragma once

#include "PipelineSample.h"

#include <QWidget>

#include <optional>

class QPlainTextEdit;
class QTextBrowser;

namespace cryptstack {

class ExplanationPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ExplanationPanel(QWidget* parent = nullptr);

    void setConfiguration(const PipelineConfig& config);
    // Empty hides the report.
    void setWatchdogReport(const QString& report);
    QString text() const;

    // The explanation as HTML, for a configuration.
    static QString explain(const PipelineConfig& config);

private:
    QTextBrowser* m_text;
    QPlainTextEdit* m_report;
    std::optional<PipelineConfig> m_config;
};

} // namespace cryptstack
