// The key derivation of a new keyslot (new-volume wizard, key slots dialog): PBKDF type, target
// unlock time, Argon2 memory limit and fixed iterations, with a live estimate of what unlocking
// will cost on this machine. The estimate runs cryptsetup's PBKDF benchmark (Pbkdf::resolve) on a
// worker thread, debounced, and only while the widget is visible; a change while it runs cancels
// it and starts over.
#pragma once

#include "core/Result.h"
#include "formats/KdfParams.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSpinBox;
class QTimer;

namespace cryptstack {

class VolumeTask;

class KdfOptionsWidget : public QWidget
{
    Q_OBJECT

public:
    explicit KdfOptionsWidget(QWidget* parent = nullptr);
    ~KdfOptionsWidget() override;

    // LUKS1 keyslots are PBKDF2 only.
    void setLuksVersion(int version);
    // The keyslot key length the benchmark measures for (the volume key's size).
    void setKeyBytes(size_t keyBytes);
    KdfRequest request() const;
    // Pbkdf::validate's verdict as one line naming the field; empty when the request is fine.
    QString validationError() const;
    QString estimateText() const;
    bool isEstimating() const;

signals:
    // The estimate label shows a new answer (or an error).
    void estimateUpdated();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void scheduleEstimate();
    void startEstimate();
    void finishEstimate(const Status& status);
    void updateFields();

    int m_version = 2;
    size_t m_keyBytes = 64;
    QComboBox* m_typeCombo;
    QSpinBox* m_iterTimeSpin;
    QSpinBox* m_memorySpin;
    QSpinBox* m_forcedSpin;
    QLabel* m_estimateLabel;
    QTimer* m_debounce;
    VolumeTask* m_task;
    bool m_restart = false;
    // Written by the estimate job, read in finishEstimate after the join.
    KdfParams m_params;
    double m_unlockMs = 0;
    bool m_forced = false;
};

} // namespace cryptstack
