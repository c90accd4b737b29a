#include "InspectEntropyPanel.h"

#include "InspectEntropyMap.h"
#include "InspectLayoutMap.h"
#include "InspectTask.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

constexpr unsigned TargetCells = 4096;

const char* const CountObjectNames[4] = {"inspectEntropyZeroed", "inspectEntropyPlaintext",
                                         "inspectEntropyMixed", "inspectEntropyCiphertext"};

} // namespace

InspectEntropyPanel::InspectEntropyPanel(QWidget* parent)
    : QWidget(parent), m_task(std::make_unique<InspectTask>(QStringLiteral("entropy")))
{
    setObjectName(QStringLiteral("inspectEntropyPanel"));
    auto* layout = new QVBoxLayout(this);
    auto* controls = new QHBoxLayout;
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("inspectEntropyRange"));
    m_range->setAccessibleName(tr("Range to scan"));
    m_range->addItem(tr("Whole image"));
    m_range->addItem(tr("Data segment only"));
    controls->addWidget(m_range);
    m_scan = new QPushButton(tr("Scan"), this);
    m_scan->setObjectName(QStringLiteral("inspectEntropyScan"));
    m_scan->setAccessibleName(tr("Scan the image"));
    controls->addWidget(m_scan);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("inspectEntropyCancel"));
    m_cancel->setAccessibleName(tr("Cancel the scan"));
    controls->addWidget(m_cancel);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("inspectEntropyProgress"));
    m_progress->setAccessibleName(tr("Scan progress"));
    controls->addWidget(m_progress, 1);
    layout->addLayout(controls);

    auto* legend = new QHBoxLayout;
    for (int kind = 0; kind < 4; ++kind) {
        auto* swatch = new QLabel(this);
        QPixmap pixmap(12, 12);
        pixmap.fill(InspectEntropyMap::colorFor(SectorClass(kind)));
        swatch->setPixmap(pixmap);
        legend->addWidget(swatch);
        m_counts[size_t(kind)] = new QLabel(this);
        m_counts[size_t(kind)]->setObjectName(QLatin1String(CountObjectNames[kind]));
        m_counts[size_t(kind)]->setAccessibleName(
            tr("%1 blocks").arg(InspectEntropyMap::className(SectorClass(kind))));
        legend->addWidget(m_counts[size_t(kind)]);
        legend->addSpacing(12);
    }
    legend->addStretch(1);
    layout->addLayout(legend);

    m_map = new InspectEntropyMap(this);
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("inspectEntropyScroll"));
    scroll->setAccessibleName(tr("Entropy map scroll area"));
    scroll->setWidgetResizable(true);
    scroll->setWidget(m_map);
    layout->addWidget(scroll, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("inspectEntropyStatus"));
    m_status->setAccessibleName(tr("Scan status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_scan, &QPushButton::clicked, this, &InspectEntropyPanel::scan);
    connect(m_cancel, &QPushButton::clicked, this, &InspectEntropyPanel::cancel);
    connect(m_task.get(), &InspectTask::busyChanged, this, [this](bool busy) {
        m_scan->setEnabled(!busy && !m_path.isEmpty());
        m_cancel->setEnabled(busy);
    });
    clear();
}

InspectEntropyPanel::~InspectEntropyPanel() = default;

void InspectEntropyPanel::setImage(const QString& path, uint64_t imageBytes, uint64_t dataOffset,
                                   uint64_t dataLength)
{
    clear();
    m_path = path;
    m_imageBytes = imageBytes;
    m_dataOffset = dataOffset;
    m_dataLength = dataLength;
    m_range->setEnabled(dataLength > 0);
    if (dataLength == 0)
        m_range->setCurrentIndex(0);
    m_scan->setEnabled(true);
}

void InspectEntropyPanel::clear()
{
    m_task->cancel();
    m_path.clear();
    m_imageBytes = m_dataOffset = m_dataLength = 0;
    m_map->clear();
    m_progress->reset();
    m_status->clear();
    for (QLabel* count : m_counts)
        count->clear();
    m_scan->setEnabled(false);
    m_cancel->setEnabled(m_task->isBusy());
}

bool InspectEntropyPanel::isScanning() const
{
    return m_task->isBusy();
}

void InspectEntropyPanel::cancel()
{
    m_task->cancel();
    m_status->setText(tr("Scan cancelled."));
    emit scanFinished(true);
}

void InspectEntropyPanel::scan()
{
    if (m_path.isEmpty())
        return;
    EntropyScanRequest request;
    request.path = m_path;
    request.targetCells = TargetCells;
    if (m_range->currentIndex() == 1 && m_dataLength > 0) {
        request.start = m_dataOffset;
        request.length = m_dataLength;
    }
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_status->setText(tr("Scanning…"));
    // Progress is posted to the panel: the panel's task joins the thread before the panel's
    // QObject part (and with it any posted call) goes.
    QProgressBar* progress = m_progress;
    m_task->run<Result<EntropyScanResult>>(
        [request, progress](const std::atomic_bool& cancelled) {
            return ImageEntropyScan::run(
                request,
                [progress](uint64_t done, uint64_t total) {
                    const int percent = total ? int(done * 100 / total) : 100;
                    QMetaObject::invokeMethod(
                        progress, [progress, percent] { progress->setValue(percent); }, Qt::QueuedConnection);
                },
                &cancelled);
        },
        [this](Result<EntropyScanResult> result) {
            if (!result) {
                m_status->setText(result.message());
                emit scanFailed(result.message());
                return;
            }
            showResult(*result);
            emit scanFinished(result->cancelled);
        });
}

void InspectEntropyPanel::showResult(const EntropyScanResult& result)
{
    m_map->setResult(result);
    m_progress->setValue(100);
    for (int kind = 0; kind < 4; ++kind)
        m_counts[size_t(kind)]->setText(tr("%1: %2")
                                            .arg(InspectEntropyMap::className(SectorClass(kind)))
                                            .arg(result.counts[size_t(kind)]));
    m_status->setText(tr("%1 blocks of %2 from offset %3.")
                          .arg(result.cells.size())
                          .arg(InspectLayoutMap::byteSize(result.blockBytes))
                          .arg(result.start));
}

} // namespace cryptstack
