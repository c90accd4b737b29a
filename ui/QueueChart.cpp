#include "QueueChart.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>

namespace cryptstack {

QueueChart::QueueChart(QWidget* parent)
    : QChartView(parent), m_time(new QValueAxis), m_depthAxis(new QValueAxis), m_rateAxis(new QValueAxis)
{
    setAccessibleName(tr("Queue depths and throughput over the last minute"));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(200);
    auto* chart = new QChart;
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_time->setTitleText(tr("seconds"));
    m_time->setRange(0, WindowSeconds);
    m_time->setLabelFormat(QStringLiteral("%d"));
    m_depthAxis->setTitleText(tr("depth"));
    m_depthAxis->setLabelFormat(QStringLiteral("%d"));
    m_depthAxis->setRange(0, m_depthMax);
    m_rateAxis->setTitleText(tr("MiB/s"));
    m_rateAxis->setRange(0, m_rateMax);
    chart->addAxis(m_time, Qt::AlignBottom);
    chart->addAxis(m_depthAxis, Qt::AlignLeft);
    chart->addAxis(m_rateAxis, Qt::AlignRight);
    setChart(chart);
    m_crypt = addSeries(tr("crypt workers"), m_depthAxis);
    m_write = addSeries(tr("write tree"), m_depthAxis);
    m_io = addSeries(tr("I/O queue"), m_depthAxis);
    m_async = addSeries(tr("async driver"), m_depthAxis);
    m_inFlight = addSeries(tr("bios in flight"), m_depthAxis);
    m_throughput = addSeries(tr("throughput"), m_rateAxis);
    QPen pen = m_throughput->pen();
    pen.setColor(QColor(40, 40, 40)); // apart from the depth series' theme colours
    pen.setWidth(3);
    m_throughput->setPen(pen);
}

QLineSeries* QueueChart::addSeries(const QString& name, QValueAxis* valueAxis)
{
    auto* series = new QLineSeries;
    series->setName(name);
    chart()->addSeries(series);
    series->attachAxis(m_time);
    series->attachAxis(valueAxis);
    return series;
}

void QueueChart::append(QLineSeries* series, double x, double y)
{
    series->append(x, y);
    // Drop what has scrolled out of the window (one point at most, at the sampling rate).
    int old = 0;
    while (old < series->count() && series->at(old).x() < x - WindowSeconds - 1)
        ++old;
    if (old > 0)
        series->removePoints(0, old);
}

void QueueChart::addSample(const PipelineSample& sample, double mibPerSecond)
{
    if (!m_origin)
        m_origin = sample.when;
    const double x = std::chrono::duration<double>(sample.when - *m_origin).count();
    const CryptMetrics& m = sample.metrics;
    append(m_crypt, x, static_cast<double>(m.cryptQueue.depth));
    append(m_write, x, static_cast<double>(m.writeTree.depth));
    append(m_io, x, static_cast<double>(m.ioQueue.depth));
    append(m_async, x, static_cast<double>(m.asyncQueue.depth));
    append(m_inFlight, x, static_cast<double>(m.biosInFlight));
    append(m_throughput, x, mibPerSecond);
    m_depthMax = std::max({m_depthMax, static_cast<double>(m.cryptQueue.depth),
                           static_cast<double>(m.writeTree.depth), static_cast<double>(m.ioQueue.depth),
                           static_cast<double>(m.asyncQueue.depth), static_cast<double>(m.biosInFlight)});
    m_rateMax = std::max(m_rateMax, mibPerSecond * 1.1);
    m_depthAxis->setRange(0, m_depthMax);
    m_rateAxis->setRange(0, m_rateMax);
    m_time->setRange(std::max(0.0, x - WindowSeconds), std::max(WindowSeconds, x));
}

void QueueChart::clear()
{
    for (QLineSeries* series : {m_crypt, m_write, m_io, m_async, m_inFlight, m_throughput})
        series->clear();
    m_origin.reset();
    m_depthMax = 8;
    m_rateMax = 1;
    m_time->setRange(0, WindowSeconds);
}

int QueueChart::pointCount() const
{
    return static_cast<int>(m_throughput->count());
}

} // namespace cryptstack
