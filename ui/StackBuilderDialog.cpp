#include "StackBuilderDialog.h"

#include "crypt/SecureBuffer.h"
#include "dm/DeviceRegistry.h"
#include "dm/MappedDevice.h"
#include "formats/SecureRandom.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

const char* const CryptOptionWords[] = {"allow_discards", "same_cpu_crypt", "submit_from_crypt_cpus",
                                        "no_read_workqueue", "no_write_workqueue"};

QSpinBox* makeSpin(const QString& objectName, const QString& accessibleName, int maximum,
                   const QString& suffix, QWidget* parent)
{
    auto* spin = new QSpinBox(parent);
    spin->setObjectName(objectName);
    spin->setAccessibleName(accessibleName);
    spin->setRange(0, maximum);
    spin->setSuffix(suffix);
    return spin;
}

QComboBox* makeCombo(const QString& objectName, const QString& accessibleName, const QStringList& items,
                     QWidget* parent)
{
    auto* combo = new QComboBox(parent);
    combo->setObjectName(objectName);
    combo->setAccessibleName(accessibleName);
    combo->addItems(items);
    return combo;
}

} // namespace

StackBuilderDialog::StackBuilderDialog(DeviceRegistry& registry, QWidget* parent)
    : QDialog(parent), m_registry(registry), m_list(new QListWidget(this)),
      m_add(new QPushButton(tr("&Add Layer"), this)), m_remove(new QPushButton(tr("&Remove Layer"), this)),
      m_name(new QLineEdit(this)), m_type(makeCombo(QStringLiteral("layerType"), tr("Target type"),
                                                    {QStringLiteral("linear"), QStringLiteral("crypt"),
                                                     QStringLiteral("delay"), QStringLiteral("flakey")},
                                                    this)),
      m_lower(new QComboBox(this)), m_browse(new QPushButton(tr("&Image File…"), this)),
      m_offset(makeSpin(QStringLiteral("layerOffset"), tr("Offset into the lower device in 512-byte sectors"),
                        std::numeric_limits<int>::max(), tr(" sectors"), this)),
      m_cipher(makeCombo(QStringLiteral("layerCipher"), tr("Cipher specification"),
                         {QStringLiteral("aes-xts-plain64"), QStringLiteral("aes-cbc-essiv:sha256"),
                          QStringLiteral("serpent-xts-plain64"), QStringLiteral("twofish-xts-plain64"),
                          QStringLiteral("aes-xts-benbi"), QStringLiteral("aes-ecb")},
                         this)),
      m_keyBits(makeCombo(QStringLiteral("layerKeyBits"), tr("Key size in bits"),
                          {QStringLiteral("512"), QStringLiteral("256"), QStringLiteral("128")}, this)),
      m_sectorSize(makeCombo(QStringLiteral("layerSectorSize"), tr("Encryption sector size"),
                             {QStringLiteral("512"), QStringLiteral("4096")}, this)),
      m_readDelay(makeSpin(QStringLiteral("layerReadDelay"), tr("Read delay in milliseconds"), 60000,
                           tr(" ms"), this)),
      m_writeDelay(makeSpin(QStringLiteral("layerWriteDelay"), tr("Write delay in milliseconds"), 60000,
                            tr(" ms"), this)),
      m_up(makeSpin(QStringLiteral("layerUpSeconds"), tr("Seconds the device works"), 86400, tr(" s"), this)),
      m_down(makeSpin(QStringLiteral("layerDownSeconds"), tr("Seconds the device fails"), 86400, tr(" s"),
                      this)),
      m_feature(makeCombo(QStringLiteral("layerFlakeyFeature"), tr("What fails while the device is down"),
                          {tr("all I/O fails"), QStringLiteral("drop_writes"), QStringLiteral("error_writes"),
                           QStringLiteral("error_reads")},
                          this)),
      m_preview(new QPlainTextEdit(this)), m_message(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this)),
      m_task(std::make_unique<VolumeTask>(QStringLiteral("gui-stack-builder")))
{
    setObjectName(QStringLiteral("stackBuilderDialog"));
    setWindowTitle(tr("Build a Device Stack"));
    m_list->setObjectName(QStringLiteral("stackLayers"));
    m_list->setAccessibleName(tr("Layers, bottom first"));
    m_add->setObjectName(QStringLiteral("addLayer"));
    m_remove->setObjectName(QStringLiteral("removeLayer"));
    m_name->setObjectName(QStringLiteral("layerName"));
    m_name->setAccessibleName(tr("Device name"));
    m_lower->setObjectName(QStringLiteral("layerLower"));
    m_lower->setAccessibleName(tr("Lower device: a layer, a device or an image file"));
    m_lower->setEditable(true);
    m_browse->setObjectName(QStringLiteral("browseImage"));
    m_up->setValue(10);
    m_down->setValue(1);
    m_preview->setObjectName(QStringLiteral("tablePreview"));
    m_preview->setAccessibleName(tr("The table lines of the stack"));
    m_preview->setReadOnly(true);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preview->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_message->setObjectName(QStringLiteral("stackBuilderMessage"));
    m_message->setAccessibleName(tr("What is missing or what went wrong"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_create = m_buttons->addButton(tr("C&reate Stack"), QDialogButtonBox::AcceptRole);
    m_create->setObjectName(QStringLiteral("createStack"));

    auto* form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Target:"), m_type);
    auto* lowerRow = new QHBoxLayout;
    lowerRow->addWidget(m_lower, 1);
    lowerRow->addWidget(m_browse);
    form->addRow(tr("&Lower device:"), lowerRow);
    form->addRow(tr("&Offset:"), m_offset);
    form->addRow(tr("&Cipher:"), m_cipher);
    form->addRow(tr("&Key size:"), m_keyBits);
    form->addRow(tr("&Sector size:"), m_sectorSize);
    auto* optionsBox = new QWidget(this);
    auto* optionsLayout = new QVBoxLayout(optionsBox);
    optionsLayout->setContentsMargins(0, 0, 0, 0);
    for (const char* word : CryptOptionWords) {
        auto* box = new QCheckBox(QLatin1String(word), optionsBox);
        box->setObjectName(QStringLiteral("layerOption_%1").arg(QLatin1String(word)));
        optionsLayout->addWidget(box);
        m_cryptOptions.push_back(box);
        connect(box, &QCheckBox::toggled, this, &StackBuilderDialog::storeEditedLayer);
    }
    form->addRow(tr("Options:"), optionsBox);
    form->addRow(tr("&Read delay:"), m_readDelay);
    form->addRow(tr("&Write delay:"), m_writeDelay);
    form->addRow(tr("&Up for:"), m_up);
    form->addRow(tr("&Down for:"), m_down);
    form->addRow(tr("While &down:"), m_feature);
    auto* layerBox = new QGroupBox(tr("Selected layer"), this);
    layerBox->setLayout(form);
    m_form = form;

    auto* listButtons = new QHBoxLayout;
    listButtons->addWidget(m_add);
    listButtons->addWidget(m_remove);
    auto* left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("Layers (bottom first):"), this));
    left->addWidget(m_list, 1);
    left->addLayout(listButtons);
    auto* top = new QHBoxLayout;
    top->addLayout(left, 1);
    top->addWidget(layerBox, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(
        new QLabel(tr("Table lines (crypt keys are random and stay in the engine's keyring):"), this));
    layout->addWidget(m_preview);
    layout->addWidget(m_message);
    layout->addWidget(m_buttons);

    connect(m_add, &QPushButton::clicked, this, &StackBuilderDialog::addLayer);
    connect(m_remove, &QPushButton::clicked, this, &StackBuilderDialog::removeLayer);
    connect(m_list, &QListWidget::currentRowChanged, this, &StackBuilderDialog::selectLayer);
    connect(m_browse, &QPushButton::clicked, this, &StackBuilderDialog::chooseImage);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_create, &QPushButton::clicked, this, &StackBuilderDialog::createStack);
    connect(m_name, &QLineEdit::textEdited, this, &StackBuilderDialog::storeEditedLayer);
    connect(m_lower, &QComboBox::currentTextChanged, this, &StackBuilderDialog::storeEditedLayer);
    for (QComboBox* combo : {m_type, m_cipher, m_keyBits, m_sectorSize, m_feature})
        connect(combo, &QComboBox::currentTextChanged, this, &StackBuilderDialog::storeEditedLayer);
    for (QSpinBox* spin : {m_offset, m_readDelay, m_writeDelay, m_up, m_down})
        connect(spin, &QSpinBox::valueChanged, this, &StackBuilderDialog::storeEditedLayer);

    addLayer();
}

