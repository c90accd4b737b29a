// Base of the "[NAME]" listing commands (dm table, status, info, deps): one optional device name,
// a report printed to stdout, or one error line.
#pragma once

#include "Command.h"

namespace cryptstack::cli {

class ReportCommand : public Command
{
public:
    QString synopsis() const override { return QStringLiteral("[NAME]"); }
    int run(CliContext& context, const ArgParser& arguments) final;

protected:
    virtual Result<QString> report(const DeviceRegistry& registry, const QString& name,
                                   const ArgParser& arguments) const = 0;
};

} // namespace cryptstack::cli
