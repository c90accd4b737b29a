#include "BenchmarkView.h"

#include "dm/DeviceRegistry.h"
#include "formats/CipherBenchmark.h"
#include "formats/Pbkdf.h"
#include "workload/WorkloadRunner.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

namespace cryptstack {

namespace {

QTableWidget* makeTable(const QString& objectName, const QString& accessibleName, const QStringList& headers,
                        QWidget* parent)
{
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setObjectName(objectName);
    table->setAccessibleName(accessibleName);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

QTableWidgetItem* numberItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

BenchmarkView::BenchmarkView(DeviceRegistry& registry, QWidget* parent)
    : QWidget(parent), m_registry(registry),
      m_cipherTable(makeTable(QStringLiteral("cipherBenchmarkTable"), tr("Cipher speeds"),
                              {tr("Algorithm"), tr("Key"), tr("Encryption"), tr("Decryption")}, this)),
      m_pbkdfTable(makeTable(QStringLiteral("pbkdfBenchmarkTable"), tr("Key derivation speeds"),
                             {tr("Function"), tr("Result for a 256-bit key")}, this)),
      m_workloadTable(makeTable(
          QStringLiteral("workloadResultTable"), tr("Workload results"),
          {tr("Device"), tr("Workload"), tr("MB/s"), tr("IOPS"), tr("p50 µs"), tr("p99 µs"), tr("p99.9 µs")},
          this)),
      m_encryptBars(new QBarSet(tr("Encryption"))), m_decryptBars(new QBarSet(tr("Decryption"))),
      m_categories(new QBarCategoryAxis), m_speedAxis(new QValueAxis),
      m_runCiphers(new QPushButton(tr("Run &Cipher Benchmark"), this)),
      m_runWorkload(new QPushButton(tr("Run &Workload"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)), m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)), m_device(new QComboBox(this)), m_rw(new QComboBox(this)),
      m_blockSize(new QComboBox(this)), m_queueDepth(new QSpinBox(this)), m_seconds(new QSpinBox(this)),
      m_runner(std::make_unique<WorkloadRunner>()),
      m_task(std::make_unique<VolumeTask>(QStringLiteral("gui-benchmark")))
{
    setObjectName(QStringLiteral("benchmarkView"));
    m_runCiphers->setObjectName(QStringLiteral("runCipherBenchmark"));
    m_runCiphers->setAccessibleName(tr("Run the cipher and key derivation benchmark"));
    m_runWorkload->setObjectName(QStringLiteral("runWorkloadBenchmark"));
    m_runWorkload->setAccessibleName(tr("Run the workload on the chosen device"));
    m_cancel->setObjectName(QStringLiteral("cancelBenchmark"));
    m_cancel->setAccessibleName(tr("Cancel the running benchmark"));
    m_cancel->setEnabled(false);
    m_progress->setObjectName(QStringLiteral("benchmarkProgress"));
    m_progress->setAccessibleName(tr("Benchmark progress"));
    m_progress->setTextVisible(false);
    m_progress->setRange(0, 1);
    m_status->setObjectName(QStringLiteral("benchmarkStatus"));
    m_status->setAccessibleName(tr("Benchmark status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setText(tr("Measures in memory only, as cryptsetup benchmark does: no storage I/O."));

    // The chart: one category per cipher row, encryption and decryption side by side.
    auto* series = new QHorizontalBarSeries;
    series->append(m_encryptBars);
    series->append(m_decryptBars);
    auto* chart = new QChart;
    chart->addSeries(series);
    chart->setTitle(tr("Cipher throughput (MiB/s, 4 KiB units, in memory)"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->addAxis(m_categories, Qt::AlignLeft);
    chart->addAxis(m_speedAxis, Qt::AlignBottom);
    series->attachAxis(m_categories);
    series->attachAxis(m_speedAxis);
    m_speedAxis->setLabelFormat(QStringLiteral("%d"));
    m_speedAxis->setRange(0, 1);
    auto* chartView = new QChartView(chart, this);
    chartView->setObjectName(QStringLiteral("cipherBenchmarkChart"));
    chartView->setAccessibleName(tr("Cipher throughput chart"));
    chartView->setRenderHint(QPainter::Antialiasing);
    chartView->setMinimumHeight(260);

    m_device->setObjectName(QStringLiteral("workloadDevice"));
    m_device->setAccessibleName(tr("Device to run the workload on"));
    m_rw->setObjectName(QStringLiteral("workloadMode"));
    m_rw->setAccessibleName(tr("Workload access mode"));
    for (const char* mode : {"read", "write", "randread", "randwrite", "randrw"})
        m_rw->addItem(QLatin1String(mode), QLatin1String(mode));
    m_blockSize->setObjectName(QStringLiteral("workloadBlock"));
    m_blockSize->setAccessibleName(tr("Request size"));
    for (const char* size : {"4k", "64k", "1m"})
        m_blockSize->addItem(QLatin1String(size), QLatin1String(size));
    m_blockSize->setCurrentIndex(2);
    m_queueDepth->setObjectName(QStringLiteral("workloadDepth"));
    m_queueDepth->setAccessibleName(tr("Requests in flight"));
    m_queueDepth->setRange(1, 128);
    m_queueDepth->setValue(4);
    m_seconds->setObjectName(QStringLiteral("workloadSeconds"));
    m_seconds->setAccessibleName(tr("Run time in seconds"));
    m_seconds->setRange(1, 600);
    m_seconds->setValue(3);
    m_seconds->setSuffix(tr(" s"));

    auto* workloadForm = new QFormLayout;
    workloadForm->addRow(tr("&Device:"), m_device);
    workloadForm->addRow(tr("&Mode:"), m_rw);
    workloadForm->addRow(tr("Request &size:"), m_blockSize);
    workloadForm->addRow(tr("&Queue depth:"), m_queueDepth);
    workloadForm->addRow(tr("&Run time:"), m_seconds);
    workloadForm->addRow(m_runWorkload);
    auto* workloadBox = new QGroupBox(tr("Workload on a mapped device"), this);
    auto* workloadLayout = new QHBoxLayout(workloadBox);
    workloadLayout->addLayout(workloadForm);
    workloadLayout->addWidget(m_workloadTable, 1);

    auto* tableColumn = new QSplitter(Qt::Vertical, this);
    tableColumn->addWidget(m_cipherTable);
    tableColumn->addWidget(m_pbkdfTable);
    tableColumn->setSizes({3, 2});
    auto* tables = new QSplitter(Qt::Horizontal, this);
    tables->addWidget(tableColumn);
    tables->addWidget(chartView);
    tables->setSizes({520, 680});

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_runCiphers);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_progress, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(tables, 2);
    layout->addWidget(workloadBox, 1);

    connect(m_runCiphers, &QPushButton::clicked, this, &BenchmarkView::runCipherBenchmark);
    connect(m_runWorkload, &QPushButton::clicked, this, &BenchmarkView::runWorkload);
    connect(m_cancel, &QPushButton::clicked, this, &BenchmarkView::cancel);
    // Queued after the rows the job posted, so the table is complete when finished() is emitted.
    connect(m_task.get(), &VolumeTask::finished, this, [this] {
        setBusy(false);
        emit finished();
    });
    refreshDevices();
}

BenchmarkView::~BenchmarkView()
{
    cancel(); // m_task, the last member, joins the worker before the others go
}

void BenchmarkView::refreshDevices()
{
    const QString current = m_device->currentText();
    m_device->clear();
    m_device->addItems(m_registry.names());
    m_device->setCurrentIndex(std::max(0, m_device->findText(current)));
    m_runWorkload->setEnabled(!isBusy() && m_device->count() > 0);
}

void BenchmarkView::cancel()
{
    m_task->cancel();
    m_runner->cancel();
}

void BenchmarkView::setBusy(bool busy)
{
    m_runCiphers->setEnabled(!busy);
    m_runWorkload->setEnabled(!busy && m_device->count() > 0);
    m_cancel->setEnabled(busy);
    m_progress->setRange(0, busy ? 0 : 1); // a busy indicator while a measurement runs
}

void BenchmarkView::startWorker(VolumeTask::Job job)
{
    if (m_task->start(std::move(job)))
        setBusy(true);
}

void BenchmarkView::runCipherBenchmark()
{
    if (isBusy())
        return;
    m_cipherTable->setRowCount(0);
    m_pbkdfTable->setRowCount(0);
    m_encryptBars->remove(0, m_encryptBars->count());
    m_decryptBars->remove(0, m_decryptBars->count());
    m_categories->clear();
    m_speedAxis->setRange(0, 1);
    m_status->setText(tr("Measuring key derivation and cipher speeds…"));
    const auto perDirection = m_perDirection;
    startWorker([this, perDirection](const VolumeTask::Context& context) {
        const std::atomic_bool* cancelled = context.cancelFlag();
        const auto post = [this](auto function) {
            QMetaObject::invokeMethod(this, std::move(function), Qt::QueuedConnection);
        };
        // The PBKDF lines first, in cryptsetup benchmark's order.
        for (const char* hash : {"sha1", "sha256", "sha512", "ripemd160", "whirlpool"}) {
            if (context.isCancelled())
                break;
            const QString name = QStringLiteral("PBKDF2-%1").arg(QLatin1String(hash));
            auto perSecond = Pbkdf::pbkdf2IterationsPerSecond(QLatin1String(hash), 32, cancelled);
            const QString value =
                perSecond ? tr("%L1 iterations per second").arg(*perSecond) : tr("not available");
            post([this, name, value] { addPbkdfRow(name, value); });
        }
        for (const char* type : {"argon2i", "argon2id"}) {
            if (context.isCancelled())
                break;
            KdfRequest request;
            request.type = QLatin1String(type);
            auto params = Pbkdf::resolve(request, request.type, QStringLiteral("sha256"), 32, cancelled);
            const QString value = params ? tr("%1 iterations, %L2 KiB memory, %3 threads for 2 s")
                                               .arg(params->iterations)
                                               .arg(params->memoryKiB)
                                               .arg(params->parallel)
                                         : tr("not available");
            post([this, name = QString::fromLatin1(type), value] { addPbkdfRow(name, value); });
        }
        const auto& rows = CipherBenchmark::standardRows();
        for (int i = 0; i < static_cast<int>(rows.size()) && !context.isCancelled(); ++i) {
            const auto speed = CipherBenchmark::measure(rows[i], perDirection, cancelled);
            if (context.isCancelled())
                break;
            post([this, label = rows[i].label(), keyBytes = rows[i].keyBytes, speed] {
                addCipherRow(label, keyBytes, speed);
            });
        }
        post([this, wasCancelled = context.isCancelled()] {
            m_status->setText(wasCancelled ? tr("Cancelled; the rows above were measured before.")
                                           : tr("Done. Measured in memory only, as cryptsetup benchmark "
                                                "does: no storage I/O."));
        });
        return Status::ok();
    });
}

void BenchmarkView::addPbkdfRow(const QString& name, const QString& value)
{
    const int row = m_pbkdfTable->rowCount();
    m_pbkdfTable->insertRow(row);
    m_pbkdfTable->setItem(row, 0, new QTableWidgetItem(name));
    m_pbkdfTable->setItem(row, 1, new QTableWidgetItem(value));
}

void BenchmarkView::addCipherRow(const QString& label, size_t keyBytes, std::optional<CipherSpeed> speed)
{
    const int at = m_cipherTable->rowCount();
    m_cipherTable->insertRow(at);
    m_cipherTable->setItem(at, 0, new QTableWidgetItem(label));
    m_cipherTable->setItem(at, 1, numberItem(tr("%1 b").arg(keyBytes * 8)));
    const QString na = tr("N/A");
    m_cipherTable->setItem(at, 2,
                           numberItem(speed ? tr("%1 MiB/s").arg(speed->encryptMiBps, 0, 'f', 1) : na));
    m_cipherTable->setItem(at, 3,
                           numberItem(speed ? tr("%1 MiB/s").arg(speed->decryptMiBps, 0, 'f', 1) : na));
    const QString category = tr("%1 %2b").arg(label).arg(keyBytes * 8);
    m_categories->append(category);
    m_encryptBars->append(speed ? speed->encryptMiBps : 0);
    m_decryptBars->append(speed ? speed->decryptMiBps : 0);
    if (speed)
        m_speedAxis->setMax(
            std::max({m_speedAxis->max(), speed->encryptMiBps * 1.1, speed->decryptMiBps * 1.1}));
}

void BenchmarkView::runWorkload()
{
    if (isBusy() || m_device->count() == 0)
        return;
    const QString name = m_device->currentText();
    auto device = m_registry.get(name);
    if (!device) {
        showError(tr("The device %1 is gone.").arg(name), device.status().message());
        refreshDevices();
        return;
    }
    const QStringList words = {QStringLiteral("--rw"),      m_rw->currentData().toString(),
                               QStringLiteral("--bs"),      m_blockSize->currentData().toString(),
                               QStringLiteral("--iodepth"), QString::number(m_queueDepth->value()),
                               QStringLiteral("--runtime"), QStringLiteral("%1s").arg(m_seconds->value())};
    auto spec = WorkloadSpec::parse(words);
    if (!spec) {
        showError(tr("The workload settings are not valid."), spec.status().message());
        return;
    }
    const QString description =
        tr("%1, %2 requests, depth %3")
            .arg(m_rw->currentData().toString(), m_blockSize->currentData().toString())
            .arg(m_queueDepth->value());
    m_status->setText(tr("Running %1 on %2…").arg(description, name));
    startWorker([this, device = *device, spec = *spec, description](const VolumeTask::Context&) {
        auto result = m_runner->run(*device, spec); // cancel() stops the runner itself
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result), description]() mutable {
                if (!result) {
                    showError(tr("The workload could not start."), result.status().message());
                    return;
                }
                addWorkloadRow(*result, description);
                if (!result->status)
                    showError(tr("The workload stopped on an error."), result->status.message());
                else
                    m_status->setText(result->cancelled ? tr("Cancelled; the row shows what ran until then.")
                                                        : tr("Done."));
            },
            Qt::QueuedConnection);
        return Status::ok();
    });
}

void BenchmarkView::addWorkloadRow(const WorkloadResult& result, const QString& description)
{
    const int row = m_workloadTable->rowCount();
    m_workloadTable->insertRow(row);
    const QString workload = tr("%1, %2 s").arg(description).arg(result.seconds(), 0, 'f', 1);
    const auto micros = [](uint64_t ns) {
        return QString::number(static_cast<double>(ns) / 1000.0, 'f', 1);
    };
    m_workloadTable->setItem(row, 0, new QTableWidgetItem(result.device));
    m_workloadTable->setItem(row, 1, new QTableWidgetItem(workload));
    m_workloadTable->setItem(row, 2, numberItem(QString::number(result.mbPerSecond(), 'f', 1)));
    m_workloadTable->setItem(row, 3, numberItem(QString::number(result.iops(), 'f', 0)));
    m_workloadTable->setItem(row, 4, numberItem(micros(result.latency.p50Ns)));
    m_workloadTable->setItem(row, 5, numberItem(micros(result.latency.p99Ns)));
    m_workloadTable->setItem(row, 6, numberItem(micros(result.latency.p999Ns)));
}

void BenchmarkView::showError(const QString& what, const QString& detail)
{
    // The words first; the engine's message (what cryptsetup would print) on hover and selectable.
    m_status->setText(QStringLiteral("%1 <span style=\"color:gray\">(%2)</span>")
                          .arg(what.toHtmlEscaped(), detail.toHtmlEscaped()));
    m_status->setToolTip(detail);
}

} // namespace cryptstack
