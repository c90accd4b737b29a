// `cryptstack-gui --screenshot DIR` as a user runs it: no display, an empty HOME, the directory
// created, every main view written as a PNG with real content, exit 0 within two minutes.
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

class TestScreenshots : public QObject
{
    Q_OBJECT

private slots:
    void everyViewIsRendered();
};

void TestScreenshots::everyViewIsRendered()
{
    QTemporaryDir scratch;
    QVERIFY(scratch.isValid());
    const QString home = scratch.filePath(QStringLiteral("home"));
    QVERIFY(QDir().mkpath(home));
    const QString output = scratch.filePath(QStringLiteral("shots/nested")); // created by the run
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_CONFIG_HOME",
                             "XDG_DATA_HOME", "XDG_CACHE_HOME"})
        environment.remove(QLatin1String(name));
    environment.insert(QStringLiteral("HOME"), home);
    QProcess gui;
    gui.setProcessEnvironment(environment);
    QElapsedTimer timer;
    timer.start();
    gui.start(QStringLiteral(CRYPTSTACK_GUI), {QStringLiteral("--screenshot"), output});
    QVERIFY2(gui.waitForFinished(120000), "the screenshot run did not end within two minutes");
    const QByteArray errors = gui.readAllStandardError();
    QCOMPARE(gui.exitStatus(), QProcess::NormalExit);
    QVERIFY2(gui.exitCode() == 0, errors.constData());
    qInfo("screenshot run: %lld ms", static_cast<long long>(timer.elapsed()));

    const QStringList expected = {
        QStringLiteral("main-window"),
        QStringLiteral("unlock-dialog"),
        QStringLiteral("new-volume-wizard"),
        QStringLiteral("key-slots-dialog"),
        QStringLiteral("header-backup-dialog"),
        QStringLiteral("stack-builder"),
        QStringLiteral("header-anatomy"),
        QStringLiteral("sector-inspector"),
        QStringLiteral("entropy-map"),
        QStringLiteral("pipeline"),
        QStringLiteral("deadlock-demonstration"),
        QStringLiteral("benchmark"),
    };
    const QStringList printed =
        QString::fromLocal8Bit(gui.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(printed.size(), expected.size());
    for (const QString& name : expected) {
        const QString path = QDir(output).filePath(name + QStringLiteral(".png"));
        QVERIFY2(printed.contains(path), qPrintable(path));
        QImage image(path);
        QVERIFY2(!image.isNull(), qPrintable(path));
        // A dialog at its natural size at least, a window larger.
        QVERIFY2(image.width() >= 250 && image.height() >= 120, qPrintable(path));
        // Drawn widgets and text, not an empty surface: many colours across the picture.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 20,
                 qPrintable(QStringLiteral("%1: %2 colours").arg(path).arg(colours.size())));
    }
    // Nothing was written to the (empty) home directory.
    QCOMPARE(QDir(home).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
}

QTEST_MAIN(TestScreenshots)
#include "TestScreenshots.moc"
