// cryptstack-gui: the desktop application. With no stack file given it opens a demo stack kept in
// the user's data directory (created on first start). --screenshot DIR renders every main view to
// PNG files under the offscreen platform, on a demo it builds in a scratch directory.
#include "ApplicationIcon.h"
#include "MainWindow.h"
#include "ScreenshotTour.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <cstdio>
#include <cstring>

namespace {

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

// Looked for before QApplication exists, because the platform must be chosen before it starts.
bool screenshotRequested(int argc, char* argv[])
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--screenshot") == 0 || std::strncmp(argv[i], "--screenshot=", 13) == 0)
            return true;
    return false;
}

int runScreenshotTour(const QString& directory)
{
    // The same pictures on every machine: Fusion with its light palette (the settings live in the
    // scratch configuration directory).
    QSettings().setValue(QStringLiteral("ui/theme"), QStringLiteral("light"));
    cryptstack::ScreenshotTour tour(directory);
    if (!tour.run()) {
        std::fprintf(stderr, "cryptstack-gui: --screenshot: %s\n", qPrintable(tour.error()));
        return 1;
    }
    for (const QString& path : tour.written())
        std::printf("%s\n", qPrintable(path));
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    // A screenshot run needs no display and leaves the user's settings and data alone: the
    // offscreen platform, and configuration, data and cache in a directory that goes away.
    const bool screenshots = screenshotRequested(argc, argv);
    std::unique_ptr<QTemporaryDir> screenshotHome;
    if (screenshots) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        screenshotHome = std::make_unique<QTemporaryDir>();
        for (const char* variable : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"})
            qputenv(variable, screenshotHome->path().toLocal8Bit());
    } else if (!displayAvailable()) {
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
    QApplication::setWindowIcon(cryptstack::applicationIcon());
    QGuiApplication::setDesktopFileName(QStringLiteral("cryptstack")); // Wayland finds the icon by it

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Encrypted volumes in image files, without root."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Render every main view of a self-built demo to PNG files in DIR, "
                                        "without a display, and exit."),
        QStringLiteral("DIR"));
    parser.addOption(screenshotOption);
    parser.addPositionalArgument(
        QStringLiteral("stack-file"),
        QApplication::translate("main", "A concise stack file to open (default: the demo stack)."));
    parser.process(app);
    if (screenshots)
        return runScreenshotTour(parser.value(screenshotOption));

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
