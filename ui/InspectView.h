// The "Inspect" view: what an image holds on disk, in five tabs — Layout (the regions drawn to
// scale), Header (the header's fields), JSON (LUKS2 metadata, pretty-printed), Sector (one data
// sector decrypted, with its IV explained) and Entropy (a map of zeroed, plaintext-like and
// ciphertext-like blocks). inspectImage() loads everything on a worker thread; a file that is not
// LUKS or whose header fails a check shows the engine's message, with the detail one click away,
// and can still be inspected as a plain dm-crypt image. Usable alone or embedded in the window.
#pragma once

#include "crypt/SecureBuffer.h"

#include <QWidget>

#include <memory>

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QToolButton;

namespace cryptstack {

class InspectEntropyPanel;
class InspectHeaderView;
class InspectLayoutPanel;
class InspectSectorPanel;
class InspectTask;

class InspectView : public QWidget
{
    Q_OBJECT

public:
    explicit InspectView(QWidget* parent = nullptr);
    ~InspectView() override;

    // Loads the image's header, layout and fields (worker thread); loaded() or loadFailed()
    // follows. Forgets any volume key of the previous image. The entropy scan starts by itself.
    void inspectImage(const QString& path);
    // The key of the image being inspected, when the caller has it unlocked already.
    void setVolumeKey(SecureBuffer volumeKey);
    // Wipes the volume key (also done when the view closes or is destroyed).
    void forgetKey();

    QString imagePath() const { return m_path; }
    bool isLoading() const;
    QString errorText() const;

    InspectLayoutPanel* layoutPanel() const { return m_layout; }
    InspectHeaderView* headerView() const { return m_header; }
    QPlainTextEdit* jsonView() const { return m_json; }
    InspectSectorPanel* sectorPanel() const { return m_sector; }
    InspectEntropyPanel* entropyPanel() const { return m_entropy; }
    QTabWidget* tabs() const { return m_tabs; }

signals:
    void loaded();
    // message: the engine's first line; the detail view has the rest.
    void loadFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void showError(const QString& message, const QString& detail);

    std::unique_ptr<InspectTask> m_task;
    QString m_path;
    uint64_t m_imageBytes = 0;
    QLabel* m_pathLabel;
    QLabel* m_error;
    QToolButton* m_detailsButton;
    QPlainTextEdit* m_details;
    QTabWidget* m_tabs;
    InspectLayoutPanel* m_layout;
    InspectHeaderView* m_header;
    QPlainTextEdit* m_json;
    InspectSectorPanel* m_sector;
    InspectEntropyPanel* m_entropy;
};

} // namespace cryptstack
