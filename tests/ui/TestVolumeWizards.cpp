// The volume wizards and dialogs under the offscreen platform, driven by object name, against the
// real cryptsetup: the new-volume wizard's LUKS2 and LUKS1 images pass luksDump and open with
// --test-passphrase; the unlock dialog maps a volume into the registry and the tree; the key slots
// dialog's add/change/remove/kill and the header dialog's backup/restore are checked with
// cryptsetup after each step. Every job must run off the GUI thread (VolumeTask's hook records
// where each one ran). Settings live in a temporary folder, never in the real home.
#include "Cryptsetup.h"
#include "HeaderBackupDialog.h"
#include "KeySlotsDialog.h"
#include "MainWindow.h"
#include "NewVolumeWizard.h"
#include "TestImages.h"
#include "UnlockDialog.h"
#include "VolumeTask.h"
#include "dm/DemoStack.h"
#include "dm/DeviceRegistry.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStyle>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QUrl>

#include <sys/stat.h>

#include <mutex>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

constexpr int JobTimeoutMs = 120000;

const QByteArray First = "correct horse battery staple";
const QByteArray Second = "second passphrase 2";
const QByteArray Third = "third passphrase 3";

template <typename T> T* child(QWidget* root, const char* name)
{
    auto* widget = root->findChild<T*>(QString::fromLatin1(name));
    if (!widget)
        qWarning("no widget named %s", name);
    return widget;
}

// cryptsetup open --test-passphrase with the passphrase on stdin (taken whole by --key-file=-).
bool opensWith(const QString& image, const QByteArray& passphrase, int keySlot = -1)
{
    QStringList arguments{QStringLiteral("open"), QStringLiteral("--test-passphrase"),
                          QStringLiteral("--key-file=-"), image};
    if (keySlot >= 0)
        arguments << QStringLiteral("--key-slot=%1").arg(keySlot);
    return cryptsetup(arguments, passphrase).ok();
}

QString dumpText(const QString& path)
{
    const ToolRun run = cryptsetup({QStringLiteral("luksDump"), path});
    return run.ok() ? QString::fromUtf8(run.out) : QString();
}

void acceptBox(QWidget* dialog, const char* name, QString* text = nullptr)
{
    QMessageBox* box = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((box = dialog->findChild<QMessageBox*>(QString::fromLatin1(name))) != nullptr,
                             5000);
    if (text)
        *text = box->text();
    box->button(QMessageBox::Yes)->click();
}

} // namespace

class TestVolumeWizards : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void wizardCreatesLuks2();
    void wizardCreatesLuks1();
    void passphraseMismatchBlocksNext();
    void strengthMeterScores();
    void cancelDuringFormatLeavesNothing();
    void unlockMapsVolumeAndReadsData();
    void wrongPassphraseChangesNothing();
    void unlockWithKeyFileOpensCryptsetupVolume();
    void plainVolumeOpensWithPlainSettings();
    void keySlotsAddChangeRemoveKill();
    void headerBackupAndRestore();
    void dropOpensImagesAndStacks();
    void themeAndRecentPersist();
    void jobsRanOffGuiThread();

private:
    QString createVolume(const QString& type, const QString& name, const QByteArray& passphrase);
    QString unlock(MainWindow& window, const QString& image, const QByteArray& passphrase, QString* error);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::mutex m_threadsMutex;
    QList<QThread*> m_jobThreads;
    QStringList m_jobNames;
};

void TestVolumeWizards::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("CryptStackTest"));
    QCoreApplication::setApplicationName(QStringLiteral("TestVolumeWizards"));
    QVERIFY2(QSettings().fileName().startsWith(m_settingsDir.path()), qPrintable(QSettings().fileName()));
    QVERIFY2(!findTool(QStringLiteral("cryptsetup")).isEmpty(), "cryptsetup is not installed");
    VolumeTask::setJobStartedHook([this](const QString& name) {
        const std::lock_guard lock(m_threadsMutex);
        m_jobThreads << QThread::currentThread();
        m_jobNames << name;
    });
}

void TestVolumeWizards::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QSettings().clear();
}

void TestVolumeWizards::cleanup()
{
    MainWindow::applyTheme(QStringLiteral("system"));
    m_dir.reset();
}

