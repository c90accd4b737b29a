// The Inspect view alone, on LUKS2 and LUKS1 images made by the real cryptsetup 2.6.1: the layout
// regions match luksDump / --dump-json-metadata, the header fields match luksDump, the JSON tab
// holds cryptsetup's JSON dump, the sector inspector decrypts a sector written through our own
// CLI's crypt mapping (with the IV plain64 gives for it — 512-byte units on a 4096-byte LUKS2
// volume), the entropy map tells zeroed, text and ciphertext regions apart, and hovering the maps
// gives the right tooltip. A file that is not LUKS shows the engine's message.
#include "CliRunner.h"
#include "Cryptsetup.h"
#include "InspectEntropyMap.h"
#include "InspectEntropyPanel.h"
#include "InspectHeaderView.h"
#include "InspectLayoutMap.h"
#include "InspectLayoutPanel.h"
#include "InspectSectorPanel.h"
#include "InspectView.h"
#include "TestImages.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QGroupBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr int WaitMs = 60000;
const QByteArray Passphrase = "inspect me";
constexpr qint64 ImageBytes = 32 << 20;

QByteArray textBytes(qsizetype size)
{
    const QByteArray sentence = "Header, keyslots, then the data: dm-crypt encrypts each sector alone.\n";
    QByteArray text;
    while (text.size() < size)
        text += sentence;
    return text.left(size);
}

bool writeRaw(const QString& path, qint64 offset, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::ReadWrite) && file.seek(offset) && file.write(bytes) == bytes.size();
}

QByteArray le64Padded(uint64_t value, int size)
{
    QByteArray bytes(size, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[i] = char((value >> (8 * i)) & 0xff);
    return bytes;
}

// The first x at which the map draws this region.
int xOfRegion(const InspectLayoutMap* map, const QString& name)
{
    for (int x = 0; x < map->width(); ++x) {
        const LayoutRegion* region = map->regionAtX(x);
        if (region && region->name == name)
            return x;
    }
    return -1;
}

} // namespace

class TestInspectView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void luks2Image();
    void luks1Image();
    void notLuks();
    void plainImage();

private:
    QString makeLuks(const QString& name, const QStringList& options);
    // Writes data through our CLI's crypt mapping (cryptstack write) at a data-relative offset.
    bool writeThroughMapping(const QString& image, qint64 offset, const QByteArray& data);
    // Unlocks in the Sector tab and shows a sector; returns the panel.
    void unlockAndShow(InspectView& view, uint64_t sector);
    void checkEntropy(InspectView& view, qint64 dataOffset);

    QTemporaryDir m_dir;
    QString m_keyFile;
};

void TestInspectView::initTestCase()
{
    QVERIFY2(!findTool(QStringLiteral("cryptsetup")).isEmpty(), "cryptsetup is required");
    QVERIFY(m_dir.isValid());
    m_keyFile = m_dir.filePath(QStringLiteral("pass.key"));
    QFile key(m_keyFile);
    QVERIFY(key.open(QIODevice::WriteOnly));
    key.write(Passphrase);
}

QString TestInspectView::makeLuks(const QString& name, const QStringList& options)
{
    const QString path = m_dir.filePath(name);
    return formatWithCryptsetup(path, ImageBytes, m_keyFile, options) ? path : QString();
}

bool TestInspectView::writeThroughMapping(const QString& image, qint64 offset, const QByteArray& data)
{
    const QString input = m_dir.filePath(QStringLiteral("input.bin"));
    QFile file(input);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        return false;
    file.close();
    const CliResult result =
        runCli({QStringLiteral("write"), image, QStringLiteral("-d"), m_keyFile, QStringLiteral("--offset"),
                QString::number(offset), QStringLiteral("-i"), input});
    if (result.exitCode != 0)
        qWarning("cryptstack write: %s", result.err.constData());
    return result.exitCode == 0;
}

