#include "CrashScenarios.h"

#include "TestImages.h"
#include "formats/luks2/Luks2Volume.h"

#include <QTest>

#include <cstring>

namespace cryptstack::test {

namespace {

const QByteArray OldPass = QByteArrayLiteral("old passphrase");
const QByteArray OtherPass = QByteArrayLiteral("other passphrase");
const QByteArray NewPass = QByteArrayLiteral("new passphrase");

QString at(uint64_t n, const QString& what)
{
    return QStringLiteral("N=%1: %2").arg(n).arg(what);
}

// The survivor must load (a keyslot verb never leaves no header), with its data untouched; a
// damaged LUKS2 copy is repaired after the caller's checks (see finish()).
std::unique_ptr<LuksVolume> loadChecked(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n,
                                        const CrashVolume& volume)
{
    checkDataUntouched(survivor, n, volume);
    auto loaded = loadOver(survivor);
    if (!loaded) {
        QTest::qFail(qPrintable(at(n, QStringLiteral("no valid header: ") + loaded.status().message())),
                     __FILE__, __LINE__);
        return nullptr;
    }
    return std::move(loaded.value());
}

void finish(LuksVolume& loaded, const std::shared_ptr<CrashingDevice>& survivor, uint64_t n,
            const QByteArray& opening, const CrashVolume& volume, CrashTally& tally)
{
    const auto* luks2 = dynamic_cast<const Luks2Volume*>(&loaded);
    if (luks2 && luks2->hasDamagedCopy())
        repairAndRecheck(survivor->survivor(), n, opening, volume.volumeKey, tally);
}

// Opens keyslot `keyslot` with passphrase (one AF merge, where a plain unlock would first try the
// other keyslots).
bool slotOpens(LuksVolume& volume, int keyslot, const QByteArray& passphrase, const SecureBuffer& key)
{
    auto unlocked = volume.unlock(bytesOf(passphrase), keyslot);
    return unlocked && unlocked->volumeKey.size() == key.size() &&
           std::memcmp(unlocked->volumeKey.data(), key.data(), key.size()) == 0;
}

Status unlockThen(const std::shared_ptr<CrashingDevice>& device, const QByteArray& passphrase,
                  const std::function<Status(LuksVolume&, UnlockedKey&)>& step)
{
    auto volume = loadOver(device);
    if (!volume)
        return volume.status();
    auto unlocked = volume.value()->unlock(bytesOf(passphrase), std::nullopt);
    if (!unlocked)
        return unlocked.status();
    return step(*volume.value(), unlocked.value());
}

// Removing keyslot `gone` while `kept` opens: old (still active and opening), wiping (active,
// material already overwritten), new (gone, and the passphrase no longer opens).
void checkRemoval(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, const CrashVolume& volume,
                  int gone, const QByteArray& gonePass, const QByteArray& keptPass, CrashTally& tally)
{
    auto loaded = loadChecked(survivor, n, volume);
    if (!loaded)
        return;
    QVERIFY2(opensWith(*loaded, keptPass, volume.volumeKey),
             qPrintable(at(n, QStringLiteral("the remaining passphrase does not open"))));
    if (!loaded->isKeyslotActive(gone)) {
        // Only the other keyslot is left, and it holds another passphrase.
        ++tally.newState;
    } else if (slotOpens(*loaded, gone, gonePass, volume.volumeKey)) {
        ++tally.oldState;
    } else {
        ++tally.between;
    }
    finish(*loaded, survivor, n, keptPass, volume, tally);
}

bool blank(const CrashVolume& volume)
{
    if (volume.image)
        return false;
    QTest::qFail("the volume could not be built", __FILE__, __LINE__);
    return true;
}

} // namespace

void crashAddKey(const CrashVolumeSpec& spec)
{
    const CrashVolume volume = makeCrashVolume(spec, {OldPass});
    if (blank(volume))
        return;
    CrashTally tally;
    const auto verb = [&](const std::shared_ptr<CrashingDevice>& device) {
        return unlockThen(device, OldPass, [](LuksVolume& luks, UnlockedKey& key) -> Status {
            AddKeyslotOptions options;
            options.kdf = cheapKdf();
            auto slot = luks.addKeyslot(key.volumeKey, bytesOf(NewPass), options);
            if (slot && *slot != 1)
                return Status(ErrorCode::InvalidArgument, QStringLiteral("added to keyslot %1").arg(*slot));
            return slot.status();
        });
    };
    const auto check = [&](const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& t) {
        auto loaded = loadChecked(survivor, n, volume);
        if (!loaded)
            return;
        QVERIFY2(opensWith(*loaded, OldPass, volume.volumeKey),
                 qPrintable(at(n, QStringLiteral("the old passphrase does not open"))));
        if (loaded->isKeyslotActive(1)) {
            QVERIFY2(slotOpens(*loaded, 1, NewPass, volume.volumeKey),
                     qPrintable(at(n, QStringLiteral("keyslot 1 is active but does not open"))));
            ++t.newState;
        } else {
            ++t.oldState;
        }
        finish(*loaded, survivor, n, OldPass, volume, t);
    };
    runCrashLoop(volume.image, spec.deviceBlockSize, verb, check, tally);
    recordCrashTally(spec.name() + QStringLiteral(" luksAddKey"), tally);
}

void crashChangeKey(const CrashVolumeSpec& spec)
{
    const CrashVolume volume = makeCrashVolume(spec, {OldPass});
    if (blank(volume))
        return;
    CrashTally tally;
    const auto verb = [&](const std::shared_ptr<CrashingDevice>& device) {
        return unlockThen(device, OldPass, [](LuksVolume& luks, UnlockedKey& key) -> Status {
            AddKeyslotOptions options;
            options.kdf = cheapKdf();
            return luks.changeKeyslot(key, bytesOf(NewPass), options).status();
        });
    };
    const auto check = [&](const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& t) {
        auto loaded = loadChecked(survivor, n, volume);
        if (!loaded)
            return;
        // opensWith also compares the key: whichever opens yields the same volume key.
        const bool oldOpens = opensWith(*loaded, OldPass, volume.volumeKey);
        const bool newOpens = opensWith(*loaded, NewPass, volume.volumeKey);
        QVERIFY2(oldOpens || newOpens, qPrintable(at(n, QStringLiteral("opens with neither passphrase"))));
        if (oldOpens && newOpens)
            ++t.between;
        else if (newOpens)
            ++t.newState;
        else
            ++t.oldState;
        finish(*loaded, survivor, n, newOpens ? NewPass : OldPass, volume, t);
    };
    runCrashLoop(volume.image, spec.deviceBlockSize, verb, check, tally);
    recordCrashTally(spec.name() + QStringLiteral(" luksChangeKey"), tally, QStringLiteral("both open"));
}

void crashRemoveKey(const CrashVolumeSpec& spec)
{
    const CrashVolume volume = makeCrashVolume(spec, {OldPass, OtherPass});
    if (blank(volume))
        return;
    CrashTally tally;
    const auto verb = [&](const std::shared_ptr<CrashingDevice>& device) {
        // luksRemoveKey: the passphrase to delete names its keyslot.
        return unlockThen(device, OtherPass, [](LuksVolume& luks, UnlockedKey& key) -> Status {
            if (key.keyslot != 1)
                return Status(ErrorCode::InvalidArgument,
                              QStringLiteral("opened keyslot %1").arg(key.keyslot));
            return luks.destroyKeyslot(key.keyslot);
        });
    };
    const auto check = [&](const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& t) {
        checkRemoval(survivor, n, volume, 1, OtherPass, OldPass, t);
    };
    runCrashLoop(volume.image, spec.deviceBlockSize, verb, check, tally);
    recordCrashTally(spec.name() + QStringLiteral(" luksRemoveKey"), tally, QStringLiteral("wiping"));
}

void crashKillSlot(const CrashVolumeSpec& spec)
{
    const CrashVolume volume = makeCrashVolume(spec, {OldPass, OtherPass});
    if (blank(volume))
        return;
    CrashTally tally;
    const auto verb = [&](const std::shared_ptr<CrashingDevice>& device) -> Status {
        auto luks = loadOver(device);
        if (!luks)
            return luks.status();
        // verify_keyslot: another keyslot must open with the passphrase given.
        auto other = luks.value()->unlock(bytesOf(OtherPass), 1);
        if (!other)
            return other.status();
        return luks.value()->destroyKeyslot(0);
    };
    const auto check = [&](const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& t) {
        checkRemoval(survivor, n, volume, 0, OldPass, OtherPass, t);
    };
    runCrashLoop(volume.image, spec.deviceBlockSize, verb, check, tally);
    recordCrashTally(spec.name() + QStringLiteral(" luksKillSlot"), tally, QStringLiteral("wiping"));
}

void crashConfigLabels(const CrashVolumeSpec& spec)
{
    const CrashVolume volume = makeCrashVolume(spec, {OldPass});
    if (blank(volume))
        return;
    const QString label = QStringLiteral("crash-label");
    const QString subsystem = QStringLiteral("crash-subsystem");
    CrashTally tally;
    const auto verb = [&](const std::shared_ptr<CrashingDevice>& device) -> Status {
        auto luks = loadOver(device);
        if (!luks)
            return luks.status();
        auto* luks2 = dynamic_cast<Luks2Volume*>(luks.value().get());
        if (!luks2)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("not LUKS2"));
        return luks2->setLabels(label, subsystem);
    };
    const auto check = [&](const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& t) {
        auto loaded = loadChecked(survivor, n, volume);
        if (!loaded)
            return;
        QVERIFY2(opensWith(*loaded, OldPass, volume.volumeKey),
                 qPrintable(at(n, QStringLiteral("the passphrase does not open"))));
        const auto* luks2 = dynamic_cast<const Luks2Volume*>(loaded.get());
        QVERIFY(luks2);
        // Both fields travel in one commit: never one without the other.
        if (luks2->label().isEmpty()) {
            QVERIFY2(luks2->subsystem().isEmpty(), qPrintable(at(n, QStringLiteral("half a config change"))));
            ++t.oldState;
        } else {
            QVERIFY2(luks2->label() == label && luks2->subsystem() == subsystem,
                     qPrintable(at(n, QStringLiteral("label \"%1\", subsystem \"%2\"")
                                          .arg(luks2->label(), luks2->subsystem()))));
            ++t.newState;
        }
        finish(*loaded, survivor, n, OldPass, volume, t);
    };
    runCrashLoop(volume.image, spec.deviceBlockSize, verb, check, tally);
    recordCrashTally(spec.name() + QStringLiteral(" config --label --subsystem"), tally);
}