QString TestVolumeWizards::createVolume(const QString& type, const QString& name,
                                        const QByteArray& passphrase)
{
    const QString path = m_dir->filePath(name);
    NewVolumeWizard wizard;
    wizard.show();
    auto next = [&wizard] {
        wizard.button(QWizard::NextButton)->click();
    };
    const char* radio = type == u"luks1"   ? "typeLuks1Radio"
                        : type == u"plain" ? "typePlainRadio"
                                           : "typeLuks2Radio";
    child<QRadioButton>(&wizard, radio)->setChecked(true);
    next();
    if (wizard.currentId() != NewVolumeWizard::ImagePage)
        return {};
    child<QLineEdit>(&wizard, "imagePathEdit")->setText(path);
    child<QSpinBox>(&wizard, "imageSizeSpin")->setValue(32);
    next();
    if (wizard.currentId() != NewVolumeWizard::CipherPage)
        return {};
    next();
    if (type != u"plain") {
        if (wizard.currentId() != NewVolumeWizard::KdfPage)
            return {};
        auto* kdfType = child<QComboBox>(&wizard, "pbkdfTypeCombo");
        if (type == u"luks2") {
            kdfType->setCurrentIndex(kdfType->findData(QStringLiteral("argon2id")));
            child<QSpinBox>(&wizard, "pbkdfMemorySpin")->setValue(64);
            child<QSpinBox>(&wizard, "pbkdfForcedIterationsSpin")->setValue(4);
            child<QLineEdit>(&wizard, "labelEdit")->setText(QStringLiteral("wizard-test"));
        } else {
            kdfType->setCurrentIndex(kdfType->findData(QStringLiteral("pbkdf2")));
            child<QSpinBox>(&wizard, "pbkdfForcedIterationsSpin")->setValue(1000);
        }
        next();
        if (wizard.currentId() != NewVolumeWizard::PassphrasePage)
            return {};
        child<QLineEdit>(&wizard, "passphraseEdit")->setText(QString::fromUtf8(passphrase));
        child<QLineEdit>(&wizard, "confirmPassphraseEdit")->setText(QString::fromUtf8(passphrase));
        next();
    }
    if (wizard.currentId() != NewVolumeWizard::FormatPage)
        return {};
    if (!QTest::qWaitFor([&wizard] { return !wizard.isFormatting(); }, JobTimeoutMs))
        return {};
    if (!wizard.isFormatted()) {
        qWarning("format failed: %s", qPrintable(wizard.errorText()));
        return {};
    }
    // Finish is enabled once the format is done.
    if (!wizard.button(QWizard::FinishButton)->isEnabled())
        return {};
    wizard.button(QWizard::FinishButton)->click();
    return path;
}

QString TestVolumeWizards::unlock(MainWindow& window, const QString& image, const QByteArray& passphrase,
                                  QString* error)
{
    UnlockDialog* dialog = window.openVolume(image);
    if (!dialog)
        return {};
    QPointer<UnlockDialog> guard(dialog);
    if (!QTest::qWaitFor([&] { return dialog->isProbed(); }, JobTimeoutMs))
        return {};
    child<QLineEdit>(dialog, "unlockPassphraseEdit")->setText(QString::fromUtf8(passphrase));
    const QString name = dialog->deviceName();
    child<QPushButton>(dialog, "unlockButton")->click();
    if (!QTest::qWaitFor([&] { return !guard || !guard->isBusy(); }, JobTimeoutMs))
        return {};
    if (guard && error) {
        *error = guard->errorText();
        guard->close();
        return {};
    }
    return name;
}

void TestVolumeWizards::wizardCreatesLuks2()
{
    const QString path = createVolume(QStringLiteral("luks2"), QStringLiteral("v2.img"), First);
    QVERIFY(!path.isEmpty());
    QCOMPARE(QFileInfo(path).size(), qint64(32) << 20);
    const QString dump = dumpText(path);
    QVERIFY2(dump.contains(QStringLiteral("\nVersion:       \t2\n")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("argon2id")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("aes-xts-plain64")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("wizard-test")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("Memory:     64")), qPrintable(dump));
    QVERIFY(opensWith(path, First, 0));
    QVERIFY(!opensWith(path, Second));
}

