#include "CommandTable.h"
#include "DmReport.h"
#include "ReportCommand.h"

namespace cryptstack::cli {

namespace {

class DmDepsCommand final : public ReportCommand
{
public:
    QString name() const override { return QStringLiteral("dm deps"); }
    QString summary() const override { return QStringLiteral("list the devices and images a device uses"); }

protected:
    Result<QString> report(const DeviceRegistry& registry, const QString& name,
                           const ArgParser&) const override
    {
        return depsReport(registry, name);
    }
};

} // namespace

std::unique_ptr<Command> makeDmDepsCommand()
{
    return std::make_unique<DmDepsCommand>();
}

} // namespace cryptstack::cli