void crashConfigPriority(const CrashVolumeSpec& spec)
{
    const CrashVolume volume = makeCrashVolume(spec, {OldPass});
    if (blank(volume))
        return;
    CrashTally tally;
    const auto verb = [&](const std::shared_ptr<CrashingDevice>& device) -> Status {
        auto luks = loadOver(device);
        if (!luks)
            return luks.status();
        auto* luks2 = dynamic_cast<Luks2Volume*>(luks.value().get());
        if (!luks2)
            return Status(ErrorCode::InvalidArgument, QStringLiteral("not LUKS2"));
        return luks2->setPriority(0, 2);
    };
    const auto check = [&](const std::shared_ptr<CrashingDevice>& survivor, uint64_t n, CrashTally& t) {
        auto loaded = loadChecked(survivor, n, volume);
        if (!loaded)
            return;
        QVERIFY2(opensWith(*loaded, OldPass, volume.volumeKey),
                 qPrintable(at(n, QStringLiteral("the passphrase does not open"))));
        const auto* luks2 = dynamic_cast<const Luks2Volume*>(loaded.get());
        QVERIFY(luks2);
        const int priority = luks2->priority(0);
        QVERIFY2(priority == 1 || priority == 2,
                 qPrintable(at(n, QStringLiteral("priority %1").arg(priority))));
        ++(priority == 2 ? t.newState : t.oldState);
        finish(*loaded, survivor, n, OldPass, volume, t);
    };
    runCrashLoop(volume.image, spec.deviceBlockSize, verb, check, tally);
    recordCrashTally(spec.name() + QStringLiteral(" config --priority"), tally);
}