void TestVolumeWizards::wizardCreatesLuks1()
{
    const QString path = createVolume(QStringLiteral("luks1"), QStringLiteral("v1.img"), First);
    QVERIFY(!path.isEmpty());
    const QString dump = dumpText(path);
    QVERIFY2(dump.contains(QStringLiteral("Version:       \t1")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("Cipher name:   \taes")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("Cipher mode:   \txts-plain64")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("Key Slot 0: ENABLED")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("MK iterations: \t1000")), qPrintable(dump));
    QVERIFY2(dump.contains(QStringLiteral("\tIterations:         \t1000")), qPrintable(dump));
    QVERIFY(opensWith(path, First));
}

void TestVolumeWizards::passphraseMismatchBlocksNext()
{
    NewVolumeWizard wizard;
    wizard.show();
    wizard.button(QWizard::NextButton)->click();
    child<QLineEdit>(&wizard, "imagePathEdit")->setText(m_dir->filePath(QStringLiteral("never.img")));
    wizard.button(QWizard::NextButton)->click();
    wizard.button(QWizard::NextButton)->click();
    child<QComboBox>(&wizard, "pbkdfTypeCombo")
        ->setCurrentIndex(child<QComboBox>(&wizard, "pbkdfTypeCombo")->findData(QStringLiteral("pbkdf2")));
    wizard.button(QWizard::NextButton)->click();
    QCOMPARE(wizard.currentId(), int(NewVolumeWizard::PassphrasePage));
    child<QLineEdit>(&wizard, "passphraseEdit")->setText(QStringLiteral("one thing"));
    child<QLineEdit>(&wizard, "confirmPassphraseEdit")->setText(QStringLiteral("another"));
    auto* mismatch = child<QLabel>(&wizard, "passphraseMismatchLabel");
    QVERIFY(mismatch->isVisible());
    QVERIFY2(mismatch->text().contains(QStringLiteral("do not match")), qPrintable(mismatch->text()));
    QVERIFY(!wizard.button(QWizard::NextButton)->isEnabled());
    wizard.button(QWizard::NextButton)->click();
    QCOMPARE(wizard.currentId(), int(NewVolumeWizard::PassphrasePage));
    child<QLineEdit>(&wizard, "confirmPassphraseEdit")->setText(QStringLiteral("one thing"));
    QVERIFY(!mismatch->isVisible());
    QVERIFY(wizard.button(QWizard::NextButton)->isEnabled());
    // An existing file is refused on the image page, naming the field.
    wizard.back();
    wizard.back();
    wizard.back();
    QCOMPARE(wizard.currentId(), int(NewVolumeWizard::ImagePage));
    const QString existing = createImage(m_dir->path(), QStringLiteral("exists.img"), 1 << 20, 3);
    const QByteArray before = fileDigest(existing);
    child<QLineEdit>(&wizard, "imagePathEdit")->setText(existing);
    wizard.button(QWizard::NextButton)->click();
    QCOMPARE(wizard.currentId(), int(NewVolumeWizard::ImagePage));
    auto* imageError = child<QLabel>(&wizard, "imageErrorLabel");
    QVERIFY2(imageError->text().startsWith(QStringLiteral("Path:")), qPrintable(imageError->text()));
    QCOMPARE(fileDigest(existing), before);
    QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("never.img"))));
}

void TestVolumeWizards::strengthMeterScores()
{
    NewVolumeWizard wizard;
    auto* edit = child<QLineEdit>(&wizard, "passphraseEdit");
    auto* bar = child<QProgressBar>(&wizard, "strengthBar");
    auto* words = child<QLabel>(&wizard, "strengthLabel");
    edit->setText(QStringLiteral("password1"));
    const int common = bar->value();
    QVERIFY2(words->text().contains(QStringLiteral("common")), qPrintable(words->text()));
    edit->setText(QStringLiteral("abcdefgh"));
    const int shortLower = bar->value();
    edit->setText(QStringLiteral("Tr0ub4dor&3-horse-Battery"));
    const int mixed = bar->value();
    QVERIFY(common < 10);
    QVERIFY(shortLower > common);
    QVERIFY(mixed > shortLower);
    QCOMPARE(mixed, 100);
    QVERIFY2(words->text().contains(QStringLiteral("strong")), qPrintable(words->text()));
}

