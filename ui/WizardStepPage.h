// A wizard page whose Next/Finish button follows a check the wizard supplies (fields filled,
// passphrases equal, format finished), re-evaluated whenever recheck() is called.
#pragma once

#include <QWizardPage>

#include <functional>

namespace cryptstack {

class WizardStepPage : public QWizardPage
{
    Q_OBJECT

public:
    explicit WizardStepPage(QWidget* parent = nullptr) : QWizardPage(parent) {}

    void setCompleteCheck(std::function<bool()> check) { m_check = std::move(check); }
    bool isComplete() const override { return m_check ? m_check() : QWizardPage::isComplete(); }
    void recheck() { emit completeChanged(); }

private:
    std::function<bool()> m_check;
};

} // namespace cryptstack
