// The stack builder: compose linear, crypt, delay and flakey layers over an image file (or over a
// device that already exists), see each layer's dm table line change as you edit, and create the
// whole stack in the registry — bottom first, on a worker thread, all or nothing.
#pragma once

#include "StackLayer.h"
#include "VolumeTask.h"

#include <QDialog>

#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace cryptstack {

class DeviceRegistry;

class StackBuilderDialog : public QDialog
{
    Q_OBJECT

public:
    // The registry must outlive the dialog.
    explicit StackBuilderDialog(DeviceRegistry& registry, QWidget* parent = nullptr);
    ~StackBuilderDialog() override;

    const std::vector<StackLayer>& layers() const { return m_layers; }
    // The table lines of every layer, bottom first, as "name: line"; empty with the reason in
    // problem when the stack is not complete.
    QStringList tableLines(QString* problem = nullptr) const;

signals:
    // After the whole stack was created (names bottom first).
    void stackCreated(const QStringList& names);

private:
    void addLayer();
    void removeLayer();
    void selectLayer(int row);
    void storeEditedLayer();
    void updateTypeFields();
    void updatePreview();
    void chooseImage();
    void createStack();
    void creationFinished(const QString& error, const QString& detail, const QStringList& created);
    // Size of a lower device given by name or image path; nothing when it cannot be found.
    std::optional<uint64_t> lowerSectors(int layerIndex, QString* problem) const;
    QString layerLabel(int index) const;

    DeviceRegistry& m_registry;
    std::vector<StackLayer> m_layers;
    int m_current = -1;
    bool m_loading = false; // true while the form shows a layer, so edits are not stored back

    QFormLayout* m_form = nullptr;
    QListWidget* m_list;
    QPushButton* m_add;
    QPushButton* m_remove;
    QLineEdit* m_name;
    QComboBox* m_type;
    QComboBox* m_lower;
    QPushButton* m_browse;
    QSpinBox* m_offset;
    QComboBox* m_cipher;
    QComboBox* m_keyBits;
    QComboBox* m_sectorSize;
    std::vector<QCheckBox*> m_cryptOptions;
    QSpinBox* m_readDelay;
    QSpinBox* m_writeDelay;
    QSpinBox* m_up;
    QSpinBox* m_down;
    QComboBox* m_feature;
    QPlainTextEdit* m_preview;
    QLabel* m_message;
    QDialogButtonBox* m_buttons;
    QPushButton* m_create;
    // Last, so that it joins the worker before the members the job uses are destroyed.
    std::unique_ptr<VolumeTask> m_task;
};

} // namespace cryptstack