void TestVolumeWizards::cancelDuringFormatLeavesNothing()
{
    const QString path = m_dir->filePath(QStringLiteral("cancelled.img"));
    NewVolumeWizard wizard;
    wizard.show();
    wizard.button(QWizard::NextButton)->click();
    child<QLineEdit>(&wizard, "imagePathEdit")->setText(path);
    wizard.button(QWizard::NextButton)->click();
    wizard.button(QWizard::NextButton)->click();
    // A benchmarked PBKDF2 of 5 s: the format is still busy when Cancel is pressed.
    auto* kdfType = child<QComboBox>(&wizard, "pbkdfTypeCombo");
    kdfType->setCurrentIndex(kdfType->findData(QStringLiteral("pbkdf2")));
    child<QSpinBox>(&wizard, "pbkdfIterTimeSpin")->setValue(5000);
    wizard.button(QWizard::NextButton)->click();
    child<QLineEdit>(&wizard, "passphraseEdit")->setText(QString::fromUtf8(First));
    child<QLineEdit>(&wizard, "confirmPassphraseEdit")->setText(QString::fromUtf8(First));
    wizard.button(QWizard::NextButton)->click();
    QCOMPARE(wizard.currentId(), int(NewVolumeWizard::FormatPage));
    QVERIFY(wizard.isFormatting());
    auto* progress = child<QProgressBar>(&wizard, "formatProgress");
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= 30, 30000); // the image exists, the KDF runs
    QVERIFY(QFile::exists(path));
    child<QPushButton>(&wizard, "formatCancelButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!wizard.isFormatting(), JobTimeoutMs);
    QVERIFY(!wizard.isFormatted());
    QVERIFY(!QFile::exists(path));
    auto* status = child<QLabel>(&wizard, "formatStatusLabel");
    QVERIFY2(status->text().startsWith(QStringLiteral("Cancelled")), qPrintable(status->text()));
    QVERIFY(!wizard.button(QWizard::FinishButton)->isEnabled());
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files), QStringList());
}

void TestVolumeWizards::unlockMapsVolumeAndReadsData()
{
    const QString image = createVolume(QStringLiteral("luks2"), QStringLiteral("open.img"), First);
    QVERIFY(!image.isEmpty());
    DeviceRegistry registry;
    MainWindow window(registry);
    QString error;
    const QString name = unlock(window, image, First, &error);
    QVERIFY2(!name.isEmpty(), qPrintable(error));
    QCOMPARE(name, QStringLiteral("open"));
    auto device = registry.find(name);
    QVERIFY(device);
    // The table cryptsetup loads: the image as the device, the data after the 16 MiB header.
    const QStringList table = device->activeTable()->lines(StatusType::Table, false);
    QCOMPARE(table.size(), 1);
    QVERIFY2(table.first().contains(QStringLiteral(" crypt aes-xts-plain64 :64:logon:cryptsetup:")) &&
                 table.first().contains(QStringLiteral(" 0 %1 32768").arg(image)),
             qPrintable(table.first()));
    QCOMPARE(device->sectors(), uint64_t(16) * 2048);

    // The tree: the volume on top, its image below, the keyslots under the image.
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("deviceTree"));
    QTreeWidgetItem* top = nullptr;
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        if (tree->topLevelItem(i)->text(0) == name)
            top = tree->topLevelItem(i);
    }
    QVERIFY(top);
    QCOMPARE(top->text(1), QStringLiteral("crypt"));
    QCOMPARE(top->childCount(), 1);
    QTreeWidgetItem* imageRow = top->child(0);
    QCOMPARE(imageRow->text(0), image);
    QCOMPARE(imageRow->text(1), QStringLiteral("LUKS2 image"));
    QCOMPARE(imageRow->childCount(), 1);
    QCOMPARE(imageRow->child(0)->text(0), QStringLiteral("key slot 0"));
    QCOMPARE(imageRow->child(0)->text(1), QStringLiteral("active"));
    QCOMPARE(imageRow->child(0)->text(3), QStringLiteral("argon2id"));
    tree->setCurrentItem(imageRow->child(0));
    QCOMPARE(window.selectedImagePath(), image);
    QVERIFY(window.recentVolumes().contains(image));

    // Data goes through the mapping encrypted and comes back.
    const QByteArray data = patternBytes(7, 0, 64 * 1024);
    QVERIFY(device->writeBytes(4096, data.constData(), uint64_t(data.size())));
    QVERIFY(device->flush());
    QByteArray back(data.size(), 0);
    QVERIFY(device->readBytes(4096, back.data(), uint64_t(back.size())));
    QCOMPARE(back, data);
    QVERIFY(readFile(image, (qint64(16) << 20) + 4096, data.size()) != data);

    // Close, open again with the passphrase: the same data (the key came from the keyslot).
    tree->setCurrentItem(top);
    QAction* close = window.findChild<QAction*>(QStringLiteral("closeVolumeAction"));
    QVERIFY(close->isEnabled());
    close->trigger();
    device.reset();
    QTRY_VERIFY_WITH_TIMEOUT(!registry.find(name), JobTimeoutMs);
    const QString again = unlock(window, image, First, &error);
    QCOMPARE(again, name);
    device = registry.find(name);
    QVERIFY(device);
    QByteArray reread(data.size(), 0);
    QVERIFY(device->readBytes(4096, reread.data(), uint64_t(reread.size())));
    QCOMPARE(reread, data);
}

