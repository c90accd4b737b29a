// `cryptstack-gui --screenshot DIR`: builds a demo of its own in a scratch directory (a LUKS2
// volume with a cheap KDF, unlocked through the unlock dialog, and the demo stack), then shows every
// main view in turn and saves each as a PNG in DIR — main window, the first page of each wizard and
// dialog, header anatomy, sector inspector, pipeline under load, deadlock demonstration and the
// benchmark view. Meant for the offscreen platform; the README's pictures come from it.
#pragma once

#include <QString>
#include <QStringList>

#include <functional>

class QWidget;

namespace cryptstack {

class ScreenshotTour
{
public:
    explicit ScreenshotTour(QString directory) : m_directory(std::move(directory)) {}

    // Runs the whole tour; false with the reason in error() on the first step that fails.
    bool run();
    QString error() const { return m_error; }
    // The PNG files written, in order.
    QStringList written() const { return m_written; }

private:
    bool save(QWidget* widget, const QString& name);
    // Processes events until done() holds; false (with the step named in error()) after timeoutMs.
    bool waitFor(const std::function<bool()>& done, int timeoutMs, const QString& what);
    bool fail(const QString& what);

    QString m_directory;
    QString m_error;
    QStringList m_written;
};

} // namespace cryptstack