void TestInspectView::unlockAndShow(InspectView& view, uint64_t sector)
{
    InspectSectorPanel* panel = view.sectorPanel();
    auto* passphrase = view.findChild<QLineEdit*>(QStringLiteral("inspectPassphrase"));
    auto* unlock = view.findChild<QPushButton*>(QStringLiteral("inspectUnlock"));
    QVERIFY(passphrase && unlock);
    QCOMPARE(passphrase->echoMode(), QLineEdit::Password);

    // A wrong passphrase first: the engine's message, no key.
    QSignalSpy failed(panel, &InspectSectorPanel::unlockFailed);
    QTest::keyClicks(passphrase, QStringLiteral("wrong"));
    QTest::mouseClick(unlock, Qt::LeftButton);
    QVERIFY(passphrase->text().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, WaitMs);
    QCOMPARE(failed.first().first().toString(), QStringLiteral("No key available with this passphrase."));
    QVERIFY(!panel->hasKey());

    QSignalSpy unlocked(panel, &InspectSectorPanel::unlocked);
    QTest::keyClicks(passphrase, QString::fromUtf8(Passphrase));
    QTest::mouseClick(unlock, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(unlocked.count(), 1, WaitMs);
    QCOMPARE(unlocked.first().first().toInt(), 0);
    QVERIFY(panel->hasKey());
    QVERIFY(passphrase->text().isEmpty());

    auto* spin = view.findChild<QSpinBox*>(QStringLiteral("inspectSector"));
    auto* show = view.findChild<QPushButton*>(QStringLiteral("inspectShowSector"));
    QVERIFY(spin && show);
    QTRY_VERIFY(show->isEnabled());
    spin->setValue(int(sector));
    QCOMPARE(spin->value(), int(sector));
    QSignalSpy shown(panel, &InspectSectorPanel::sectorShown);
    QTest::mouseClick(show, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, WaitMs);
}

void TestInspectView::checkEntropy(InspectView& view, qint64 dataOffset)
{
    InspectEntropyPanel* panel = view.entropyPanel();
    QTRY_VERIFY_WITH_TIMEOUT(!panel->isScanning() && !panel->map()->result().cells.empty(), WaitMs);
    const EntropyScanResult& result = panel->map()->result();
    QVERIFY(!result.cancelled);
    QCOMPARE(result.start, uint64_t(0));
    QCOMPARE(result.length, uint64_t(ImageBytes));
    QVERIFY(result.cells.size() <= 4096);
    const auto cellOf = [&](qint64 offset) {
        return int(uint64_t(offset) / result.blockBytes);
    };
    // Text written raw at the data start, ciphertext written through the mapping 1 MiB in,
    // zeroes 4 MiB in (never written).
    const int text = cellOf(dataOffset);
    const int cipher = cellOf(dataOffset + (1 << 20));
    const int zero = cellOf(dataOffset + (4 << 20));
    QCOMPARE(result.cells[size_t(text)].kind, SectorClass::PlaintextLike);
    QCOMPARE(result.cells[size_t(cipher)].kind, SectorClass::CiphertextLike);
    QCOMPARE(result.cells[size_t(zero)].kind, SectorClass::Zeroed);
    QVERIFY(result.counts[size_t(SectorClass::CiphertextLike)] >= 1);
    auto* zeroCount = view.findChild<QLabel*>(QStringLiteral("inspectEntropyZeroed"));
    QVERIFY(zeroCount);
    QCOMPARE(zeroCount->text(), QStringLiteral("Zeroed: %1").arg(result.counts[size_t(SectorClass::Zeroed)]));

    InspectEntropyMap* map = panel->map();
    map->resize(640, map->heightForWidth(640));
    const QRect cell = map->cellRect(cipher);
    QCOMPARE(map->cellAt(cell.center()), cipher);
    const QString tip = map->toolTipAt(cell.center());
    QVERIFY2(tip.startsWith(
                 QStringLiteral("Block %1: bytes %2").arg(cipher).arg(uint64_t(cipher) * result.blockBytes)),
             qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("Ciphertext-like")), qPrintable(tip));
    QVERIFY(map->toolTipAt(map->cellRect(zero).center()).contains(QStringLiteral("Zeroed")));
    QCOMPARE(map->cellAt(QPoint(-1, 0)), -1);
}

