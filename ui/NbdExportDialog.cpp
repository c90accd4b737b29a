#include "NbdExportDialog.h"

#include "core/NamedThread.h"
#include "dm/DeviceRegistry.h"
#include "nbd/NbdProtocol.h"

#include <QCheckBox>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

constexpr int StatsIntervalMs = 250;

// One word for a POSIX shell: as it is when it holds no special characters, else single-quoted. The
// URI of a Unix socket holds '?', which zsh refuses as an unmatched glob.
QString shellWord(const QString& word)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:=@%+,-]+$"));
    if (plain.match(word).hasMatch())
        return word;
    QString quoted = word;
    quoted.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + quoted + u'\'';
}

QString bytesText(uint64_t bytes)
{
    return QLocale().formattedDataSize(static_cast<qint64>(bytes), 1, QLocale::DataSizeTraditionalFormat);
}

} // namespace

QString NbdExportDialog::defaultSocketPath(const QString& deviceName)
{
    // The runtime directory is private to the user and cleared at logout: the right place for a
    // socket that grants access to a decrypted device.
    QString directory = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (directory.isEmpty() || !QDir(directory).exists())
        directory = QDir::tempPath();
    QString name = deviceName;
    name.replace(u'/', u'_');
    return QDir(directory).filePath(QStringLiteral("cryptstack-%1.sock").arg(name));
}