void TestVolumeWizards::wrongPassphraseChangesNothing()
{
    const QString image = createVolume(QStringLiteral("luks1"), QStringLiteral("wrong.img"), First);
    QVERIFY(!image.isEmpty());
    const QByteArray before = fileDigest(image);
    DeviceRegistry registry;
    MainWindow window(registry);
    const QStringList names = registry.names();
    QString error;
    QVERIFY(unlock(window, image, Second, &error).isEmpty());
    QCOMPARE(error, QStringLiteral("No key available with this passphrase."));
    QCOMPARE(registry.names(), names);
    QCOMPARE(fileDigest(image), before);
}

void TestVolumeWizards::unlockWithKeyFileOpensCryptsetupVolume()
{
    // A volume cryptsetup made, with a key file holding a newline and a zero byte (taken whole).
    const QString image = createImage(m_dir->path(), QStringLiteral("cs.img"), qint64(20) << 20, 0);
    const QString keyFile = m_dir->filePath(QStringLiteral("key.bin"));
    {
        QFile file(keyFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("key\nfile\0bytes", 15));
    }
    const ToolRun format =
        cryptsetup({QStringLiteral("luksFormat"), QStringLiteral("-q"), QStringLiteral("--type"),
                    QStringLiteral("luks2"), QStringLiteral("--pbkdf"), QStringLiteral("pbkdf2"),
                    QStringLiteral("--pbkdf-force-iterations"), QStringLiteral("1000"),
                    QStringLiteral("--key-file"), keyFile, image});
    QVERIFY2(format.ok(), format.err.constData());
    DeviceRegistry registry;
    MainWindow window(registry);
    UnlockDialog* dialog = window.openVolume(image);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isProbed(), JobTimeoutMs);
    QVERIFY(dialog->isLuks());
    QCOMPARE(dialog->summary().keyslots.size(), 1);
    QCOMPARE(dialog->summary().keyslots.first().kdf, QStringLiteral("pbkdf2"));
    child<QRadioButton>(dialog, "unlockKeyFileRadio")->setChecked(true);
    child<QLineEdit>(dialog, "unlockKeyFileEdit")->setText(keyFile);
    child<QSpinBox>(dialog, "unlockKeySlotSpin")->setValue(0);
    child<QLineEdit>(dialog, "unlockNameEdit")->setText(QStringLiteral("fromfile"));
    child<QPushButton>(dialog, "unlockButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(registry.find(QStringLiteral("fromfile")) != nullptr, JobTimeoutMs);
    QCOMPARE(window.imageOfDevice(QStringLiteral("fromfile")), image);
}

