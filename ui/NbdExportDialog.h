// Serves one mapped device over NBD from inside the GUI, so other programs (nbdinfo, qemu-img,
// guestfish, the kernel's nbd-client) can read the decrypted device while the window has it open.
// Shows the client URI and command lines to copy, and the server's counters.
//
// Threads: the GUI thread never calls start() or stop(): start may resolve a host name and stop
// drains every connection and flushes the device, both of which can wait. Each runs on a short-lived
// thread (nbd-gui/<dev>); its result comes back as a queued call, after which the GUI thread joins
// the thread before it touches m_server again. The server, and with it the last reference to the
// device it holds, is destroyed on that thread too. The counters are atomics and are read on the
// GUI thread by a timer.
#pragma once

#include "core/Result.h"
#include "nbd/NbdServer.h"

#include <QDialog>

#include <functional>
#include <memory>

class QCheckBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTimer;

namespace cryptstack {

class DeviceRegistry;
class NamedThread;

class NbdExportDialog : public QDialog
{
    Q_OBJECT

public:
    NbdExportDialog(DeviceRegistry& registry, const QString& deviceName, QWidget* parent = nullptr);
    // Waits for a start or stop in progress, then stops a running server (on its own thread).
    ~NbdExportDialog() override;

    QString deviceName() const { return m_deviceName; }
    bool isServing() const { return m_state == State::Running; }
    // Starting or stopping: the buttons are disabled until it is done.
    bool isBusy() const { return m_state == State::Starting || m_state == State::Stopping; }
    // Where a Unix socket goes unless the user picks another path.
    static QString defaultSocketPath(const QString& deviceName);

    // Stops a running server off the GUI thread; stopped() follows. Closing the dialog does this.
    void stopServer();

    void done(int result) override;

signals:
    void started();
    // The server is gone: stopped, or it never started (error() says why).
    void stopped();

private:
    enum class State { Stopped, Starting, Running, Stopping };

    void startServer();
    void finishStart(const Status& status);
    void finishStop(const Status& status);
    // Runs work on a thread of its own; done(its status) then runs on the GUI thread after the join.
    void runOffGuiThread(std::function<Status()> work, void (NbdExportDialog::*done)(const Status&));
    void updateWidgets();
    void updateCommands();
    void showStats(const nbd::NbdServerStats& stats);
    void showError(const QString& what, const Status& status);
    QLineEdit* addCommandRow(const QString& label, const QString& objectName, const QString& toolTip);

    DeviceRegistry& m_registry;
    const QString m_deviceName;
    bool m_deviceReadOnly = false;
    State m_state = State::Stopped;
    // Touched by the worker only while Starting or Stopping, by the GUI thread otherwise.
    std::unique_ptr<nbd::NbdServer> m_server;
    nbd::NbdServerStats m_finalStats; // written by the stopping worker, read after the join
    std::unique_ptr<NamedThread> m_worker;

    QRadioButton* m_unixRadio;
    QLineEdit* m_socketPathEdit;
    QRadioButton* m_tcpRadio;
    QLineEdit* m_hostEdit;
    QSpinBox* m_portSpin;
    QCheckBox* m_readOnlyCheck;
    QPushButton* m_startButton;
    QPushButton* m_stopButton;
    QLabel* m_statusLabel;
    QLabel* m_errorLabel;
    QGroupBox* m_commandsGroup;
    QList<QLineEdit*> m_commandEdits;
    QLineEdit* m_uriEdit = nullptr;
    QLineEdit* m_nbdinfoEdit = nullptr;
    QLineEdit* m_nbdcopyEdit = nullptr;
    QLineEdit* m_qemuInfoEdit = nullptr;
    QLineEdit* m_qemuConvertEdit = nullptr;
    QLineEdit* m_guestfishEdit = nullptr;
    QLineEdit* m_nbdClientEdit = nullptr;
    QLineEdit* m_mountEdit = nullptr;
    QLineEdit* m_detachEdit = nullptr;
    QLabel* m_openConnectionsValue;
    QLabel* m_totalConnectionsValue;
    QLabel* m_requestsValue;
    QLabel* m_inFlightValue;
    QLabel* m_bytesReadValue;
    QLabel* m_bytesWrittenValue;
    QLabel* m_errorsValue;
    QTimer* m_statsTimer;
};

} // namespace cryptstack
