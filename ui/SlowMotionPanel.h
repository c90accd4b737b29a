// Slow motion: with tracing on, lists the pieces the crypt pipeline traced and follows one of them
// through the stages, a step every StepInterval, reporting where it was and when (from BioTrace).
#pragma once

#include "PipelineSample.h"
#include "crypt/BioTrace.h"

#include <QGroupBox>

#include <map>
#include <vector>

class QCheckBox;
class QLabel;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace cryptstack {

class SlowMotionPanel : public QGroupBox
{
    Q_OBJECT

public:
    static constexpr int StepIntervalMs = 700;

    explicit SlowMotionPanel(QWidget* parent = nullptr);

    bool isTracing() const;
    void setTracing(bool on); // shows the state without emitting
    // Replaces the list with the completed pieces among these events (newest first).
    void setEvents(const std::vector<TraceEvent>& events);
    // Follows the selected piece (or the newest one) through its stages.
    void follow();
    bool isFollowing() const;

    static PipelineStage stageFor(TraceStage stage);

signals:
    void tracingChanged(bool on);
    // The stage the followed piece is at (-1: none) and a caption for it.
    void highlight(int stage, const QString& caption);

private:
    void step();

    QCheckBox* m_enable;
    QTreeWidget* m_list;
    QPushButton* m_follow;
    QLabel* m_caption;
    QTimer* m_timer;
    std::map<uint64_t, std::vector<TraceEvent>> m_pieces; // completed pieces by trace id
    std::vector<TraceEvent> m_following;
    size_t m_step = 0;
};

} // namespace cryptstack