void TestVolumeWizards::plainVolumeOpensWithPlainSettings()
{
    const QString image = createVolume(QStringLiteral("plain"), QStringLiteral("plain.img"), {});
    QVERIFY(!image.isEmpty());
    QCOMPARE(QFileInfo(image).size(), qint64(32) << 20);
    QCOMPARE(readFile(image, 0, 4096), QByteArray(4096, 0)); // nothing written: no header
    DeviceRegistry registry;
    MainWindow window(registry);
    UnlockDialog* dialog = window.openVolume(image);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isProbed(), JobTimeoutMs);
    QVERIFY(!dialog->isLuks());
    QVERIFY(child<QWidget>(dialog, "unlockPlainGroup")->isVisible());
    child<QComboBox>(dialog, "unlockPlainHashCombo")
        ->setCurrentIndex(
            child<QComboBox>(dialog, "unlockPlainHashCombo")->findData(QStringLiteral("sha256")));
    child<QLineEdit>(dialog, "unlockPassphraseEdit")->setText(QString::fromUtf8(First));
    child<QPushButton>(dialog, "unlockButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(registry.find(QStringLiteral("plain")) != nullptr, JobTimeoutMs);
    // cryptsetup's plain table: the default cipher and the sha256 of the passphrase as the key.
    const QByteArray key = QCryptographicHash::hash(First, QCryptographicHash::Sha256).toHex();
    const QStringList table =
        registry.find(QStringLiteral("plain"))->activeTable()->lines(StatusType::Table, true);
    QCOMPARE(table, QStringList{QStringLiteral("0 65536 crypt aes-cbc-essiv:sha256 %1 0 %2 0")
                                    .arg(QString::fromLatin1(key), image)});
}

void TestVolumeWizards::keySlotsAddChangeRemoveKill()
{
    for (const QString& type : {QStringLiteral("luks2"), QStringLiteral("luks1")}) {
        const QString image = createVolume(type, type + QStringLiteral("-slots.img"), First);
        QVERIFY(!image.isEmpty());
        DeviceRegistry registry;
        MainWindow window(registry);
        KeySlotsDialog* dialog = window.showKeySlots(image);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy() && dialog->summary().version != 0, JobTimeoutMs);
        auto* tree = child<QTreeWidget>(dialog, "keySlotsTree");
        QCOMPARE(tree->topLevelItem(0)->text(1), QStringLiteral("active"));
        auto* kdfType = child<QComboBox>(dialog, "pbkdfTypeCombo");
        kdfType->setCurrentIndex(kdfType->findData(QStringLiteral("pbkdf2")));
        child<QSpinBox>(dialog, "pbkdfForcedIterationsSpin")->setValue(1000);
        auto* existing = child<QLineEdit>(dialog, "existingPassphraseEdit");
        auto* added = child<QLineEdit>(dialog, "newPassphraseEdit");
        auto* confirm = child<QLineEdit>(dialog, "confirmNewPassphraseEdit");
        auto run = [&](const char* buttonName, const char* boxName) {
            child<QPushButton>(dialog, buttonName)->click();
            if (boxName)
                acceptBox(dialog, boxName);
            QTRY_VERIFY_WITH_TIMEOUT(dialog->isBusy(), 5000);
            QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy(), JobTimeoutMs);
            QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
        };

        // Add: slot 1 holds the second passphrase.
        existing->setText(QString::fromUtf8(First));
        added->setText(QString::fromUtf8(Second));
        confirm->setText(QString::fromUtf8(Second));
        run("addKeyButton", nullptr);
        QCOMPARE(dialog->statusText(), QStringLiteral("Key slot 1 created."));
        QVERIFY(opensWith(image, Second, 1));
        QVERIFY(opensWith(image, First, 0));
        QCOMPARE(dialog->summary().activeCount(), 2);

        // Change: the second passphrase becomes the third.
        existing->setText(QString::fromUtf8(Second));
        added->setText(QString::fromUtf8(Third));
        confirm->setText(QString::fromUtf8(Third));
        run("changeKeyButton", "confirmChangeKeyBox");
        QVERIFY2(dialog->statusText().contains(QStringLiteral("now holds the new passphrase")),
                 qPrintable(dialog->statusText()));
        QVERIFY(opensWith(image, Third));
        QVERIFY(!opensWith(image, Second));
        QCOMPARE(dialog->summary().activeCount(), 2);

        // Remove: the slot the third passphrase opens.
        existing->setText(QString::fromUtf8(Third));
        run("removeKeyButton", "confirmRemoveKeyBox");
        QVERIFY(!opensWith(image, Third));
        QVERIFY(opensWith(image, First));
        QCOMPARE(dialog->summary().activeCount(), 1);

        // Kill slot 0 after adding another key, confirmed with that other passphrase.
        existing->setText(QString::fromUtf8(First));
        added->setText(QString::fromUtf8(Second));
        confirm->setText(QString::fromUtf8(Second));
        run("addKeyButton", nullptr);
        existing->setText(QString::fromUtf8(Second));
        child<QSpinBox>(dialog, "killSlotSpin")->setValue(0);
        run("killSlotButton", "confirmKillSlotBox");
        QCOMPARE(dialog->statusText(), QStringLiteral("Key slot 0 removed."));
        QVERIFY(!opensWith(image, First));
        QVERIFY(opensWith(image, Second));
        const QString dump = dumpText(image);
        QVERIFY2(type == u"luks2" ? !dump.contains(QStringLiteral("\n  0: luks2"))
                                  : dump.contains(QStringLiteral("Key Slot 0: DISABLED")),
                 qPrintable(dump));

        // A wrong passphrase is refused with cryptsetup's words and changes nothing.
        const QByteArray before = fileDigest(image);
        existing->setText(QStringLiteral("not a passphrase"));
        added->setText(QString::fromUtf8(Third));
        confirm->setText(QString::fromUtf8(Third));
        child<QPushButton>(dialog, "addKeyButton")->click();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy() && !dialog->errorText().isEmpty(), JobTimeoutMs);
        QCOMPARE(dialog->errorText(), QStringLiteral("No key available with this passphrase."));
        QCOMPARE(fileDigest(image), before);
        dialog->close();
    }
}