StackBuilderDialog::~StackBuilderDialog() = default; // m_task joins a creation still running

QString StackBuilderDialog::layerLabel(int index) const
{
    const StackLayer& layer = m_layers[static_cast<size_t>(index)];
    return tr("%1. %2 (%3)")
        .arg(index + 1)
        .arg(layer.name.isEmpty() ? tr("unnamed") : layer.name, layer.type);
}

void StackBuilderDialog::addLayer()
{
    StackLayer layer;
    // A name not taken yet, and by default over the layer below.
    for (int n = static_cast<int>(m_layers.size()) + 1;; ++n) {
        layer.name = QStringLiteral("layer%1").arg(n);
        const bool taken = m_registry.find(layer.name) ||
                           std::any_of(m_layers.begin(), m_layers.end(),
                                       [&](const StackLayer& other) { return other.name == layer.name; });
        if (!taken)
            break;
    }
    if (!m_layers.empty())
        layer.lower = m_layers.back().name;
    m_layers.push_back(layer);
    m_list->addItem(layerLabel(static_cast<int>(m_layers.size()) - 1));
    m_list->setCurrentRow(static_cast<int>(m_layers.size()) - 1);
    updatePreview();
}

void StackBuilderDialog::removeLayer()
{
    if (m_current < 0 || m_layers.size() <= 1)
        return;
    const int row = m_current;
    m_layers.erase(m_layers.begin() + row);
    m_current = -1;
    delete m_list->takeItem(row);
    for (int i = 0; i < m_list->count(); ++i)
        m_list->item(i)->setText(layerLabel(i));
    m_list->setCurrentRow(std::min(row, m_list->count() - 1));
    updatePreview();
}

