// A chart of the crypt pipeline's queue depths and of the workload's throughput over the last
// minute (Qt Charts), fed one point per series each time the view samples the metrics.
#pragma once

#include "PipelineSample.h"

#include <QChartView>

#include <chrono>
#include <optional>

class QLineSeries;
class QValueAxis;

namespace cryptstack {

class QueueChart : public QChartView
{
    Q_OBJECT

public:
    static constexpr double WindowSeconds = 60;

    explicit QueueChart(QWidget* parent = nullptr);

    // Adds the sample's depths and the throughput (MiB/s) measured since the previous sample.
    void addSample(const PipelineSample& sample, double mibPerSecond);
    void clear();
    // Points currently shown per series.
    int pointCount() const;

private:
    QLineSeries* addSeries(const QString& name, QValueAxis* valueAxis);
    void append(QLineSeries* series, double x, double y);

    QValueAxis* m_time;
    QValueAxis* m_depthAxis;
    QValueAxis* m_rateAxis;
    QLineSeries* m_crypt;
    QLineSeries* m_write;
    QLineSeries* m_io;
    QLineSeries* m_async;
    QLineSeries* m_inFlight;
    QLineSeries* m_throughput;
    std::optional<std::chrono::steady_clock::time_point> m_origin;
    double m_depthMax = 8;
    double m_rateMax = 1;
};

} // namespace cryptstack