void TestVolumeWizards::headerBackupAndRestore()
{
    const QString image = createVolume(QStringLiteral("luks2"), QStringLiteral("header.img"), First);
    QVERIFY(!image.isEmpty());
    DeviceRegistry registry;
    MainWindow window(registry);
    HeaderBackupDialog* dialog = window.showHeaderDialog(image, HeaderBackupDialog::Mode::Backup);
    const QString backup = m_dir->filePath(QStringLiteral("header.backup"));
    child<QLineEdit>(dialog, "backupPathEdit")->setText(backup);
    child<QPushButton>(dialog, "backupButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy(), JobTimeoutMs);
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    struct stat info = {};
    QCOMPARE(::stat(QFile::encodeName(backup).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0400u);
    QCOMPARE(QFileInfo(backup).size(), qint64(16) << 20);
    QVERIFY(!dumpText(backup).isEmpty());
    // A second backup to the same file is refused.
    child<QPushButton>(dialog, "backupButton")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy() && !dialog->errorText().isEmpty(), JobTimeoutMs);
    QVERIFY2(dialog->errorText().contains(QStringLiteral("already exists")), qPrintable(dialog->errorText()));

    // Damage both LUKS2 header copies: cryptsetup no longer sees a LUKS device.
    {
        QFile file(image);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const QByteArray junk(32 * 1024, 'x');
        QCOMPARE(file.write(junk), qint64(junk.size()));
    }
    QVERIFY(dumpText(image).isEmpty());
    QVERIFY(!opensWith(image, First));

    child<QLineEdit>(dialog, "restorePathEdit")->setText(backup);
    child<QPushButton>(dialog, "restoreButton")->click();
    QString question;
    acceptBox(dialog, "confirmRestoreBox", &question);
    QVERIFY2(question.contains(image) && question.contains(QStringLiteral("keyslots")), qPrintable(question));
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isBusy() && !dialog->savedHeaderPath().isEmpty(), JobTimeoutMs);
    QVERIFY2(dialog->errorText().isEmpty(), qPrintable(dialog->errorText()));
    const QString saved = dialog->savedHeaderPath();
    QVERIFY2(saved.startsWith(image + QStringLiteral(".before-restore-")), qPrintable(saved));
    QVERIFY2(dialog->statusText().contains(saved), qPrintable(dialog->statusText()));
    QVERIFY(readFile(saved, 0, 1024) == QByteArray(1024, 'x'));
    QVERIFY(!dumpText(image).isEmpty());
    QVERIFY(opensWith(image, First));
}