void StackBuilderDialog::selectLayer(int row)
{
    m_current = row;
    if (row < 0)
        return;
    const StackLayer& layer = m_layers[static_cast<size_t>(row)];
    m_loading = true;
    m_name->setText(layer.name);
    m_type->setCurrentText(layer.type);
    // What a layer can sit on: the layers below it, then devices that exist already.
    m_lower->clear();
    for (int i = row - 1; i >= 0; --i)
        m_lower->addItem(m_layers[static_cast<size_t>(i)].name);
    for (const QString& name : m_registry.names())
        m_lower->addItem(name);
    m_lower->setCurrentText(layer.lower);
    m_offset->setValue(static_cast<int>(std::min<uint64_t>(layer.offset, std::numeric_limits<int>::max())));
    m_cipher->setCurrentText(layer.cipher);
    m_keyBits->setCurrentText(QString::number(layer.keyBits));
    m_sectorSize->setCurrentText(QString::number(layer.sectorSize));
    for (QCheckBox* box : m_cryptOptions)
        box->setChecked(layer.cryptOptions.contains(box->text()));
    m_readDelay->setValue(static_cast<int>(layer.readDelayMs));
    m_writeDelay->setValue(static_cast<int>(layer.writeDelayMs));
    m_up->setValue(static_cast<int>(layer.upSeconds));
    m_down->setValue(static_cast<int>(layer.downSeconds));
    m_feature->setCurrentIndex(layer.flakeyFeature.isEmpty() ? 0 : m_feature->findText(layer.flakeyFeature));
    m_loading = false;
    updateTypeFields();
    m_remove->setEnabled(m_layers.size() > 1);
}

