// Paints the crypt pipeline's stages top to bottom — submitter, map, io queue, crypt workers, async
// cipher driver, sorted write tree, lower device — each with a live depth bar, its count of items
// and a note on whether the current configuration routes bios through it. One stage can be
// highlighted (the slow-motion view follows a traced bio with it).
#pragma once

#include "PipelineSample.h"

#include <QWidget>

#include <array>

namespace cryptstack {

class StageDiagram : public QWidget
{
    Q_OBJECT

public:
    explicit StageDiagram(QWidget* parent = nullptr);

    void setSample(const PipelineSample& sample);
    // -1 clears the highlight; the caption is drawn next to the highlighted stage.
    void setHighlight(int stage, const QString& caption = {});
    int highlighted() const { return m_highlight; }

    // The numbers drawn, for tests and the accessible description.
    int64_t depth(PipelineStage stage) const { return m_stages.at(index(stage)).depth; }
    uint64_t items(PipelineStage stage) const { return m_stages.at(index(stage)).items; }
    static QString stageName(PipelineStage stage);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    struct Stage
    {
        int64_t depth = 0;
        int64_t scale = 1; // the bar's full width
        uint64_t items = 0;
        QString detail; // e.g. "kcryptd/<dev>, 3 busy ms"
        bool bypassed = false;
    };
    static size_t index(PipelineStage stage) { return static_cast<size_t>(stage); }

    std::array<Stage, PipelineStageCount> m_stages;
    QString m_pool;
    int m_highlight = -1;
    QString m_caption;
};

} // namespace cryptstack