void TestVolumeWizards::dropOpensImagesAndStacks()
{
    const QString image = createVolume(QStringLiteral("luks1"), QStringLiteral("dropped.img"), First);
    QVERIFY(!image.isEmpty());
    DeviceRegistry registry;
    MainWindow window(registry);
    window.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(image)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    auto* dialog = window.findChild<UnlockDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->imagePath(), image);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isProbed(), JobTimeoutMs);
    QVERIFY(dialog->isLuks());
    QCOMPARE(dialog->summary().version, 1);
    dialog->close();

    auto concise = ensureDemoStack(m_dir->path());
    QVERIFY2(concise, qPrintable(concise.message()));
    QMimeData stack;
    stack.setUrls({QUrl::fromLocalFile(*concise)});
    // Qt delivers a drop to the widget that accepted the drag's enter event, as a real drag does.
    QDragEnterEvent enterStack(QPoint(10, 10), Qt::CopyAction, &stack, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enterStack);
    QVERIFY(enterStack.isAccepted());
    QDropEvent dropStack(QPointF(10, 10), Qt::CopyAction, &stack, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &dropStack);
    QVERIFY2(registry.find(QStringLiteral("demo-top")),
             qPrintable(registry.names().join(u' ') + u' ' + *concise));

    QMimeData text;
    text.setText(QStringLiteral("not a file"));
    QDragEnterEvent enterText(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    enterText.setAccepted(false);
    QApplication::sendEvent(&window, &enterText);
    QVERIFY(!enterText.isAccepted());
}

void TestVolumeWizards::themeAndRecentPersist()
{
    DeviceRegistry registry;
    const QString original = QApplication::style()->name();
    {
        MainWindow window(registry);
        QVERIFY(window.findChild<QAction*>(QStringLiteral("themeSystemAction"))->isChecked());
        window.findChild<QAction*>(QStringLiteral("themeDarkAction"))->trigger();
        QCOMPARE(QApplication::style()->name().toLower(), QStringLiteral("fusion"));
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        for (int i = 0; i < 10; ++i)
            window.addRecentVolume(m_dir->filePath(QStringLiteral("r%1.img").arg(i)));
        window.resize(777, 555);
        window.close();
    }
    QApplication::setStyle(original); // prove the next window applies the saved theme itself
    {
        MainWindow window(registry);
        QVERIFY(window.findChild<QAction*>(QStringLiteral("themeDarkAction"))->isChecked());
        QCOMPARE(window.theme(), QStringLiteral("dark"));
        QCOMPARE(QApplication::style()->name().toLower(), QStringLiteral("fusion"));
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        const QStringList recent = window.recentVolumes();
        QCOMPARE(recent.size(), 8); // the last 8, newest first
        QCOMPARE(recent.first(), m_dir->filePath(QStringLiteral("r9.img")));
        QCOMPARE(recent.last(), m_dir->filePath(QStringLiteral("r2.img")));
        auto* menu = window.findChild<QMenu*>(QStringLiteral("recentVolumesMenu"));
        QVERIFY(menu);
        QVERIFY(window.findChild<QAction*>(QStringLiteral("recentVolumeAction7")));
        QCOMPARE(window.size(), QSize(777, 555));
        auto* clear = window.findChild<QAction*>(QStringLiteral("clearRecentVolumesAction"));
        QVERIFY(clear && clear->isEnabled());
        clear->trigger();
        QVERIFY(window.recentVolumes().isEmpty());
        window.findChild<QAction*>(QStringLiteral("themeLightAction"))->trigger();
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 150);
    }
    {
        MainWindow window(registry);
        QVERIFY(window.recentVolumes().isEmpty());
        QVERIFY(window.findChild<QAction*>(QStringLiteral("themeLightAction"))->isChecked());
    }
}

void TestVolumeWizards::jobsRanOffGuiThread()
{
    // Everything above (formats, probes, unlocks, keyslot changes, header writes, closes) went
    // through VolumeTask; none of it ran on this, the GUI thread.
    const std::lock_guard lock(m_threadsMutex);
    QVERIFY(m_jobThreads.size() > 20);
    for (QThread* thread : std::as_const(m_jobThreads))
        QVERIFY(thread != QThread::currentThread());
    for (const char* name : {"gui-format", "gui-unlock", "gui-keyslots", "gui-header", "gui-close"})
        QVERIFY2(m_jobNames.contains(QString::fromLatin1(name)), name);
}

QTEST_MAIN(TestVolumeWizards)
#include "TestVolumeWizards.moc"
