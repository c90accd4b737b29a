// cryptstack-gui: the desktop application. With no stack file given it opens a demo stack kept in
// the user's data directory (created on first start).
#include "MainWindow.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QStandardPaths>

#include <cstdio>

namespace {

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

} // namespace

int main(int argc, char* argv[])
{
    if (!displayAvailable()) {
        std::fputs("cryptstack-gui: no display (DISPLAY and WAYLAND_DISPLAY are unset); use the command line "
                   "instead: scripts/run --cli --help\n",
                   stderr);
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("cryptstack"));
    QApplication::setApplicationDisplayName(QStringLiteral("CryptStack"));
    QApplication::setOrganizationName(QStringLiteral("CryptStack"));
    QApplication::setApplicationVersion(QStringLiteral(CRYPTSTACK_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Encrypted volumes in image files, without root."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("stack-file"),
        QApplication::translate("main", "A concise stack file to open (default: the demo stack)."));
    parser.process(app);

    cryptstack::DeviceRegistry registry;
    cryptstack::MainWindow window(registry);
    QString stackFile = parser.positionalArguments().value(0);
    if (stackFile.isEmpty()) {
        const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        auto demo = cryptstack::ensureDemoStack(dataDir);
        if (!demo)
            QMessageBox::warning(&window, QApplication::translate("main", "Demo stack"), demo.message());
        else
            stackFile = *demo;
    }
    if (!stackFile.isEmpty())
        window.openStackFile(stackFile);
    window.show();
    return QApplication::exec();
}
