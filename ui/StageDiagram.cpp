#include "StageDiagram.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace cryptstack {

namespace {

constexpr int RowHeight = 46;
constexpr int RowGap = 12;
constexpr int Margin = 8;
constexpr int MinimumScale = 4;

} // namespace

StageDiagram::StageDiagram(QWidget* parent) : QWidget(parent)
{
    setAccessibleName(tr("Pipeline stages"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

QString StageDiagram::stageName(PipelineStage stage)
{
    switch (stage) {
    case PipelineStage::Submitter:
        return tr("Submitter");
    case PipelineStage::Map:
        return tr("Map");
    case PipelineStage::IoQueue:
        return tr("I/O queue");
    case PipelineStage::CryptQueue:
        return tr("Crypt workers");
    case PipelineStage::AsyncQueue:
        return tr("Async cipher driver");
    case PipelineStage::WriteTree:
        return tr("Sorted write tree");
    case PipelineStage::Lower:
        return tr("Lower device");
    }
    return {};
}

void StageDiagram::setSample(const PipelineSample& sample)
{
    const CryptMetrics& m = sample.metrics;
    const PipelineConfig& c = sample.config;
    auto set = [this](PipelineStage which, int64_t depth, int64_t peak, uint64_t items, QString detail,
                      bool bypassed) {
        Stage& stage = m_stages.at(index(which));
        stage.depth = depth;
        stage.scale = std::max<int64_t>({stage.scale, peak, depth, MinimumScale});
        stage.items = items;
        stage.detail = std::move(detail);
        stage.bypassed = bypassed;
    };
    const WorkloadProgress& p = sample.progress;
    set(PipelineStage::Submitter, p.inFlight, p.inFlight, p.opsRead + p.opsWritten,
        tr("workload threads: requests in flight, completed"), false);
    set(PipelineStage::Map, m.biosInFlight, m.biosInFlight, 0,
        c.teaching           ? tr("teaching mode: map encrypts inline and waits for pool pages")
        : c.noWriteWorkqueue ? tr("crypt_map: writes are encrypted here (no_write_workqueue)")
                             : tr("crypt_map on the submitting thread: never waits"),
        false);
    set(PipelineStage::IoQueue, m.ioQueue.depth, m.ioQueue.peakDepth, m.ioQueue.items,
        tr("kcryptd_io: reads whose clone cannot be had without waiting"), false);
    QString cryptDetail = c.sameCpuCrypt ? tr("kcryptd: one queue per CPU, pinned (same_cpu_crypt)")
                                         : tr("kcryptd: one shared queue, a worker per core");
    if (c.noReadWorkqueue)
        cryptDetail += tr("; reads decrypt in the completion context");
    set(PipelineStage::CryptQueue, m.cryptQueue.depth, m.cryptQueue.peakDepth, m.cryptQueue.items,
        cryptDetail, c.noReadWorkqueue && (c.noWriteWorkqueue || c.teaching));
    set(PipelineStage::AsyncQueue, m.asyncQueue.depth, m.asyncQueue.peakDepth, m.asyncQueue.items,
        c.async ? tr("cryptd: queue of 32, %n request(s) backlogged", nullptr,
                     static_cast<int>(std::min<uint64_t>(m.asyncBacklogged, INT32_MAX)))
                : tr("off: ciphers complete synchronously"),
        !c.async);
    set(PipelineStage::WriteTree, m.writeTree.depth, m.writeTree.peakDepth, m.writeTree.items,
        c.noWriteWorkqueue ? tr("bypassed: writes are submitted from map (no_write_workqueue)")
        : c.submitFromCryptCpus
            ? tr("dmcrypt_write; workers submit their own writes (submit_from_crypt_cpus)")
            : tr("dmcrypt_write: submits encrypted writes in sector order"),
        c.noWriteWorkqueue);
    QString lowerDetail = c.lowerName;
    if (c.lowerDelayMs >= 0)
        lowerDetail += u' ' + tr("(delay %1 ms)").arg(c.lowerDelayMs);
    if (sample.lowerInFlight < 0)
        lowerDetail += u' ' + tr("(an image file: not counted)");
    set(PipelineStage::Lower, std::max<int64_t>(sample.lowerInFlight, 0), 0, sample.lowerCompleted,
        lowerDetail, false);
    m_pool = tr("Page pool: %1 of %2 pages in use").arg(m.poolPagesInUse).arg(m.poolPageLimit);
    QStringList description;
    for (int i = 0; i < PipelineStageCount; ++i) {
        const auto stage = static_cast<PipelineStage>(i);
        description += tr("%1: depth %2, %3 items").arg(stageName(stage)).arg(depth(stage)).arg(items(stage));
    }
    setAccessibleDescription(description.join(QStringLiteral("; ")));
    update();
}

void StageDiagram::setHighlight(int stage, const QString& caption)
{
    m_highlight = stage;
    m_caption = caption;
    update();
}

QSize StageDiagram::sizeHint() const
{
    return {560, Margin * 2 + PipelineStageCount * (RowHeight + RowGap) + fontMetrics().height() * 2};
}

QSize StageDiagram::minimumSizeHint() const
{
    return {380, sizeHint().height()};
}

void StageDiagram::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const QFontMetrics metrics = fontMetrics();
    const int width = this->width() - 2 * Margin;
    const int nameWidth = std::min(170, width / 4);
    const int countWidth = metrics.horizontalAdvance(tr("depth 0000 · 00000000 items")) + 8;
    const int barWidth = std::max(40, width - nameWidth - countWidth - 16);
    const QColor barColour = pal.color(QPalette::Highlight);
    const QColor dim = pal.color(QPalette::Disabled, QPalette::Text);

    for (int i = 0; i < PipelineStageCount; ++i) {
        const Stage& stage = m_stages.at(static_cast<size_t>(i));
        const int top = Margin + i * (RowHeight + RowGap);
        const QRect row(Margin, top, width, RowHeight);
        QColor fill = pal.color(QPalette::AlternateBase);
        if (i == m_highlight)
            fill = QColor(255, 214, 102);
        painter.setPen(stage.bypassed ? dim : pal.color(QPalette::Mid));
        painter.setBrush(fill);
        painter.drawRoundedRect(row, 6, 6);

        painter.setPen(stage.bypassed ? dim : pal.color(QPalette::Text));
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        const QRect nameRect(row.left() + 8, top + 4, nameWidth, metrics.height());
        painter.drawText(
            nameRect, Qt::AlignLeft | Qt::AlignVCenter,
            metrics.elidedText(stageName(static_cast<PipelineStage>(i)), Qt::ElideRight, nameWidth));
        painter.setFont(font());

        const QRect bar(row.left() + 8 + nameWidth, top + 6, barWidth, metrics.height() - 2);
        painter.setPen(pal.color(QPalette::Mid));
        painter.setBrush(pal.color(QPalette::Base));
        painter.drawRect(bar);
        if (stage.depth > 0 && !stage.bypassed) {
            const double share =
                std::min(1.0, static_cast<double>(stage.depth) / static_cast<double>(stage.scale));
            QRect filled = bar.adjusted(1, 1, -1, -1);
            filled.setWidth(std::max(2, static_cast<int>(filled.width() * share)));
            painter.setPen(Qt::NoPen);
            painter.setBrush(barColour);
            painter.drawRect(filled);
        }
        painter.setPen(stage.bypassed ? dim : pal.color(QPalette::Text));
        const QRect countRect(bar.right() + 8, top + 4, countWidth, metrics.height());
        painter.drawText(countRect, Qt::AlignLeft | Qt::AlignVCenter,
                         tr("depth %1 · %2 items").arg(stage.depth).arg(stage.items));
        const QRect detailRect(row.left() + 8, top + 6 + metrics.height(), width - 16, metrics.height());
        QString detail = stage.detail;
        if (i == m_highlight && !m_caption.isEmpty())
            detail = m_caption;
        painter.drawText(detailRect, Qt::AlignLeft | Qt::AlignVCenter,
                         metrics.elidedText(detail, Qt::ElideRight, detailRect.width()));

        if (i + 1 < PipelineStageCount) {
            // An arrow down to the next stage.
            const int x = row.left() + 24;
            const int y0 = row.bottom() + 1;
            const int y1 = y0 + RowGap - 1;
            painter.setPen(QPen(pal.color(QPalette::Text), 1.5));
            painter.drawLine(x, y0, x, y1);
            QPainterPath head;
            head.moveTo(x - 4, y1 - 5);
            head.lineTo(x, y1);
            head.lineTo(x + 4, y1 - 5);
            painter.setBrush(Qt::NoBrush);
            painter.drawPath(head);
        }
    }
    painter.setPen(pal.color(QPalette::Text));
    const int bottom = Margin + PipelineStageCount * (RowHeight + RowGap);
    painter.drawText(QRect(Margin, bottom, width, metrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                     m_pool);
}

} // namespace cryptstack