void TestInspectView::luks2Image()
{
    const QString path = makeLuks(QStringLiteral("l2.img"), {"--type", "luks2", "--sector-size", "4096"});
    QVERIFY(!path.isEmpty());
    const ToolRun json = cryptsetup({"luksDump", "--dump-json-metadata", path});
    QVERIFY2(json.ok(), json.err.constData());
    const QJsonObject metadata = QJsonDocument::fromJson(json.out).object();
    const QJsonObject area = metadata["keyslots"].toObject()["0"].toObject()["area"].toObject();
    const qint64 dataOffset =
        metadata["segments"].toObject()["0"].toObject()["offset"].toString().toLongLong();
    QCOMPARE(dataOffset, qint64(16 << 20));
    const ToolRun dump = cryptsetup({"luksDump", path});
    QVERIFY(dump.ok());

    // Content for the sector and entropy checks.
    const QByteArray plaintext = patternBytes(21, 0, 4096);
    const uint64_t sector = 600; // 4096-byte sectors, past the regions below
    QVERIFY(writeThroughMapping(path, qint64(sector) * 4096, plaintext));
    QVERIFY(writeThroughMapping(path, 1 << 20, QByteArray(256 * 1024, '\0')));
    QVERIFY(writeRaw(path, dataOffset, textBytes(256 * 1024)));

    InspectView view;
    view.resize(1000, 700);
    view.show();
    QSignalSpy loaded(&view, &InspectView::loaded);
    QSignalSpy failed(&view, &InspectView::loadFailed);
    view.inspectImage(path);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count() + failed.count(), 1, WaitMs);
    QVERIFY2(failed.isEmpty(), qPrintable(view.errorText()));
    QVERIFY(view.errorText().isEmpty());
    QCOMPARE(view.tabs()->count(), 5);
    for (int i = 0; i < view.tabs()->count(); ++i)
        QVERIFY(!view.tabs()->widget(i)->accessibleName().isEmpty());

    // Layout against cryptsetup's JSON.
    InspectLayoutMap* map = view.layoutPanel()->map();
    const DiskLayout& layout = map->diskLayout();
    QCOMPARE(layout.format(), QStringLiteral("LUKS2"));
    const LayoutRegion* keyslot = layout.regionAt(area["offset"].toString().toULongLong());
    QVERIFY(keyslot);
    QCOMPARE(keyslot->name, QStringLiteral("Keyslot 0 area"));
    QCOMPARE(keyslot->offset, area["offset"].toString().toULongLong());
    QCOMPARE(keyslot->length, area["size"].toString().toULongLong());
    const LayoutRegion* data = layout.regionAt(uint64_t(dataOffset));
    QCOMPARE(data->kind, LayoutRegion::Kind::Data);
    QCOMPARE(data->offset, uint64_t(dataOffset));
    QCOMPARE(data->length, uint64_t(ImageBytes - dataOffset));

    // Hover: in the linear scale the header is a sliver, so zoom to the header only.
    auto* headerOnly = view.findChild<QCheckBox*>(QStringLiteral("inspectLayoutHeaderOnly"));
    QVERIFY(headerOnly);
    headerOnly->setChecked(true);
    QVERIFY(map->headerOnly());
    int x = xOfRegion(map, QStringLiteral("Keyslot 0 area"));
    QVERIFY(x >= 0);
    QString tip = map->toolTipAt(QPoint(x + 1, 30));
    QVERIFY2(tip.contains(QStringLiteral("<b>Keyslot 0 area</b>")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("Offset: %1").arg(keyslot->offset)), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("Length: %1 bytes").arg(keyslot->length)), qPrintable(tip));
    QVERIFY(tip.contains(QStringLiteral("KDF: pbkdf2 (sha256, 1000 iterations)")));
    QVERIFY(tip.contains(QStringLiteral("Active: yes")));
    QVERIFY(tip.contains(QStringLiteral("AF stripes: 4000")));
    x = xOfRegion(map, QStringLiteral("Primary JSON area"));
    QVERIFY(x >= 0);
    tip = map->toolTipAt(QPoint(x + 1, 30));
    QVERIFY2(tip.contains(QStringLiteral("Size: 12288 bytes")), qPrintable(tip));
    QVERIFY(tip.contains(QStringLiteral("Checksum valid: yes")));
    QVERIFY(map->toolTipAt(QPoint(x + 1, 2)).isEmpty()); // above the band
    // The logarithmic scale shows the header without the header-only zoom; the slider zooms.
    headerOnly->setChecked(false);
    auto* scale = view.findChild<QComboBox*>(QStringLiteral("inspectLayoutScale"));
    scale->setCurrentIndex(1);
    QCOMPARE(map->scale(), InspectLayoutMap::Scale::Logarithmic);
    QVERIFY(xOfRegion(map, QStringLiteral("Primary binary header")) >= 0);
    QVERIFY(xOfRegion(map, QStringLiteral("Data segment 0")) >
            xOfRegion(map, QStringLiteral("Keyslot 0 area")));
    const int width = map->width();
    view.findChild<QSlider*>(QStringLiteral("inspectLayoutZoom"))->setValue(30);
    QCOMPARE(map->zoom(), 8.0);
    QCOMPARE(map->width(), width * 8);

    // Header fields and JSON against luksDump.
    InspectHeaderView* header = view.headerView();
    QCOMPARE(header->valueAt(QStringLiteral("primary header/uuid")),
             dumpValue(dump.out, QStringLiteral("UUID")));
    QCOMPARE(header->valueAt(QStringLiteral("secondary header/uuid")),
             dumpValue(dump.out, QStringLiteral("UUID")));
    QCOMPARE(header->valueAt(QStringLiteral("primary header/seqid")),
             dumpValue(dump.out, QStringLiteral("Epoch")));
    QCOMPARE(header->valueAt(QStringLiteral("secondary header/seqid")),
             dumpValue(dump.out, QStringLiteral("Epoch")));
    QCOMPARE(header->valueAt(QStringLiteral("primary header/checksum_alg")), QStringLiteral("sha256"));
    QCOMPARE(header->valueAt(QStringLiteral("primary header/checksum valid")), QStringLiteral("yes"));
    QCOMPARE(header->valueAt(QStringLiteral("secondary header/checksum valid")), QStringLiteral("yes"));
    QCOMPARE(view.jsonView()->toPlainText().trimmed(), QString::fromUtf8(json.out).trimmed());
    QVERIFY(view.jsonView()->isReadOnly());

    // The sector: plaintext back, and plain64's IV counts 512-byte sectors (no iv_large_sectors).
    unlockAndShow(view, sector);
    auto* plainView = view.findChild<QPlainTextEdit*>(QStringLiteral("inspectPlaintext"));
    auto* ivView = view.findChild<QPlainTextEdit*>(QStringLiteral("inspectIv"));
    auto* cipherView = view.findChild<QPlainTextEdit*>(QStringLiteral("inspectCiphertext"));
    QCOMPARE(plainView->toPlainText(), InspectSectorPanel::hexDump(plaintext));
    QCOMPARE(ivView->toPlainText(), InspectSectorPanel::hexDump(le64Padded(sector * 8, 16)));
    const QByteArray stored = readFile(path, dataOffset + qint64(sector) * 4096, 4096);
    QCOMPARE(cipherView->toPlainText(),
             InspectSectorPanel::hexDump(stored, uint64_t(dataOffset) + sector * 4096));
    QCOMPARE(view.sectorPanel()->shownSector().ivSector, sector * 8);
    const QString explanation = view.findChild<QLabel*>(QStringLiteral("inspectIvExplanation"))->text();
    QVERIFY2(explanation.startsWith(
                 QStringLiteral("plain64: %1 as a 64-bit little-endian number").arg(sector * 8)),
             qPrintable(explanation));
    QVERIFY(explanation.contains(QStringLiteral("Without iv_large_sectors")));

    checkEntropy(view, dataOffset);

    // Forgetting the key clears the plaintext.
    QTest::mouseClick(view.findChild<QPushButton*>(QStringLiteral("inspectForgetKey")), Qt::LeftButton);
    QVERIFY(!view.sectorPanel()->hasKey());
    QVERIFY(plainView->toPlainText().isEmpty());
}

