#include "CommandTable.h"
#include "DmReport.h"
#include "ReportCommand.h"

namespace cryptstack::cli {

namespace {

class DmTableCommand final : public ReportCommand
{
public:
    QString name() const override { return QStringLiteral("dm table"); }
    QString summary() const override
    {
        return QStringLiteral(
            "print the table of one device or of all devices (keys hidden unless --showkeys)");
    }
    QList<OptionSpec> options() const override
    {
        return {{QStringLiteral("showkeys"), {}, {}, QStringLiteral("print key material in tables")}};
    }

protected:
    Result<QString> report(const DeviceRegistry& registry, const QString& name,
                           const ArgParser& arguments) const override
    {
        return tableReport(registry, name, StatusType::Table, arguments.isSet(QStringLiteral("showkeys")));
    }
};

} // namespace

std::unique_ptr<Command> makeDmTableCommand()
{
    return std::make_unique<DmTableCommand>();
}

} // namespace cryptstack::cli
