#include "Confirmation.h"

namespace cryptstack::cli {

bool Confirmation::ask(const QString& message, const QString& failMessage)
{
    if (m_batchMode || !m_console.inputIsInteractive())
        return true;
    m_console.print(
        QStringLiteral("\nWARNING!\n========\n%1\n\nAre you sure? (Type 'yes' in capital letters): ")
            .arg(message));
    const QByteArray answer = m_console.in()->readLine();
    if (answer.isEmpty()) {
        m_console.error(QStringLiteral("Error reading response from terminal."));
        return false;
    }
    if (answer == "YES\n")
        return true;
    if (!failMessage.isEmpty())
        m_console.error(failMessage);
    return false;
}

} // namespace cryptstack::cli
