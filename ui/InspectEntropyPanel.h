// The Entropy tab: scans the whole image or only the data segment (ImageEntropyScan on a worker
// thread, with progress and cancel) and shows the entropy map, a legend and the count per class.
#pragma once

#include "probe/ImageEntropyScan.h"

#include <QWidget>

#include <array>
#include <memory>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace cryptstack {

class InspectEntropyMap;
class InspectTask;

class InspectEntropyPanel : public QWidget
{
    Q_OBJECT

public:
    explicit InspectEntropyPanel(QWidget* parent = nullptr);
    ~InspectEntropyPanel() override;

    // dataOffset/dataLength: the data segment (offer "data segment only" when dataLength > 0).
    void setImage(const QString& path, uint64_t imageBytes, uint64_t dataOffset, uint64_t dataLength);
    void clear();
    void scan();
    void cancel();
    bool isScanning() const;
    InspectEntropyMap* map() const { return m_map; }

signals:
    void scanFinished(bool cancelled);
    void scanFailed(const QString& message);

private:
    void showResult(const EntropyScanResult& result);

    std::unique_ptr<InspectTask> m_task;
    QString m_path;
    uint64_t m_imageBytes = 0;
    uint64_t m_dataOffset = 0;
    uint64_t m_dataLength = 0;

    QComboBox* m_range;
    QPushButton* m_scan;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    InspectEntropyMap* m_map;
    std::array<QLabel*, 4> m_counts = {};
    QLabel* m_status;
};

} // namespace cryptstack
