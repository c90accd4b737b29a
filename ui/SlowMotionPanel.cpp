#include "SlowMotionPanel.h"

#include "StageDiagram.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

constexpr int MaxListed = 100;
enum Column { IdColumn, OpColumn, SectorColumn, TimeColumn, PathColumn };

QString microseconds(uint64_t ns)
{
    return QString::number(static_cast<double>(ns) / 1000.0, 'f', 1);
}

} // namespace

SlowMotionPanel::SlowMotionPanel(QWidget* parent)
    : QGroupBox(tr("Slow motion"), parent), m_enable(new QCheckBox(tr("Trace &bios"), this)),
      m_list(new QTreeWidget(this)), m_follow(new QPushButton(tr("&Follow a bio"), this)),
      m_caption(new QLabel(this)), m_timer(new QTimer(this))
{
    setObjectName(QStringLiteral("slowMotionPanel"));
    m_enable->setObjectName(QStringLiteral("switchSlowMotion"));
    m_enable->setAccessibleName(tr("Trace bios for slow motion"));
    m_enable->setToolTip(tr("Engine setting: record every piece's stage timestamps"));
    m_list->setObjectName(QStringLiteral("traceList"));
    m_list->setAccessibleName(tr("Traced bios"));
    m_list->setRootIsDecorated(false);
    m_list->setHeaderLabels({tr("Bio"), tr("Op"), tr("Sector"), tr("µs"), tr("Path")});
    m_list->header()->setStretchLastSection(true);
    m_follow->setObjectName(QStringLiteral("followBio"));
    m_follow->setAccessibleName(tr("Follow the selected bio through the stages"));
    m_caption->setObjectName(QStringLiteral("slowMotionCaption"));
    m_caption->setAccessibleName(tr("Where the followed bio is"));
    m_caption->setWordWrap(true);
    m_caption->setText(
        tr("Turn tracing on, run a workload, then follow a bio: the diagram highlights each stage "
           "it passed, slowed down to one step every %1 ms.")
            .arg(StepIntervalMs));
    m_timer->setInterval(StepIntervalMs);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_enable);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_follow);
    layout->addWidget(m_caption);

    connect(m_enable, &QCheckBox::toggled, this, &SlowMotionPanel::tracingChanged);
    connect(m_follow, &QPushButton::clicked, this, &SlowMotionPanel::follow);
    connect(m_timer, &QTimer::timeout, this, &SlowMotionPanel::step);
}

bool SlowMotionPanel::isTracing() const
{
    return m_enable->isChecked();
}

void SlowMotionPanel::setTracing(bool on)
{
    const QSignalBlocker blocker(m_enable);
    m_enable->setChecked(on);
}

bool SlowMotionPanel::isFollowing() const
{
    return m_timer->isActive();
}

PipelineStage SlowMotionPanel::stageFor(TraceStage stage)
{
    switch (stage) {
    case TraceStage::Mapped:
        return PipelineStage::Map;
    case TraceStage::IoQueued:
        return PipelineStage::IoQueue;
    case TraceStage::LowerSubmitted:
    case TraceStage::LowerCompleted:
        return PipelineStage::Lower;
    case TraceStage::CryptQueued:
    case TraceStage::CryptStarted:
    case TraceStage::CryptDone:
        return PipelineStage::CryptQueue;
    case TraceStage::AsyncQueued:
    case TraceStage::AsyncDone:
        return PipelineStage::AsyncQueue;
    case TraceStage::WriteQueued:
        return PipelineStage::WriteTree;
    case TraceStage::Completed:
        return PipelineStage::Submitter;
    }
    return PipelineStage::Map;
}

void SlowMotionPanel::setEvents(const std::vector<TraceEvent>& events)
{
    std::map<uint64_t, std::vector<TraceEvent>> byPiece;
    for (const TraceEvent& event : events)
        byPiece[event.bio].push_back(event);
    m_pieces.clear();
    for (auto& [id, list] : byPiece) {
        // Only pieces seen from map to completion (the ring may have dropped the start of others).
        if (list.front().stage == TraceStage::Mapped && list.back().stage == TraceStage::Completed)
            m_pieces.emplace(id, std::move(list));
    }
    const QTreeWidgetItem* current = m_list->currentItem();
    const qulonglong selected = current ? current->data(IdColumn, Qt::UserRole).toULongLong() : 0;
    m_list->clear();
    int listed = 0;
    for (auto it = m_pieces.rbegin(); it != m_pieces.rend() && listed < MaxListed; ++it, ++listed) {
        const std::vector<TraceEvent>& list = it->second;
        QStringList path;
        for (const TraceEvent& event : list)
            path += QLatin1String(traceStageName(event.stage));
        auto* item = new QTreeWidgetItem(m_list);
        item->setData(IdColumn, Qt::UserRole, static_cast<qulonglong>(it->first));
        item->setText(IdColumn, QString::number(it->first));
        item->setText(OpColumn, list.front().write ? tr("write") : tr("read"));
        item->setText(SectorColumn, QString::number(list.front().sector));
        item->setText(TimeColumn, microseconds(list.back().ns - list.front().ns));
        item->setText(PathColumn, path.join(QStringLiteral(" → ")));
        if (it->first == selected)
            m_list->setCurrentItem(item);
    }
}

void SlowMotionPanel::follow()
{
    if (m_pieces.empty()) {
        m_caption->setText(tr("No traced bio yet: turn tracing on and run a workload."));
        return;
    }
    auto found = m_pieces.end();
    if (const QTreeWidgetItem* item = m_list->currentItem())
        found = m_pieces.find(item->data(IdColumn, Qt::UserRole).toULongLong());
    if (found == m_pieces.end())
        found = std::prev(m_pieces.end());
    m_following = found->second;
    m_step = 0;
    step();
    m_timer->start();
}

void SlowMotionPanel::step()
{
    if (m_step >= m_following.size()) {
        m_timer->stop();
        emit highlight(-1, QString());
        return;
    }
    const TraceEvent& first = m_following.front();
    const TraceEvent& event = m_following.at(m_step);
    const PipelineStage stage = stageFor(event.stage);
    const QString caption = tr("bio %1 (%2, sector %3, %4 bytes): %5 at +%6 µs")
                                .arg(event.bio)
                                .arg(event.write ? tr("write") : tr("read"))
                                .arg(event.sector)
                                .arg(event.bytes)
                                .arg(QLatin1String(traceStageName(event.stage)))
                                .arg(microseconds(event.ns - first.ns));
    m_caption->setText(tr("Step %1 of %2 — %3: %4")
                           .arg(m_step + 1)
                           .arg(m_following.size())
                           .arg(StageDiagram::stageName(stage), caption));
    emit highlight(static_cast<int>(stage), caption);
    ++m_step;
}

} // namespace cryptstack
