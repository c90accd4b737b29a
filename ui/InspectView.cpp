#include "InspectView.h"

#include "InspectEntropyPanel.h"
#include "InspectHeaderView.h"
#include "InspectLayoutPanel.h"
#include "InspectSectorPanel.h"
#include "InspectTask.h"
#include "formats/DiskLayout.h"
#include "formats/HeaderDevice.h"
#include "formats/HeaderFieldList.h"
#include "formats/luks2/Luks2Volume.h"

#include <QCloseEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace cryptstack {

namespace {

// What the worker found; the volume itself is handed to the sector panel (used on its worker).
struct LoadedImage
{
    Status status;      // opening the file failed: nothing to show
    Status headerError; // not LUKS, or a damaged header: shown as plain data
    uint64_t imageBytes = 0;
    std::shared_ptr<LuksVolume> volume;
    DiskLayout layout;
    std::vector<HeaderField> fields;
    QString json;
    QStringList warnings;
};

LoadedImage loadImage(const QString& path)
{
    LoadedImage image;
    auto device = HeaderDevice::open(path, HeaderDevice::Access::ReadOnly);
    if (!device) {
        image.status = device.status();
        return image;
    }
    image.imageBytes = (*device)->size();
    auto volume = LuksVolume::load(std::move(*device));
    if (!volume) {
        image.headerError = volume.status();
        image.layout = DiskLayout::forPlain(image.imageBytes, 0, 0, 0, QString());
        return image;
    }
    image.volume = std::shared_ptr<LuksVolume>(std::move(*volume));
    image.layout = DiskLayout::forLuks(*image.volume, image.imageBytes);
    image.fields = HeaderFieldList::forLuks(*image.volume);
    if (const auto* luks2 = dynamic_cast<const Luks2Volume*>(image.volume.get()))
        image.json = luks2->dumpJson();
    image.warnings = image.volume->warnings();
    return image;
}

} // namespace

InspectView::InspectView(QWidget* parent)
    : QWidget(parent), m_task(std::make_unique<InspectTask>(QStringLiteral("load")))
{
    setObjectName(QStringLiteral("inspectView"));
    setAccessibleName(tr("Inspect image"));
    auto* layout = new QVBoxLayout(this);
    m_pathLabel = new QLabel(tr("No image."), this);
    m_pathLabel->setObjectName(QStringLiteral("inspectPath"));
    m_pathLabel->setAccessibleName(tr("Inspected image"));
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_pathLabel);

    auto* errorRow = new QHBoxLayout;
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("inspectError"));
    m_error->setAccessibleName(tr("Inspection error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    errorRow->addWidget(m_error, 1);
    m_detailsButton = new QToolButton(this);
    m_detailsButton->setObjectName(QStringLiteral("inspectErrorDetails"));
    m_detailsButton->setAccessibleName(tr("Show error details"));
    m_detailsButton->setText(tr("Details"));
    m_detailsButton->setCheckable(true);
    m_detailsButton->setVisible(false);
    errorRow->addWidget(m_detailsButton);
    layout->addLayout(errorRow);
    m_details = new QPlainTextEdit(this);
    m_details->setObjectName(QStringLiteral("inspectErrorDetailText"));
    m_details->setAccessibleName(tr("Error details"));
    m_details->setReadOnly(true);
    m_details->setMaximumHeight(120);
    m_details->setVisible(false);
    layout->addWidget(m_details);
    connect(m_detailsButton, &QToolButton::toggled, m_details, &QWidget::setVisible);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("inspectTabs"));
    m_tabs->setAccessibleName(tr("Inspect views"));
    m_layout = new InspectLayoutPanel(this);
    m_layout->setAccessibleName(tr("Layout"));
    m_header = new InspectHeaderView(this);
    m_json = new QPlainTextEdit(this);
    m_json->setObjectName(QStringLiteral("inspectJson"));
    m_json->setAccessibleName(tr("LUKS2 JSON metadata"));
    m_json->setReadOnly(true);
    m_json->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_sector = new InspectSectorPanel(this);
    m_sector->setAccessibleName(tr("Sector inspector"));
    m_entropy = new InspectEntropyPanel(this);
    m_entropy->setAccessibleName(tr("Entropy map"));
    m_tabs->addTab(m_layout, tr("Layout"));
    m_tabs->addTab(m_header, tr("Header"));
    m_tabs->addTab(m_json, tr("JSON"));
    m_tabs->addTab(m_sector, tr("Sector"));
    m_tabs->addTab(m_entropy, tr("Entropy"));
    layout->addWidget(m_tabs, 1);
    connect(m_sector, &InspectSectorPanel::plainActivationApplied, this,
            [this](const CryptActivation& activation) {
                m_layout->setDiskLayout(DiskLayout::forPlain(m_imageBytes, activation.dataOffsetSectors,
                                                             activation.ivOffset, 0, activation.cipher));
            });
}