void StackBuilderDialog::storeEditedLayer()
{
    if (m_loading || m_current < 0)
        return;
    StackLayer& layer = m_layers[static_cast<size_t>(m_current)];
    const QString oldName = layer.name;
    layer.name = m_name->text().trimmed();
    layer.type = m_type->currentText();
    layer.lower = m_lower->currentText().trimmed();
    layer.offset = static_cast<uint64_t>(m_offset->value());
    layer.cipher = m_cipher->currentText();
    layer.keyBits = m_keyBits->currentText().toUInt();
    layer.sectorSize = m_sectorSize->currentText().toUInt();
    layer.cryptOptions.clear();
    for (QCheckBox* box : m_cryptOptions)
        if (box->isChecked())
            layer.cryptOptions << box->text();
    layer.readDelayMs = static_cast<unsigned>(m_readDelay->value());
    layer.writeDelayMs = static_cast<unsigned>(m_writeDelay->value());
    layer.upSeconds = static_cast<unsigned>(m_up->value());
    layer.downSeconds = static_cast<unsigned>(m_down->value());
    layer.flakeyFeature = m_feature->currentIndex() == 0 ? QString() : m_feature->currentText();
    // Layers above that sat on the renamed layer follow it.
    if (oldName != layer.name)
        for (size_t i = static_cast<size_t>(m_current) + 1; i < m_layers.size(); ++i)
            if (m_layers[i].lower == oldName)
                m_layers[i].lower = layer.name;
    m_list->item(m_current)->setText(layerLabel(m_current));
    updateTypeFields();
    updatePreview();
}

void StackBuilderDialog::updateTypeFields()
{
    QFormLayout* form = m_form;
    const QString type = m_type->currentText();
    const bool crypt = type == u"crypt";
    for (QWidget* field : {static_cast<QWidget*>(m_cipher), static_cast<QWidget*>(m_keyBits),
                           static_cast<QWidget*>(m_sectorSize), m_cryptOptions.front()->parentWidget()})
        form->setRowVisible(field, crypt);
    form->setRowVisible(m_readDelay, type == u"delay");
    form->setRowVisible(m_writeDelay, type == u"delay");
    for (QWidget* field :
         {static_cast<QWidget*>(m_up), static_cast<QWidget*>(m_down), static_cast<QWidget*>(m_feature)})
        form->setRowVisible(field, type == u"flakey");
}

std::optional<uint64_t> StackBuilderDialog::lowerSectors(int layerIndex, QString* problem) const
{
    const StackLayer& layer = m_layers[static_cast<size_t>(layerIndex)];
    const QString where = tr("Layer %1 (%2), lower device").arg(layerIndex + 1).arg(layer.name);
    if (layer.lower.isEmpty()) {
        *problem = tr("%1: choose an image file or a device.").arg(where);
        return std::nullopt;
    }
    if (layer.lower.contains(QRegularExpression(QStringLiteral("\\s")))) {
        *problem = tr("%1: a table line cannot hold a path with spaces.").arg(where);
        return std::nullopt;
    }
    for (int i = layerIndex - 1; i >= 0; --i) {
        if (m_layers[static_cast<size_t>(i)].name != layer.lower)
            continue;
        const auto below = lowerSectors(i, problem);
        if (!below)
            return std::nullopt;
        return m_layers[static_cast<size_t>(i)].lengthSectors(*below);
    }
    if (auto device = m_registry.find(layer.lower))
        return device->sectors();
    const QFileInfo image(layer.lower);
    if (!image.isFile()) {
        *problem =
            tr("%1: \"%2\" is neither a layer below, a device nor an image file.").arg(where, layer.lower);
        return std::nullopt;
    }
    return static_cast<uint64_t>(image.size()) / 512;
}

