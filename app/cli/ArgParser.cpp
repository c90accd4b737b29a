#include "ArgParser.h"

namespace cryptstack::cli {

ArgParser::ArgParser(QString command, QList<OptionSpec> options)
    : m_command(std::move(command)), m_options(std::move(options))
{
    m_options.append({QStringLiteral("help"), u'h', {}, QStringLiteral("show this help")});
}

const OptionSpec* ArgParser::findLong(const QString& name) const
{
    for (const OptionSpec& option : m_options) {
        if (option.longName == name)
            return &option;
    }
    return nullptr;
}

const OptionSpec* ArgParser::findShort(QChar name) const
{
    for (const OptionSpec& option : m_options) {
        if (!option.shortName.isNull() && option.shortName == name)
            return &option;
    }
    return nullptr;
}

Status ArgParser::parse(const QStringList& arguments)
{
    auto invalid = [this](const QString& text) {
        return Status(ErrorCode::InvalidArgument, m_command + u": " + text);
    };
    bool optionsEnded = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString& word = arguments.at(i);
        if (optionsEnded || word == u"-" || !word.startsWith(u'-')) {
            m_positionals += word;
            continue;
        }
        if (word == u"--") {
            optionsEnded = true;
            continue;
        }
        const OptionSpec* option = nullptr;
        QString inlineValue;
        bool hasInlineValue = false;
        if (word.startsWith(u"--")) {
            QString name = word.mid(2);
            if (const qsizetype eq = name.indexOf(u'='); eq >= 0) {
                inlineValue = name.mid(eq + 1);
                hasInlineValue = true;
                name.truncate(eq);
            }
            option = findLong(name);
        } else if (word.size() == 2) {
            option = findShort(word.at(1));
        }
        if (!option)
            return invalid(QStringLiteral("unknown option %1").arg(word));
        if (option->valueName.isEmpty()) {
            if (hasInlineValue)
                return invalid(QStringLiteral("option --%1 takes no value").arg(option->longName));
            m_values[option->longName];
            continue;
        }
        if (!hasInlineValue) {
            if (i + 1 >= arguments.size())
                return invalid(QStringLiteral("option --%1 needs a value (%2)")
                                   .arg(option->longName, option->valueName));
            inlineValue = arguments.at(++i);
        }
        m_values[option->longName].append(inlineValue);
    }
    return Status::ok();
}

QString ArgParser::optionHelp() const
{
    QString text;
    for (const OptionSpec& option : m_options) {
        QString left = option.shortName.isNull() ? QStringLiteral("    ")
                                                 : QStringLiteral("-%1, ").arg(option.shortName);
        left += u"--" + option.longName;
        if (!option.valueName.isEmpty())
            left += u' ' + option.valueName;
        text += QStringLiteral("  %1  %2\n").arg(left, -28).arg(option.help);
    }
    return text;
}

} // namespace cryptstack::cli