void TestInspectView::luks1Image()
{
    const QString path = makeLuks(QStringLiteral("l1.img"), {"--type", "luks1"});
    QVERIFY(!path.isEmpty());
    const ToolRun dump = cryptsetup({"luksDump", path});
    QVERIFY2(dump.ok(), dump.err.constData());
    const qint64 dataOffset = dumpValue(dump.out, QStringLiteral("Payload offset")).toLongLong() * 512;
    QVERIFY(dataOffset > 0);
    const QByteArray plaintext = patternBytes(5, 0, 512);
    const uint64_t sector = 4000;
    QVERIFY(writeThroughMapping(path, qint64(sector) * 512, plaintext));
    QVERIFY(writeThroughMapping(path, 1 << 20, QByteArray(256 * 1024, '\0')));
    QVERIFY(writeRaw(path, dataOffset, textBytes(256 * 1024)));

    InspectView view;
    view.resize(1000, 700);
    QSignalSpy loaded(&view, &InspectView::loaded);
    QSignalSpy failed(&view, &InspectView::loadFailed);
    view.inspectImage(path);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count() + failed.count(), 1, WaitMs);
    QVERIFY2(failed.isEmpty(), qPrintable(view.errorText()));

    const DiskLayout& layout = view.layoutPanel()->map()->diskLayout();
    QCOMPARE(layout.format(), QStringLiteral("LUKS1"));
    QCOMPARE(layout.regionAt(0)->name, QStringLiteral("LUKS1 header (phdr)"));
    const uint64_t material =
        dumpValue(dump.out, QStringLiteral("\tKey material offset")).toULongLong() * 512;
    QVERIFY(material > 0);
    const LayoutRegion* slot0 = layout.regionAt(material);
    QCOMPARE(slot0->name, QStringLiteral("Keyslot 0 area"));
    QCOMPARE(slot0->offset, material);
    QCOMPARE(layout.metadataEnd(), uint64_t(dataOffset));
    QCOMPARE(layout.regionAt(uint64_t(dataOffset))->kind, LayoutRegion::Kind::Data);
    InspectLayoutMap* map = view.layoutPanel()->map();
    map->setHeaderOnly(true);
    const int x = xOfRegion(map, QStringLiteral("Keyslot 1 area"));
    QVERIFY(x >= 0);
    const QString tip = map->toolTipAt(QPoint(x + 1, 30));
    QVERIFY2(tip.contains(QStringLiteral("Active: no")), qPrintable(tip));
    QVERIFY(tip.contains(QStringLiteral("Cipher: aes-xts-plain64")));

    InspectHeaderView* header = view.headerView();
    QCOMPARE(header->valueAt(QStringLiteral("uuid")), dumpValue(dump.out, QStringLiteral("UUID")));
    QCOMPARE(header->valueAt(QStringLiteral("cipherName")),
             dumpValue(dump.out, QStringLiteral("Cipher name")));
    QCOMPARE(header->valueAt(QStringLiteral("cipherMode")),
             dumpValue(dump.out, QStringLiteral("Cipher mode")));
    QCOMPARE(header->valueAt(QStringLiteral("hashSpec")), dumpValue(dump.out, QStringLiteral("Hash spec")));
    QCOMPARE(header->valueAt(QStringLiteral("mkDigestIterations")),
             dumpValue(dump.out, QStringLiteral("MK iterations")));
    QCOMPARE(header->valueAt(QStringLiteral("keyslot 0/iterations")),
             dumpValue(dump.out, QStringLiteral("\tIterations")));
    QCOMPARE(header->valueAt(QStringLiteral("keyslot 0/iterations")), QStringLiteral("1000"));
    QCOMPARE(header->valueAt(QStringLiteral("keyslot 0/stripes")), QStringLiteral("4000"));
    QVERIFY(view.jsonView()->toPlainText().contains(QStringLiteral("not LUKS2")));

    unlockAndShow(view, sector);
    QCOMPARE(view.findChild<QPlainTextEdit*>(QStringLiteral("inspectPlaintext"))->toPlainText(),
             InspectSectorPanel::hexDump(plaintext));
    QCOMPARE(view.findChild<QPlainTextEdit*>(QStringLiteral("inspectIv"))->toPlainText(),
             InspectSectorPanel::hexDump(le64Padded(sector, 16)));
    checkEntropy(view, dataOffset);
}

