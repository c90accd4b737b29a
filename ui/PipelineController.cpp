#include "PipelineController.h"

#include "crypt/BioTrace.h"
#include "crypt/CryptTarget.h"
#include "dm/DeviceRegistry.h"
#include "dm/TableLine.h"
#include "workload/WorkloadRunner.h"

#include <QLocale>
#include <QThread>

namespace cryptstack {

namespace {

const CryptTarget* cryptOf(const Table& table)
{
    for (const Segment& segment : table.segments()) {
        if (const auto* crypt = dynamic_cast<const CryptTarget*>(segment.target.get()))
            return crypt;
    }
    return nullptr;
}

QString onOff(bool on)
{
    return on ? QStringLiteral("on") : QStringLiteral("off");
}

// The crypt segment's optional parameters from its table line (words after <offset>).
QStringList cryptOptions(const Table& table)
{
    for (const QString& text : table.lines(StatusType::Table, false)) {
        auto line = TableLine::parse(text);
        if (line && line->type == u"crypt")
            return line->words.mid(6);
    }
    return {};
}

QString joinLine(const TableLine& line)
{
    QStringList words{QString::number(line.start), QString::number(line.length), line.type};
    for (const QString& word : line.words)
        words += escapeTableWord(word);
    return words.join(u' ');
}

// Suspend, reload with the edited lines, resume: what dmsetup does to change a live table.
Status swapTable(DeviceRegistry& registry, const QString& name, const QStringList& lines,
                 const QString& baseDirectory)
{
    if (Status status = registry.suspend(name); !status)
        return status;
    Status status = registry.reload(name, lines, baseDirectory);
    // Resume either way: on a failed reload the old table goes live again.
    Status resumed = registry.resume(name);
    return !status ? status : resumed;
}

} // namespace

PipelineController::PipelineController(DeviceRegistry& registry, QObject* parent)
    : QObject(parent), m_registry(registry), m_controlThread(new QThread(this)),
      m_controlContext(new QObject), m_runner(std::make_unique<WorkloadRunner>())
{
    m_controlThread->setObjectName(QStringLiteral("pipeline-control"));
    m_controlContext->moveToThread(m_controlThread);
    m_controlThread->start();
}

PipelineController::~PipelineController()
{
    if (m_workloadThread) {
        m_runner->cancel();
        m_workloadThread->wait();
        delete m_workloadThread;
    }
    m_controlThread->quit();
    m_controlThread->wait();
    delete m_controlContext;
}

void PipelineController::runControl(const QString& what, std::function<Status()> work,
                                    std::function<void(const Status&)> done)
{
    ++m_pendingControl;
    emit operationStarted(what);
    QMetaObject::invokeMethod(
        m_controlContext,
        [this, what, work = std::move(work), done = std::move(done)] {
            m_lastControlRunThread.store(QThread::currentThread());
            const Status status = work ? work() : Status::ok();
            QMetaObject::invokeMethod(
                this,
                [this, what, status, done] {
                    --m_pendingControl;
                    if (done)
                        done(status);
                    emit operationFinished(what, status ? QString() : status.message());
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void PipelineController::releaseOffThread(std::shared_ptr<void> object)
{
    if (!object)
        return;
    QMetaObject::invokeMethod(
        m_controlContext, [object = std::move(object)]() mutable { object.reset(); }, Qt::QueuedConnection);
}

void PipelineController::setDevice(const QString& name)
{
    m_deviceName = name;
    m_device.reset();
    m_traceOn = false; // a device's trace is off until asked for here
    refreshDevices();
}

void PipelineController::refreshDevices()
{
    struct Found
    {
        std::shared_ptr<MappedDevice> device;
        QStringList cryptDevices;
    };
    auto found = std::make_shared<Found>();
    const QString name = m_deviceName;
    DeviceRegistry* registry = &m_registry;
    runControl(
        tr("Looking up devices"),
        [found, name, registry] {
            for (const QString& each : registry->names()) {
                const auto device = registry->find(each);
                if (device && cryptOf(*device->activeTable()))
                    found->cryptDevices += each;
            }
            if (!name.isEmpty() && found->cryptDevices.contains(name))
                found->device = registry->find(name);
            return Status::ok();
        },
        [this, found, name](const Status&) {
            m_cryptDevices = found->cryptDevices;
            if (name == m_deviceName)
                m_device = found->device;
            releaseOffThread(std::move(found->device));
            emit devicesChanged();
        });
}

PipelineSample PipelineController::sample()
{
    PipelineSample sample;
    sample.when = std::chrono::steady_clock::now();
    sample.progress = m_runner->progress();
    std::shared_ptr<MappedDevice> device = m_device.lock();
    if (!device)
        return sample;
    std::shared_ptr<Table> table = device->activeTable();
    if (const CryptTarget* crypt = cryptOf(*table)) {
        sample.hasDevice = true;
        sample.suspended = device->isSuspended();
        sample.metrics = crypt->metrics();
        PipelineConfig& config = sample.config;
        config.async = sample.metrics.asyncMode;
        config.teaching = sample.metrics.teachingMode;
        config.trace = m_traceOn;
        config.poolPages = sample.metrics.poolPageLimit;
        const QStringList options = cryptOptions(*table);
        config.noReadWorkqueue = options.contains(QStringLiteral("no_read_workqueue"));
        config.noWriteWorkqueue = options.contains(QStringLiteral("no_write_workqueue"));
        config.sameCpuCrypt = options.contains(QStringLiteral("same_cpu_crypt"));
        config.submitFromCryptCpus = options.contains(QStringLiteral("submit_from_crypt_cpus"));
        const QList<DeviceArea> areas = crypt->devices();
        if (!areas.isEmpty()) {
            std::shared_ptr<BlockDevice> lowerRef = areas.first().ref.device;
            config.lowerName = lowerRef->displayName();
            if (auto lower = std::dynamic_pointer_cast<MappedDevice>(lowerRef)) {
                sample.lowerInFlight = static_cast<int64_t>(lower->inFlight());
                sample.lowerCompleted = lower->completed();
                std::shared_ptr<Table> lowerTable = lower->activeTable();
                for (const QString& text : lowerTable->lines(StatusType::Table, false)) {
                    auto line = TableLine::parse(text);
                    if (line && line->type == u"delay" && line->words.size() >= 3)
                        config.lowerDelayMs = line->words.at(2).toInt();
                }
                releaseOffThread(std::move(lowerTable));
            }
            releaseOffThread(std::move(lowerRef));
        }
    }
    releaseOffThread(std::move(table));
    releaseOffThread(std::move(device));
    return sample;
}

std::vector<TraceEvent> PipelineController::traceEvents()
{
    std::vector<TraceEvent> events;
    std::shared_ptr<MappedDevice> device = m_device.lock();
    if (!device)
        return events;
    std::shared_ptr<Table> table = device->activeTable();
    if (const CryptTarget* crypt = cryptOf(*table))
        events = crypt->traceEvents();
    releaseOffThread(std::move(table));
    releaseOffThread(std::move(device));
    return events;
}

void PipelineController::startWorkload(const WorkloadSpec& spec)
{
    if (m_workloadThread)
        return;
    if (m_deviceName.isEmpty()) {
        emit workloadFinished(tr("No crypt device is selected."), true);
        return;
    }
    WorkloadRunner* runner = m_runner.get();
    DeviceRegistry* registry = &m_registry;
    m_workloadThread = QThread::create([this, runner, registry, name = m_deviceName, spec] {
        m_lastWorkloadThread.store(QThread::currentThread());
        QString summary;
        bool failed = true;
        // Looked up here, so that the device reference ends on this thread, never on the GUI's.
        if (auto device = registry->get(name); !device) {
            summary = device.message();
        } else if (auto result = runner->run(**device, spec); !result) {
            summary = result.message();
        } else {
            const QLocale locale;
            summary = tr("%1: %2 reads, %3 writes, %4 in %5 s")
                          .arg(result->device)
                          .arg(result->opsRead)
                          .arg(result->opsWritten)
                          .arg(locale.formattedDataSize(static_cast<qint64>(result->bytes())))
                          .arg(result->seconds(), 0, 'f', 1);
            failed = !result->status;
            if (failed)
                summary += u'\n' + result->status.message();
        }
        QMetaObject::invokeMethod(
            this, [this, summary, failed] { finishWorkload(summary, failed); }, Qt::QueuedConnection);
    });
    m_workloadThread->setObjectName(QStringLiteral("pipeline-workload"));
    m_workloadThread->start();
    emit workloadStarted();
}

void PipelineController::stopWorkload()
{
    if (m_workloadThread)
        m_runner->cancel();
}

void PipelineController::finishWorkload(const QString& summary, bool failed)
{
    if (m_workloadThread) {
        m_workloadThread->wait(); // it has only to return from the function that posted this
        delete m_workloadThread;
        m_workloadThread = nullptr;
    }
    emit workloadFinished(summary, failed);
    std::vector<std::function<void()>> next;
    next.swap(m_afterWorkload);
    for (auto& function : next)
        function();
}

void PipelineController::afterWorkload(std::function<void()> next)
{
    if (!m_workloadThread) {
        next();
        return;
    }
    m_afterWorkload.push_back(std::move(next));
    stopWorkload();
}

void PipelineController::setEngineOption(const QString& option, bool on)
{
    if (option == u"trace")
        m_traceOn = on;
    const QString name = m_deviceName;
    DeviceRegistry* registry = &m_registry;
    runControl(tr("Setting %1 %2 on %3").arg(option, onOff(on), name),
               [registry, name, option, on] { return registry->setEngineOption(name, option, onOff(on)); });
}

void PipelineController::setPoolPages(uint64_t pages)
{
    const QString name = m_deviceName;
    DeviceRegistry* registry = &m_registry;
    runControl(tr("Setting the pool of %1 to %2 pages").arg(name).arg(pages), [registry, name, pages] {
        return registry->setEngineOption(name, QStringLiteral("pool"), QString::number(pages));
    });
}

void PipelineController::setTableOption(const QString& option, bool on)
{
    const QString name = m_deviceName;
    const QString baseDirectory = m_baseDirectory;
    const bool trace = m_traceOn;
    DeviceRegistry* registry = &m_registry;
    runControl(tr("Reloading %1 with %2 %3").arg(name, option, onOff(on)), [registry, name, option, on,
                                                                            baseDirectory, trace] {
        auto device = registry->get(name);
        if (!device)
            return device.status();
        QStringList lines;
        CryptMetrics before;
        {
            const std::shared_ptr<Table> table = (*device)->activeTable();
            const CryptTarget* crypt = cryptOf(*table);
            if (!crypt)
                return Status(ErrorCode::InvalidArgument, tr("device \"%1\" has no crypt target").arg(name));
            before = crypt->metrics();
            for (const QString& text : table->lines(StatusType::Table, true)) {
                auto line = TableLine::parse(text);
                if (!line)
                    return line.status();
                if (line->type == u"crypt" && line->words.size() >= 5) {
                    QStringList options = line->words.mid(6);
                    options.removeAll(option);
                    if (on)
                        options += option;
                    line->words = line->words.mid(0, 5);
                    if (!options.isEmpty()) {
                        line->words += QString::number(options.size());
                        line->words += options;
                    }
                }
                lines += joinLine(*line);
            }
        }
        if (Status status = swapTable(*registry, name, lines, baseDirectory); !status)
            return status;
        // Engine settings belong to the target object: carry them over to the new one.
        Status status =
            registry->setEngineOption(name, QStringLiteral("pool"), QString::number(before.poolPageLimit));
        for (const auto& [setting, value] :
             {std::pair{"async", before.asyncMode}, std::pair{"teaching", before.teachingMode},
              std::pair{"trace", trace}}) {
            if (status)
                status = registry->setEngineOption(name, QLatin1String(setting), onOff(value));
        }
        return status;
    });
}

void PipelineController::setLowerDelay(int milliseconds)
{
    const QString name = m_deviceName;
    const QString baseDirectory = m_baseDirectory;
    DeviceRegistry* registry = &m_registry;
    runControl(tr("Setting the delay below %1 to %2 ms").arg(name).arg(milliseconds), [registry, name,
                                                                                       milliseconds,
                                                                                       baseDirectory] {
        auto device = registry->get(name);
        if (!device)
            return device.status();
        QString lowerName;
        {
            const std::shared_ptr<Table> table = (*device)->activeTable();
            const CryptTarget* crypt = cryptOf(*table);
            const QList<DeviceArea> areas = crypt ? crypt->devices() : QList<DeviceArea>();
            if (!areas.isEmpty() && dynamic_cast<MappedDevice*>(areas.first().ref.device.get()))
                lowerName = areas.first().ref.device->displayName();
        }
        auto lower = lowerName.isEmpty()
                         ? Result<std::shared_ptr<MappedDevice>>(Status(
                               ErrorCode::InvalidArgument, tr("the device below \"%1\" is not a mapped "
                                                              "device")
                                                               .arg(name)))
                         : registry->get(lowerName);
        if (!lower)
            return lower.status();
        QStringList lines;
        bool delay = false;
        for (const QString& text : (*lower)->activeTable()->lines(StatusType::Table, true)) {
            auto line = TableLine::parse(text);
            if (!line)
                return line.status();
            if (line->type == u"delay") {
                delay = true;
                for (qsizetype at = 2; at < line->words.size(); at += 3)
                    line->words[at] = QString::number(milliseconds);
            }
            lines += joinLine(*line);
        }
        if (!delay)
            return Status(ErrorCode::InvalidArgument,
                          tr("the device below \"%1\" (\"%2\") is not a delay mapping").arg(name, lowerName));
        return swapTable(*registry, lowerName, lines, baseDirectory);
    });
}

} // namespace cryptstack
