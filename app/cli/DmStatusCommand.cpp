#include "CommandTable.h"
#include "DmReport.h"
#include "ReportCommand.h"

namespace cryptstack::cli {

namespace {

class DmStatusCommand final : public ReportCommand
{
public:
    QString name() const override { return QStringLiteral("dm status"); }
    QString summary() const override { return QStringLiteral("print each target's status line"); }

protected:
    Result<QString> report(const DeviceRegistry& registry, const QString& name,
                           const ArgParser&) const override
    {
        return tableReport(registry, name, StatusType::Info, false);
    }
};

} // namespace

std::unique_ptr<Command> makeDmStatusCommand()
{
    return std::make_unique<DmStatusCommand>();
}

} // namespace cryptstack::cli