void TestInspectView::notLuks()
{
    const QString path = createImage(m_dir.path(), QStringLiteral("plain.img"), 1 << 20, 3);
    InspectView view;
    QSignalSpy failed(&view, &InspectView::loadFailed);
    view.inspectImage(path);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, WaitMs);
    QCOMPARE(failed.first().first().toString(),
             QStringLiteral("Device %1 is not a valid LUKS device.").arg(path));
    QVERIFY(view.errorText().startsWith(QStringLiteral("Device %1 is not a valid LUKS device.").arg(path)));
    QCOMPARE(view.layoutPanel()->map()->diskLayout().format(), QStringLiteral("plain"));
    QVERIFY(!view.findChild<QGroupBox*>(QStringLiteral("inspectPlainForm"))->isHidden());

    // A missing file: the engine's message.
    QSignalSpy missing(&view, &InspectView::loadFailed);
    view.inspectImage(m_dir.filePath(QStringLiteral("none.img")));
    QTRY_COMPARE_WITH_TIMEOUT(missing.count(), 1, WaitMs);
    QVERIFY2(view.errorText().contains(QStringLiteral("does not exist or access denied")),
             qPrintable(view.errorText()));
}

void TestInspectView::plainImage()
{
    // Written through our CLI's plain mapping (passphrase on stdin's first line, hashed with
    // sha256, data from a file), then read back through the plain form.
    const QString path = m_dir.filePath(QStringLiteral("plain-mapped.img"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.resize(4 << 20));
    file.close();
    const QByteArray plaintext = textBytes(4096);
    const QString input = m_dir.filePath(QStringLiteral("plain-input.bin"));
    QFile data(input);
    QVERIFY(data.open(QIODevice::WriteOnly));
    data.write(plaintext);
    data.close();
    const CliResult written =
        runCli({"write", path, "--type", "plain", "-c", "aes-cbc-essiv:sha256", "-s", "256", "-h", "sha256",
                "--plain-offset", "8", "--skip", "16", "--offset", QString::number(3 * 512), "-i", input},
               Passphrase + "\n");
    QVERIFY2(written.exitCode == 0, written.err.constData());

    InspectView view;
    QSignalSpy failed(&view, &InspectView::loadFailed);
    view.inspectImage(path);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, WaitMs);
    view.findChild<QLineEdit*>(QStringLiteral("inspectPlainCipher"))
        ->setText(QStringLiteral("aes-cbc-essiv:sha256"));
    view.findChild<QSpinBox*>(QStringLiteral("inspectPlainKeyBits"))->setValue(256);
    view.findChild<QLineEdit*>(QStringLiteral("inspectPlainHash"))->setText(QStringLiteral("sha256"));
    view.findChild<QSpinBox*>(QStringLiteral("inspectPlainOffset"))->setValue(8);
    view.findChild<QSpinBox*>(QStringLiteral("inspectPlainSkip"))->setValue(16);
    InspectSectorPanel* panel = view.sectorPanel();
    QSignalSpy unlocked(panel, &InspectSectorPanel::unlocked);
    QTest::keyClicks(view.findChild<QLineEdit*>(QStringLiteral("inspectPassphrase")),
                     QString::fromUtf8(Passphrase));
    QTest::mouseClick(view.findChild<QPushButton*>(QStringLiteral("inspectUnlock")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(unlocked.count(), 1, WaitMs);
    // The layout now shows the plain mapping: 8 sectors skipped, then the data.
    const DiskLayout& layout = view.layoutPanel()->map()->diskLayout();
    QCOMPARE(layout.regions().size(), qsizetype(2));
    QCOMPARE(layout.regions()[0].name, QStringLiteral("Skipped (--offset)"));
    QCOMPARE(layout.regions()[1].offset, uint64_t(8 * 512));
    QVERIFY(layout.regions()[1].details.contains(QStringLiteral("Skip (IV offset): 16 sectors")));
    QSignalSpy shown(panel, &InspectSectorPanel::sectorShown);
    for (uint64_t sector = 3; sector < 11; ++sector) {
        panel->showSector(sector);
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), int(sector - 2), WaitMs);
        QCOMPARE(panel->shownSector().plaintext, plaintext.mid(qsizetype(sector - 3) * 512, 512));
        QCOMPARE(panel->shownSector().ivSector, sector + 16);
        QCOMPARE(panel->shownSector().imageOffset, (8 + sector) * 512);
    }
    QVERIFY(panel->shownSector().iv != le64Padded(10 + 16, 16)); // essiv hides the number
    QVERIFY(InspectSectorPanel::explainIv(panel->shownSector())
                .startsWith(QStringLiteral("essiv:sha256: 26 as")));
}

QTEST_MAIN(TestInspectView)
#include "TestInspectView.moc"