QStringList StackBuilderDialog::tableLines(QString* problem) const
{
    QString reason;
    QStringList lines;
    static const QRegularExpression validName(QStringLiteral("^[A-Za-z0-9._+-]+$"));
    for (int i = 0; i < static_cast<int>(m_layers.size()) && reason.isEmpty(); ++i) {
        const StackLayer& layer = m_layers[static_cast<size_t>(i)];
        if (!validName.match(layer.name).hasMatch()) {
            reason = tr("Layer %1, name: use letters, digits and . _ + - only.").arg(i + 1);
            break;
        }
        if (m_registry.find(layer.name)) {
            reason = tr("Layer %1, name: a device called %2 exists already.").arg(i + 1).arg(layer.name);
            break;
        }
        for (int j = 0; j < i; ++j)
            if (m_layers[static_cast<size_t>(j)].name == layer.name)
                reason =
                    tr("Layer %1, name: layer %2 is called %3 too.").arg(i + 1).arg(j + 1).arg(layer.name);
        if (!reason.isEmpty())
            break;
        const auto below = lowerSectors(i, &reason);
        if (!below)
            break;
        if (layer.lengthSectors(*below) == 0) {
            reason = tr("Layer %1 (%2), offset: nothing of the lower device is left after it.")
                         .arg(i + 1)
                         .arg(layer.name);
            break;
        }
        lines << QStringLiteral("%1: %2").arg(layer.name, layer.tableLine(*below));
    }
    if (problem)
        *problem = reason;
    return reason.isEmpty() ? lines : QStringList();
}

void StackBuilderDialog::updatePreview()
{
    QString problem;
    const QStringList lines = tableLines(&problem);
    m_preview->setPlainText(lines.join(u'\n'));
    m_message->setText(problem);
    m_create->setEnabled(problem.isEmpty() && !m_task->isRunning());
}

void StackBuilderDialog::chooseImage()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Image File Below the Stack"));
    if (path.isEmpty())
        return;
    m_lower->setCurrentText(path);
}

void StackBuilderDialog::createStack()
{
    QString problem;
    const QStringList lines = tableLines(&problem);
    if (!problem.isEmpty() || m_task->isRunning())
        return;
    m_create->setEnabled(false);
    m_message->setText(tr("Creating the stack…"));
    const std::vector<StackLayer> layers = m_layers;
    m_task->start([this, layers, lines](const VolumeTask::Context&) {
        QStringList created;
        QString error;
        QString detail;
        for (size_t i = 0; i < layers.size() && error.isEmpty(); ++i) {
            const StackLayer& layer = layers[i];
            const QString line = lines[static_cast<qsizetype>(i)].section(QStringLiteral(": "), 1);
            if (layer.type == u"crypt") {
                SecureBuffer key(layer.keyBits / 8);
                if (Status status = SecureRandom::fill({key.data(), key.size()}); !status) {
                    error = tr("No random key could be made for %1.").arg(layer.name);
                    detail = status.message();
                    break;
                }
                (void)m_registry.keyRing().unlink(layer.keyDescription()); // a leftover of an earlier try
                if (Status status = m_registry.keyRing().add(KeyRing::Type::Logon, layer.keyDescription(),
                                                             std::move(key));
                    !status) {
                    error = tr("The key for %1 could not be stored.").arg(layer.name);
                    detail = status.message();
                    break;
                }
            }
            auto device = m_registry.create(layer.name, {line});
            if (layer.type == u"crypt")
                (void)m_registry.keyRing().unlink(layer.keyDescription()); // the target holds its copy
            if (!device) {
                error = tr("The device %1 could not be created.").arg(layer.name);
                detail = device.status().message();
                break;
            }
            created << layer.name;
        }
        if (!error.isEmpty()) // all or nothing: take down what this run created, top first
            for (auto it = created.crbegin(); it != created.crend(); ++it)
                (void)m_registry.remove(*it);
        QMetaObject::invokeMethod(
            this, [this, error, detail, created] { creationFinished(error, detail, created); },
            Qt::QueuedConnection);
        return Status::ok(); // the outcome went to creationFinished, with the names it needs
    });
}

void StackBuilderDialog::creationFinished(const QString& error, const QString& detail,
                                          const QStringList& created)
{
    if (!error.isEmpty()) {
        m_message->setText(QStringLiteral("%1 <span style=\"color:gray\">(%2)</span>")
                               .arg(error.toHtmlEscaped(), detail.toHtmlEscaped()));
        m_message->setToolTip(detail);
        m_create->setEnabled(true);
        return;
    }
    emit stackCreated(created);
    accept();
}

} // namespace cryptstack
