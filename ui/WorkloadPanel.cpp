#include "WorkloadPanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>

namespace cryptstack {

namespace {

// Long enough to count as "until stopped".
constexpr std::chrono::hours UntilStopped{24};

} // namespace

WorkloadPanel::WorkloadPanel(QWidget* parent)
    : QGroupBox(tr("Workload"), parent), m_pattern(new QComboBox(this)), m_op(new QComboBox(this)),
      m_blockSize(new QComboBox(this)), m_queueDepth(new QSpinBox(this)), m_threads(new QSpinBox(this)),
      m_rate(new QSpinBox(this)), m_start(new QPushButton(tr("&Start"), this)),
      m_stop(new QPushButton(tr("S&top"), this)), m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("workloadPanel"));
    m_pattern->setObjectName(QStringLiteral("workloadPattern"));
    m_pattern->setAccessibleName(tr("Access pattern"));
    m_pattern->addItem(tr("Sequential"), static_cast<int>(WorkloadPattern::Sequential));
    m_pattern->addItem(tr("Random"), static_cast<int>(WorkloadPattern::Random));

    m_op->setObjectName(QStringLiteral("workloadOp"));
    m_op->setAccessibleName(tr("Operation"));
    m_op->addItem(tr("Read"), static_cast<int>(WorkloadOp::Read));
    m_op->addItem(tr("Write"), static_cast<int>(WorkloadOp::Write));
    m_op->addItem(tr("Mixed (50% reads)"), static_cast<int>(WorkloadOp::Mixed));
    m_op->setCurrentIndex(1);

    m_blockSize->setObjectName(QStringLiteral("workloadBlockSize"));
    m_blockSize->setAccessibleName(tr("Block size"));
    const QLocale locale;
    for (uint32_t size : {4096u, 16384u, 65536u, 131072u, 524288u, 1048576u})
        m_blockSize->addItem(locale.formattedDataSize(size, 0, QLocale::DataSizeTraditionalFormat), size);
    m_blockSize->setCurrentIndex(2);

    m_queueDepth->setObjectName(QStringLiteral("workloadQueueDepth"));
    m_queueDepth->setAccessibleName(tr("Queue depth per thread"));
    m_queueDepth->setRange(1, 256);
    m_queueDepth->setValue(8);

    m_threads->setObjectName(QStringLiteral("workloadThreads"));
    m_threads->setAccessibleName(tr("Submitting threads"));
    m_threads->setRange(1, 16);
    m_threads->setValue(1);

    m_rate->setObjectName(QStringLiteral("workloadRate"));
    m_rate->setAccessibleName(tr("Rate limit in requests per second"));
    m_rate->setRange(0, 1000000);
    m_rate->setSingleStep(100);
    m_rate->setSpecialValueText(tr("unlimited"));
    m_rate->setSuffix(tr(" IOPS"));

    m_start->setObjectName(QStringLiteral("startWorkload"));
    m_start->setAccessibleName(tr("Start the workload"));
    m_stop->setObjectName(QStringLiteral("stopWorkload"));
    m_stop->setAccessibleName(tr("Stop the workload"));
    m_stop->setEnabled(false);
    m_status->setObjectName(QStringLiteral("workloadStatus"));
    m_status->setAccessibleName(tr("Workload status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* form = new QFormLayout;
    form->addRow(tr("&Pattern:"), m_pattern);
    form->addRow(tr("&Operation:"), m_op);
    form->addRow(tr("&Block size:"), m_blockSize);
    form->addRow(tr("&Queue depth:"), m_queueDepth);
    form->addRow(tr("T&hreads:"), m_threads);
    form->addRow(tr("&Rate:"), m_rate);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_status);

    connect(m_start, &QPushButton::clicked, this, &WorkloadPanel::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &WorkloadPanel::stopRequested);
}

WorkloadSpec WorkloadPanel::spec() const
{
    WorkloadSpec spec;
    spec.pattern = static_cast<WorkloadPattern>(m_pattern->currentData().toInt());
    spec.op = static_cast<WorkloadOp>(m_op->currentData().toInt());
    spec.blockSize = m_blockSize->currentData().toUInt();
    spec.queueDepth = static_cast<uint32_t>(m_queueDepth->value());
    spec.threads = static_cast<uint32_t>(m_threads->value());
    spec.rateIops = static_cast<uint64_t>(m_rate->value());
    spec.runtime = UntilStopped;
    return spec;
}

void WorkloadPanel::setSpec(const WorkloadSpec& spec)
{
    m_pattern->setCurrentIndex(m_pattern->findData(static_cast<int>(spec.pattern)));
    m_op->setCurrentIndex(m_op->findData(static_cast<int>(spec.op)));
    const int size = m_blockSize->findData(spec.blockSize);
    if (size >= 0)
        m_blockSize->setCurrentIndex(size);
    m_queueDepth->setValue(static_cast<int>(spec.queueDepth));
    m_threads->setValue(static_cast<int>(spec.threads));
    m_rate->setValue(static_cast<int>(spec.rateIops));
}

void WorkloadPanel::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    for (QWidget* control :
         std::initializer_list<QWidget*>{m_pattern, m_op, m_blockSize, m_queueDepth, m_threads, m_rate})
        control->setEnabled(!running);
}

void WorkloadPanel::setStatusText(const QString& text)
{
    m_status->setText(text);
}

} // namespace cryptstack
