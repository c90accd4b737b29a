#include "Cryptsetup.h"

#include <QFile>
#include <QRegularExpression>

namespace cryptstack::test {

const QStringList CheapKdf = {QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
                              QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000")};

ToolRun cryptsetup(const QStringList& arguments, const QByteArray& input)
{
    return runTool(findTool(QStringLiteral("cryptsetup")), arguments, input);
}

bool formatWithCryptsetup(const QString& path, qint64 bytes, const QString& keyFile,
                          const QStringList& formatOptions)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !file.resize(bytes)) {
        qWarning("cannot create %s", qPrintable(path));
        return false;
    }
    file.close();
    const ToolRun run = cryptsetup(QStringList{QStringLiteral("luksFormat"), QStringLiteral("--batch-mode"),
                                               QStringLiteral("--key-file"), keyFile} +
                                   CheapKdf + formatOptions + QStringList{path});
    if (!run.ok())
        qWarning("cryptsetup luksFormat: %s", run.err.constData());
    return run.ok();
}

QString dumpValue(const QByteArray& dump, const QString& label)
{
    const QRegularExpression line(QStringLiteral("^%1:\\s*(.*)$").arg(QRegularExpression::escape(label)),
                                  QRegularExpression::MultilineOption);
    return line.match(QString::fromUtf8(dump)).captured(1).trimmed();
}

} // namespace cryptstack::test
