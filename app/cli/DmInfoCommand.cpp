#include "CommandTable.h"
#include "DmReport.h"
#include "ReportCommand.h"

namespace cryptstack::cli {

namespace {

class DmInfoCommand final : public ReportCommand
{
public:
    QString name() const override { return QStringLiteral("dm info"); }
    QString summary() const override { return QStringLiteral("print state, open count, targets and uuid"); }

protected:
    Result<QString> report(const DeviceRegistry& registry, const QString& name,
                           const ArgParser&) const override
    {
        return infoReport(registry, name);
    }
};

} // namespace

std::unique_ptr<Command> makeDmInfoCommand()
{
    return std::make_unique<DmInfoCommand>();
}

} // namespace cryptstack::cli
