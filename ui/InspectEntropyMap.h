// The entropy map: one square per block of the scanned range (ImageEntropyScan), left to right
// and top to bottom, coloured by class: zeroed, plaintext-like, mixed, ciphertext-like. Hovering
// a cell shows its byte range, class and entropy.
#pragma once

#include "probe/ImageEntropyScan.h"

#include <QColor>
#include <QWidget>

namespace cryptstack {

class InspectEntropyMap : public QWidget
{
    Q_OBJECT

public:
    static constexpr int Columns = 64;

    explicit InspectEntropyMap(QWidget* parent = nullptr);

    void setResult(const EntropyScanResult& result);
    void clear();
    const EntropyScanResult& result() const { return m_result; }

    // Hit test: the cell index under this point, or -1.
    int cellAt(const QPoint& point) const;
    QRect cellRect(int index) const;
    QString toolTipAt(const QPoint& point) const;
    static QColor colorFor(SectorClass kind);
    static QString className(SectorClass kind);

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    int cellSize() const;

    EntropyScanResult m_result;
};

} // namespace cryptstack
