// Command-line options as cryptsetup and dmsetup take them: long (--name value, --name=value) and
// short (-o value) forms, anywhere among the positional arguments; "--" ends options and "-" alone
// is a positional argument (stdin or stdout).
#pragma once

#include "core/Result.h"

#include <QList>
#include <QMap>
#include <QStringList>

namespace cryptstack::cli {

struct OptionSpec
{
    QString longName;  // without the dashes
    QChar shortName;   // or null
    QString valueName; // empty: a flag without a value
    QString help;
};

class ArgParser
{
public:
    ArgParser(QString command, QList<OptionSpec> options);

    Status parse(const QStringList& arguments);

    bool isSet(const QString& longName) const { return m_values.contains(longName); }
    QString value(const QString& longName) const { return m_values.value(longName).value(0); }
    QStringList values(const QString& longName) const { return m_values.value(longName); }
    const QStringList& positionals() const { return m_positionals; }

    // "  -o, --output FILE   help" lines for --help.
    QString optionHelp() const;

private:
    const OptionSpec* findLong(const QString& name) const;
    const OptionSpec* findShort(QChar name) const;

    QString m_command;
    QList<OptionSpec> m_options;
    QMap<QString, QStringList> m_values;
    QStringList m_positionals;
};

} // namespace cryptstack::cli