namespace {

// One luksFormat survivor: no valid header (a failed load that names no I/O error), or the
// complete volume.
void checkFormatted(const std::shared_ptr<CrashingDevice>& image, uint64_t n, const CrashVolumeSpec& spec,
                    const SecureBuffer& volumeKey, CrashTally& tally)
{
    auto loaded = loadOver(image);
    if (!loaded) {
        const ErrorCode code = loaded.status().code();
        QVERIFY2(code == ErrorCode::InvalidArgument || code == ErrorCode::Corruption,
                 qPrintable(at(n, loaded.status().message())));
        ++tally.noHeader;
        return;
    }
    LuksVolume& volume = *loaded.value();
    QVERIFY2(opensWith(volume, NewPass, volumeKey),
             qPrintable(at(n, QStringLiteral("a valid header that the passphrase does not open"))));
    QCOMPARE(volume.version(), spec.version);
    QCOMPARE(volume.volumeKeyBytes(), size_t(64));
    QCOMPARE(volume.cipherSpec(), QStringLiteral("aes-xts-plain64"));
    QCOMPARE(volume.activation().sectorSize, spec.version == 1 ? 512u : spec.sectorSize);
    ++tally.newState;
    const auto* luks2 = dynamic_cast<const Luks2Volume*>(&volume);
    if (luks2 && luks2->hasDamagedCopy())
        repairAndRecheck(image->survivor(), n, NewPass, volumeKey, tally);
}

} // namespace