NbdExportDialog::NbdExportDialog(DeviceRegistry& registry, const QString& deviceName, QWidget* parent)
    : QDialog(parent), m_registry(registry), m_deviceName(deviceName),
      m_unixRadio(new QRadioButton(tr("&Unix socket:"), this)), m_socketPathEdit(new QLineEdit(this)),
      m_tcpRadio(new QRadioButton(tr("&TCP:"), this)), m_hostEdit(new QLineEdit(this)),
      m_portSpin(new QSpinBox(this)), m_readOnlyCheck(new QCheckBox(tr("&Read-only export"), this)),
      m_startButton(new QPushButton(tr("&Start"), this)), m_stopButton(new QPushButton(tr("S&top"), this)),
      m_statusLabel(new QLabel(this)), m_errorLabel(new QLabel(this)),
      m_commandsGroup(new QGroupBox(tr("Connect"), this)), m_openConnectionsValue(new QLabel(this)),
      m_totalConnectionsValue(new QLabel(this)), m_requestsValue(new QLabel(this)),
      m_inFlightValue(new QLabel(this)), m_bytesReadValue(new QLabel(this)),
      m_bytesWrittenValue(new QLabel(this)), m_errorsValue(new QLabel(this)), m_statsTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("nbdExportDialog"));
    setWindowTitle(tr("Export %1 over NBD").arg(deviceName));
    setModal(false);

    const auto device = registry.find(deviceName);
    m_deviceReadOnly = device && device->isReadOnly();
    auto* intro = new QLabel(this);
    intro->setWordWrap(true);
    intro->setText(
        device ? tr("Serves the decrypted contents of %1 (%2) to NBD clients. Anyone who can reach the "
                    "address can read it; a Unix socket in your runtime folder is reachable by you only.")
                     .arg(deviceName, bytesText(device->sizeBytes()))
               : tr("The device %1 no longer exists.").arg(deviceName));

    auto* addressGroup = new QGroupBox(tr("Address"), this);
    m_unixRadio->setObjectName(QStringLiteral("nbdUnixRadio"));
    m_unixRadio->setAccessibleName(tr("Listen on a Unix socket"));
    m_unixRadio->setChecked(true);
    m_socketPathEdit->setObjectName(QStringLiteral("nbdSocketPathEdit"));
    m_socketPathEdit->setAccessibleName(tr("Socket path"));
    m_socketPathEdit->setText(defaultSocketPath(deviceName));
    m_tcpRadio->setObjectName(QStringLiteral("nbdTcpRadio"));
    m_tcpRadio->setAccessibleName(tr("Listen on TCP"));
    m_hostEdit->setObjectName(QStringLiteral("nbdHostEdit"));
    m_hostEdit->setAccessibleName(tr("Host"));
    m_hostEdit->setText(QStringLiteral("127.0.0.1"));
    m_hostEdit->setToolTip(tr("127.0.0.1 keeps the export on this computer; another address exposes "
                              "the decrypted device to the network, without encryption or password."));
    m_portSpin->setObjectName(QStringLiteral("nbdPortSpin"));
    m_portSpin->setAccessibleName(tr("Port"));
    m_portSpin->setRange(0, 65535);
    m_portSpin->setValue(nbd::DefaultPort);
    m_portSpin->setSpecialValueText(tr("any free port"));
    auto* tcpRow = new QHBoxLayout;
    tcpRow->addWidget(m_hostEdit, 1);
    tcpRow->addWidget(new QLabel(QStringLiteral(":"), this));
    tcpRow->addWidget(m_portSpin);
    auto* addressLayout = new QGridLayout(addressGroup);
    addressLayout->addWidget(m_unixRadio, 0, 0);
    addressLayout->addWidget(m_socketPathEdit, 0, 1);
    addressLayout->addWidget(m_tcpRadio, 1, 0);
    addressLayout->addLayout(tcpRow, 1, 1);

    m_readOnlyCheck->setObjectName(QStringLiteral("nbdReadOnlyCheck"));
    m_readOnlyCheck->setAccessibleName(tr("Read-only export"));
    if (m_deviceReadOnly) {
        m_readOnlyCheck->setChecked(true);
        m_readOnlyCheck->setToolTip(tr("The device itself is read-only."));
    }
    m_startButton->setObjectName(QStringLiteral("nbdStartButton"));
    m_startButton->setAccessibleName(tr("Start the NBD server"));
    m_stopButton->setObjectName(QStringLiteral("nbdStopButton"));
    m_stopButton->setAccessibleName(tr("Stop the NBD server"));
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addWidget(m_startButton);
    buttonRow->addWidget(m_stopButton);
    buttonRow->addStretch(1);

    m_statusLabel->setObjectName(QStringLiteral("nbdStatusLabel"));
    m_statusLabel->setAccessibleName(tr("Server state"));
    m_statusLabel->setWordWrap(true);
    m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setObjectName(QStringLiteral("nbdErrorLabel"));
    m_errorLabel->setAccessibleName(tr("Error"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_errorLabel->hide();

    m_commandsGroup->setObjectName(QStringLiteral("nbdCommandsGroup"));
    new QGridLayout(m_commandsGroup);
    m_uriEdit = addCommandRow(tr("Client URI:"), QStringLiteral("nbdUriEdit"),
                              tr("The export's address as NBD clients take it."));
    m_nbdinfoEdit = addCommandRow(tr("Inspect:"), QStringLiteral("nbdinfoCommand"),
                                  tr("Shows the export's size and flags (libnbd-bin)."));
    m_nbdcopyEdit = addCommandRow(tr("Copy to a file:"), QStringLiteral("nbdcopyCommand"),
                                  tr("Copies the decrypted device into a raw image file (libnbd-bin)."));
    m_qemuInfoEdit = addCommandRow(tr("QEMU info:"), QStringLiteral("qemuImgInfoCommand"),
                                   tr("Shows the export as QEMU sees it (qemu-utils)."));
    m_qemuConvertEdit = addCommandRow(tr("Convert to qcow2:"), QStringLiteral("qemuImgConvertCommand"),
                                      tr("Copies the decrypted device into a qcow2 image (qemu-utils)."));
    m_guestfishEdit = addCommandRow(tr("Open with guestfish:"), QStringLiteral("guestfishCommand"),
                                    tr("Inspects and mounts the filesystems inside, without root "
                                       "(libguestfs-tools)."));
    m_nbdClientEdit = addCommandRow(tr("Attach as /dev/nbd0:"), QStringLiteral("nbdClientCommand"),
                                    tr("Needs root and the nbd kernel module (sudo modprobe nbd)."));
    m_mountEdit = addCommandRow(tr("Mount:"), QStringLiteral("mountCommand"),
                                tr("Mounts the filesystem on the attached device."));
    m_detachEdit = addCommandRow(tr("Detach:"), QStringLiteral("nbdDetachCommand"),
                                 tr("Unmounts and disconnects /dev/nbd0 before you stop the server."));

    auto* statsGroup = new QGroupBox(tr("Activity"), this);
    auto* statsLayout = new QFormLayout(statsGroup);
    const auto addStat = [&](QLabel* value, const QString& label, const QString& objectName) {
        value->setObjectName(objectName);
        value->setAccessibleName(label);
        value->setText(QStringLiteral("0"));
        statsLayout->addRow(label + u':', value);
    };
    addStat(m_openConnectionsValue, tr("Connections open"), QStringLiteral("nbdOpenConnectionsValue"));
    addStat(m_totalConnectionsValue, tr("Connections since start"),
            QStringLiteral("nbdTotalConnectionsValue"));
    addStat(m_requestsValue, tr("Requests answered"), QStringLiteral("nbdRequestsValue"));
    addStat(m_inFlightValue, tr("Requests in flight"), QStringLiteral("nbdInFlightValue"));
    addStat(m_bytesReadValue, tr("Read by clients"), QStringLiteral("nbdBytesReadValue"));
    addStat(m_bytesWrittenValue, tr("Written by clients"), QStringLiteral("nbdBytesWrittenValue"));
    addStat(m_errorsValue, tr("Error answers"), QStringLiteral("nbdErrorsValue"));
    showStats({});

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->setObjectName(QStringLiteral("nbdDialogButtons"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(addressGroup);
    layout->addWidget(m_readOnlyCheck);
    layout->addLayout(buttonRow);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_commandsGroup);
    layout->addWidget(statsGroup);
    layout->addWidget(buttons);

    m_statsTimer->setInterval(StatsIntervalMs);
    connect(m_statsTimer, &QTimer::timeout, this, [this] {
        if (m_state == State::Running)
            showStats(m_server->stats());
    });
    connect(m_startButton, &QPushButton::clicked, this, &NbdExportDialog::startServer);
    connect(m_stopButton, &QPushButton::clicked, this, &NbdExportDialog::stopServer);
    connect(m_unixRadio, &QRadioButton::toggled, this, &NbdExportDialog::updateWidgets);
    if (!device)
        m_startButton->setEnabled(false);
    updateWidgets();
    updateCommands();
}

NbdExportDialog::~NbdExportDialog()
{
    m_worker.reset(); // a start or stop in progress finishes first; its queued answer is dropped
    if (!m_server)
        return;
    // Started and not yet stopped: stop here and wait, since the dialog and the window are going.
    NamedThread stopper(QStringLiteral("nbd-gui/") + m_deviceName,
                        [this] {
                            if (Status status = m_server->stop(); !status)
                                qWarning("NBD export of %s: %s", qPrintable(m_deviceName),
                                         qPrintable(status.message()));
                            m_server.reset();
                        },
                        {});
}

QLineEdit* NbdExportDialog::addCommandRow(const QString& label, const QString& objectName,
                                          const QString& toolTip)
{
    auto* grid = static_cast<QGridLayout*>(m_commandsGroup->layout());
    const int row = grid->rowCount();
    auto* edit = new QLineEdit(m_commandsGroup);
    edit->setObjectName(objectName);
    edit->setAccessibleName(QString(label).remove(u':'));
    edit->setReadOnly(true);
    edit->setToolTip(toolTip);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setMinimumWidth(edit->fontMetrics().horizontalAdvance(QStringLiteral("x")) * 72);
    auto* caption = new QLabel(label, m_commandsGroup);
    caption->setBuddy(edit);
    auto* copy = new QPushButton(tr("Copy"), m_commandsGroup);
    copy->setObjectName(objectName + QStringLiteral("Copy"));
    copy->setAccessibleName(tr("Copy %1").arg(edit->accessibleName()));
    connect(copy, &QPushButton::clicked, edit,
            [edit] { QGuiApplication::clipboard()->setText(edit->text()); });
    grid->addWidget(caption, row, 0);
    grid->addWidget(edit, row, 1);
    grid->addWidget(copy, row, 2);
    m_commandEdits << edit;
    return edit;
}

void NbdExportDialog::startServer()
{
    if (m_state != State::Stopped)
        return;
    m_errorLabel->hide();
    nbd::NbdServerOptions options;
    options.readOnly = m_readOnlyCheck->isChecked();
    if (m_unixRadio->isChecked()) {
        const QString path = m_socketPathEdit->text().trimmed();
        if (path.isEmpty() || !QDir::isAbsolutePath(path)) {
            showError(tr("Cannot start the server."),
                      Status(ErrorCode::InvalidArgument, tr("The socket path must be an absolute path.")));
            return;
        }
        options.address = nbd::NbdAddress::unixSocket(path);
    } else {
        const QString host = m_hostEdit->text().trimmed();
        options.address = nbd::NbdAddress::tcp(host.isEmpty() ? QStringLiteral("127.0.0.1") : host,
                                               static_cast<uint16_t>(m_portSpin->value()));
    }
    std::shared_ptr<BlockDevice> device = m_registry.find(m_deviceName);
    if (!device) {
        showError(tr("Cannot start the server."),
                  Status(ErrorCode::NoSuchDevice, tr("The device %1 no longer exists.").arg(m_deviceName)));
        return;
    }
    m_state = State::Starting;
    updateWidgets();
    runOffGuiThread(
        [this, device = std::move(device), options = std::move(options)]() mutable {
            m_server = std::make_unique<nbd::NbdServer>(std::move(device), std::move(options));
            Status status = m_server->start();
            if (!status)
                m_server.reset(); // releases the device here rather than on the GUI thread
            return status;
        },
        &NbdExportDialog::finishStart);
}

void NbdExportDialog::finishStart(const Status& status)
{
    if (!status) {
        m_state = State::Stopped;
        showError(tr("Cannot start the server."), status);
        updateWidgets();
        emit stopped();
        return;
    }
    m_state = State::Running;
    m_statsTimer->start();
    showStats(m_server->stats());
    updateWidgets();
    updateCommands();
    emit started();
    if (!isVisible())
        stopServer(); // closed while it was starting
}

void NbdExportDialog::stopServer()
{
    if (m_state != State::Running)
        return;
    m_state = State::Stopping;
    m_statsTimer->stop();
    updateWidgets();
    runOffGuiThread(
        [this] {
            Status status = m_server->stop();
            m_finalStats = m_server->stats(); // the answers sent while draining count too
            m_server.reset();
            return status;
        },
        &NbdExportDialog::finishStop);
}

void NbdExportDialog::finishStop(const Status& status)
{
    m_state = State::Stopped;
    showStats(m_finalStats);
    if (!status)
        showError(tr("The server stopped, but flushing the device failed."), status);
    updateWidgets();
    updateCommands();
    emit stopped();
}

void NbdExportDialog::runOffGuiThread(std::function<Status()> work,
                                      void (NbdExportDialog::*done)(const Status&))
{
    Q_ASSERT(!m_worker);
    m_worker = std::make_unique<NamedThread>(
        QString(QStringLiteral("nbd-gui/") + m_deviceName),
        [this, work = std::move(work), done] {
            const Status status = work();
            // Posted to the dialog: dropped with it if it is destroyed first (its destructor joins
            // this thread before the QObject part goes, so the post never races the deletion).
            QMetaObject::invokeMethod(
                this,
                [this, status, done] {
                    m_worker.reset(); // the join makes the worker's writes to m_server visible here
                    (this->*done)(status);
                },
                Qt::QueuedConnection);
        },
        std::function<void()>());
}

void NbdExportDialog::done(int result)
{
    // Close, Escape and the window's close button all end here: a hidden dialog serves nobody.
    stopServer();
    QDialog::done(result);
}

void NbdExportDialog::updateWidgets()
{
    const bool editable = m_state == State::Stopped;
    m_unixRadio->setEnabled(editable);
    m_tcpRadio->setEnabled(editable);
    m_socketPathEdit->setEnabled(editable && m_unixRadio->isChecked());
    m_hostEdit->setEnabled(editable && m_tcpRadio->isChecked());
    m_portSpin->setEnabled(editable && m_tcpRadio->isChecked());
    m_readOnlyCheck->setEnabled(editable && !m_deviceReadOnly);
    m_startButton->setEnabled(editable && m_registry.find(m_deviceName) != nullptr);
    m_stopButton->setEnabled(m_state == State::Running);
    m_commandsGroup->setEnabled(m_state == State::Running);
    switch (m_state) {
    case State::Stopped:
        m_statusLabel->setText(tr("Not serving."));
        break;
    case State::Starting:
        m_statusLabel->setText(tr("Starting…"));
        break;
    case State::Running:
        m_statusLabel->setText(
            (m_server->transmissionFlags() & nbd::TxReadOnly)
                ? tr("Serving %1 read-only at %2.").arg(m_deviceName, m_server->address().toString())
                : tr("Serving %1 read-write at %2.").arg(m_deviceName, m_server->address().toString()));
        break;
    case State::Stopping:
        m_statusLabel->setText(tr("Stopping: finishing started requests and flushing the device…"));
        break;
    }
}

void NbdExportDialog::updateCommands()
{
    if (m_state != State::Running) {
        for (QLineEdit* edit : std::as_const(m_commandEdits))
            edit->clear();
        return;
    }
    const nbd::NbdAddress& address = m_server->address(); // with the port the system chose
    const bool readOnly = m_server->transmissionFlags() & nbd::TxReadOnly;
    const QString uri = shellWord(address.uri());
    m_uriEdit->setText(address.uri());
    m_nbdinfoEdit->setText(QStringLiteral("nbdinfo ") + uri);
    m_nbdcopyEdit->setText(QStringLiteral("nbdcopy %1 disk.raw").arg(uri));
    m_qemuInfoEdit->setText(QStringLiteral("qemu-img info -f raw ") + uri);
    m_qemuConvertEdit->setText(QStringLiteral("qemu-img convert -p -f raw -O qcow2 %1 copy.qcow2").arg(uri));
    m_guestfishEdit->setText(QStringLiteral("guestfish %1--format=raw -a %2 -i")
                                 .arg(readOnly ? QStringLiteral("--ro ") : QString(), uri));
    m_nbdClientEdit->setText(
        address.isUnix() ? QStringLiteral("sudo nbd-client -unix %1 /dev/nbd0").arg(shellWord(address.path))
                         : QStringLiteral("sudo nbd-client %1 %2 /dev/nbd0 -N ''")
                               .arg(shellWord(address.host))
                               .arg(address.port));
    m_mountEdit->setText(readOnly ? QStringLiteral("sudo mount -o ro /dev/nbd0 /mnt")
                                  : QStringLiteral("sudo mount /dev/nbd0 /mnt"));
    m_detachEdit->setText(QStringLiteral("sudo umount /mnt && sudo nbd-client -d /dev/nbd0"));
    for (QLineEdit* edit : std::as_const(m_commandEdits))
        edit->setCursorPosition(0); // the start of a long line says what it is
}

void NbdExportDialog::showStats(const nbd::NbdServerStats& stats)
{
    const QLocale locale;
    m_openConnectionsValue->setText(locale.toString(static_cast<qulonglong>(stats.connections)));
    m_totalConnectionsValue->setText(locale.toString(static_cast<qulonglong>(stats.connectionsTotal)));
    m_requestsValue->setText(locale.toString(static_cast<qulonglong>(stats.requests)));
    m_inFlightValue->setText(locale.toString(static_cast<qulonglong>(stats.inFlight)));
    m_bytesReadValue->setText(bytesText(stats.bytesRead));
    m_bytesWrittenValue->setText(bytesText(stats.bytesWritten));
    m_errorsValue->setText(locale.toString(static_cast<qulonglong>(stats.errors)));
}

void NbdExportDialog::showError(const QString& what, const Status& status)
{
    QString reason;
    switch (status.code()) {
    case ErrorCode::Busy:
        reason = tr("The address is in use: another server listens there, or a file that is not a "
                    "socket is in the way.");
        break;
    case ErrorCode::PermissionDenied:
        reason = tr("You have no permission to listen at this address.");
        break;
    case ErrorCode::NoSuchDevice:
        reason = tr("The device or the socket's folder does not exist.");
        break;
    case ErrorCode::InvalidArgument:
        reason = tr("The address is not valid.");
        break;
    default:
        break;
    }
    QStringList lines{what};
    if (!reason.isEmpty())
        lines << reason;
    lines << tr("Detail: %1").arg(status.message());
    m_errorLabel->setText(lines.join(u'\n'));
    m_errorLabel->show();
}

} // namespace cryptstack