InspectView::~InspectView()
{
    m_task.reset();
    forgetKey();
}

bool InspectView::isLoading() const
{
    return m_task->isBusy();
}

QString InspectView::errorText() const
{
    return m_error->text();
}

void InspectView::inspectImage(const QString& path)
{
    m_path = path;
    m_imageBytes = 0;
    m_pathLabel->setText(tr("Loading %1 …").arg(path));
    showError(QString(), QString());
    m_layout->setDiskLayout(DiskLayout());
    m_header->setFields({});
    m_json->clear();
    m_sector->clear();
    m_entropy->clear();
    m_task->run<LoadedImage>(
        [path](const std::atomic_bool&) { return loadImage(path); },
        [this, path](LoadedImage image) {
            if (!image.status) {
                m_pathLabel->setText(path);
                showError(image.status.message().section(u'\n', 0, 0), image.status.message());
                emit loadFailed(image.status.message().section(u'\n', 0, 0));
                return;
            }
            m_imageBytes = image.imageBytes;
            m_pathLabel->setText(tr("%1 (%2)").arg(path, image.layout.format()));
            m_layout->setDiskLayout(image.layout);
            m_header->setFields(image.fields);
            m_json->setPlainText(image.json.isEmpty() ? tr("(No JSON metadata: not LUKS2.)") : image.json);
            uint64_t dataOffset = image.layout.metadataEnd();
            if (image.volume) {
                m_sector->setLuksVolume(image.volume, path, image.imageBytes);
            } else {
                m_sector->setPlainImage(path, image.imageBytes);
                dataOffset = 0;
            }
            m_entropy->setImage(path, image.imageBytes, dataOffset,
                                image.imageBytes > dataOffset ? image.imageBytes - dataOffset : 0);
            m_entropy->scan();
            if (image.headerError.isOk()) {
                if (!image.warnings.isEmpty())
                    showError(image.warnings.first(), image.warnings.join(u'\n'));
                emit loaded();
                return;
            }
            const QString message = image.headerError.message();
            showError(
                tr("%1 It can still be inspected as plain dm-crypt data.").arg(message.section(u'\n', 0, 0)),
                message);
            emit loadFailed(message.section(u'\n', 0, 0));
        });
}

void InspectView::setVolumeKey(SecureBuffer volumeKey)
{
    m_sector->setVolumeKey(std::move(volumeKey));
}

void InspectView::forgetKey()
{
    m_sector->forgetKey();
}

void InspectView::closeEvent(QCloseEvent* event)
{
    forgetKey();
    QWidget::closeEvent(event);
}

void InspectView::showError(const QString& message, const QString& detail)
{
    m_error->setText(message);
    m_details->setPlainText(detail);
    m_detailsButton->setVisible(!detail.isEmpty() && detail != message);
    if (!m_detailsButton->isVisible())
        m_detailsButton->setChecked(false);
}

} // namespace cryptstack