void crashFormat(const CrashVolumeSpec& spec)
{
    // W is the whole wipe (2 MiB for LUKS1, 32 MiB for LUKS2): rerunning format for each of
    // 8,600 or 66,000 budgets would take hours, so the crash images come from the write log of
    // one run instead. That is exact: the device accepts the first N sectors of a budgeted run
    // as it accepts them without budget, so a crash at N leaves the base plus the first N logged
    // sectors. Real budgeted runs at a few N confirm the verb fails and the outcome agrees.
    const qsizetype size = qsizetype(crashImageBytes(spec));
    const QByteArray pattern = patternBytes(uint32_t(7000 + spec.version), 0, size);
    auto base = std::make_shared<CrashingDevice::Image>(size_t(size));
    std::memcpy(base->data(), pattern.constData(), base->size());
    const SecureBuffer volumeKey = crashVolumeKey();

    auto recorder = std::make_shared<CrashingDevice>(base, std::nullopt, spec.deviceBlockSize);
    recorder->setRecording(true);
    auto formatted = formatAsVerb(recorder, spec, volumeKey, NewPass);
    QVERIFY2(formatted, qPrintable(formatted.status().message()));
    const uint64_t dataOffset = formatted.value()->activation().dataOffsetSectors * 512;
    formatted.value().reset();
    const std::vector<CrashingDevice::WrittenSector> log = recorder->writeLog();
    const uint64_t w = log.size();
    QCOMPARE(w, recorder->persistedSectors());
    for (const CrashingDevice::WrittenSector& written : log)
        QVERIFY2(written.sector < dataOffset / 512,
                 qPrintable(QStringLiteral("format wrote data sector %1").arg(written.sector)));

    CrashTally tally;
    auto image = std::make_shared<CrashingDevice>(base, std::nullopt, spec.deviceBlockSize);
    std::vector<bool> opened(w + 1);
    for (uint64_t n = 0; n <= w; ++n) {
        if (n > 0)
            image->put(log[n - 1]);
        ++tally.points;
        const uint64_t before = tally.noHeader;
        checkFormatted(image, n, spec, volumeKey, tally);
        if (QTest::currentTestFailed())
            return;
        opened[n] = tally.noHeader == before;
    }
    QVERIFY(opened[w]);
    QCOMPARE(dataDigestOf(*image, dataOffset),
             dataDigestOf(*std::make_shared<CrashingDevice>(base, std::nullopt), dataOffset));

    for (const uint64_t n : {uint64_t(0), uint64_t(1), w / 2, w - 600, w - 100, w - 2, w - 1, w}) {
        auto device = std::make_shared<CrashingDevice>(base, n, spec.deviceBlockSize);
        const auto run = formatAsVerb(device, spec, volumeKey, NewPass);
        if (n < w)
            QVERIFY2(!run && run.status().code() == ErrorCode::IOError && device->crashed(),
                     qPrintable(at(n, QStringLiteral("format did not fail with an I/O error"))));
        else
            QVERIFY2(run, qPrintable(run.status().message()));
        CrashTally real;
        checkFormatted(device->survivor(), n, spec, volumeKey, real);
        if (QTest::currentTestFailed())
            return;
        QVERIFY2((real.noHeader == 0) == opened[n],
                 qPrintable(at(n, QStringLiteral("the real crash and the replayed log disagree"))));
    }
    recordCrashTally(spec.name() + QStringLiteral(" luksFormat"), tally);
}

} // namespace cryptstack::test
