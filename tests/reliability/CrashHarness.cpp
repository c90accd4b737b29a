#include "CrashHarness.h"

#include "TestImages.h"
#include "formats/luks1/Luks1Volume.h"
#include "formats/luks2/Luks2Volume.h"

#include <QCryptographicHash>
#include <QTest>

#include <cstring>

namespace cryptstack::test {

namespace {

struct RecordedTally
{
    QString what;
    CrashTally tally;
    QString betweenName;
};

QList<RecordedTally>& recorded()
{
    static QList<RecordedTally> list;
    return list;
}

constexpr uint64_t MiB = 1 << 20;

} // namespace

QString CrashTally::summary(const QString& what, const QString& betweenName) const
{
    QString line = QStringLiteral("%1: W=%2, N=0..W checked: %3; old %4, new %5")
                       .arg(what)
                       .arg(points ? points - 1 : 0)
                       .arg(points)
                       .arg(oldState)
                       .arg(newState);
    if (!betweenName.isEmpty())
        line += QStringLiteral(", %1 %2").arg(betweenName).arg(between);
    if (noHeader)
        line += QStringLiteral(", no header %1").arg(noHeader);
    line += QStringLiteral(", damaged copy (repaired) %1").arg(damagedCopy);
    return line;
}

void recordCrashTally(const QString& what, const CrashTally& tally, const QString& betweenName)
{
    recorded().append({what, tally, betweenName});
    qInfo().noquote() << "crash:" << tally.summary(what, betweenName);
}

void printCrashTotals()
{
    CrashTally total;
    for (const RecordedTally& r : recorded()) {
        total.points += r.tally.points;
        total.oldState += r.tally.oldState;
        total.newState += r.tally.newState;
        total.between += r.tally.between;
        total.damagedCopy += r.tally.damagedCopy;
        total.noHeader += r.tally.noHeader;
    }
    qInfo().noquote() << "crash: total over" << recorded().size() << "loops:" << total.points
                      << "crash points; old" << total.oldState << "new" << total.newState << "between"
                      << total.between << "no header" << total.noHeader << "damaged copy"
                      << total.damagedCopy;
}

QString CrashVolumeSpec::name() const
{
    if (version == 1)
        return deviceBlockSize == 512 ? QStringLiteral("LUKS1")
                                      : QStringLiteral("LUKS1 dev%1").arg(deviceBlockSize);
    QString text =
        QStringLiteral("LUKS2 %1K/%2").arg((metadataSize ? metadataSize : 16384) / 1024).arg(sectorSize);
    if (deviceBlockSize != 512)
        text += QStringLiteral(" dev%1").arg(deviceBlockSize);
    return text;
}

KdfRequest cheapKdf()
{
    KdfRequest kdf;
    kdf.type = QStringLiteral("pbkdf2");
    kdf.forcedIterations = 1000;
    return kdf;
}

std::span<const uint8_t> bytesOf(const QByteArray& text)
{
    return {reinterpret_cast<const uint8_t*>(text.constData()), size_t(text.size())};
}

SecureBuffer crashVolumeKey()
{
    SecureBuffer key(64);
    for (size_t i = 0; i < key.size(); ++i)
        key.data()[i] = uint8_t(0xA5 ^ (i * 7));
    return key;
}

QByteArray dataDigestOf(BlockDevice& device, uint64_t dataOffset)
{
    std::vector<std::byte> data(device.sizeBytes() - dataOffset);
    if (!device.readBytes(dataOffset, data.data(), data.size()))
        return {};
    return QCryptographicHash::hash(
        QByteArrayView(reinterpret_cast<const char*>(data.data()), qsizetype(data.size())),
        QCryptographicHash::Sha256);
}

uint64_t crashImageBytes(const CrashVolumeSpec& spec)
{
    // LUKS1 with a 512-bit key: payload at 4096 sectors. LUKS2 with the default keyslots area
    // (16 MiB minus both metadata copies): data at 16 MiB for every metadata size up to 512 KiB.
    return (spec.version == 1 ? 2 * MiB : 16 * MiB) + CrashDataBytes;
}

Result<std::unique_ptr<LuksVolume>> formatAsVerb(const std::shared_ptr<BlockDevice>& device,
                                                 const CrashVolumeSpec& spec, const SecureBuffer& volumeKey,
                                                 const QByteArray& passphrase)
{
    std::unique_ptr<LuksVolume> volume;
    if (spec.version == 1) {
        Luks1FormatOptions options;
        options.kdf = cheapKdf();
        options.headerWithFirstKeyslot = true;
        auto formatted =
            Luks1Volume::format(HeaderDevice::over(device, QStringLiteral("crash")), options, volumeKey);
        if (!formatted)
            return formatted.status();
        volume = std::move(formatted.value());
    } else {
        Luks2FormatOptions options;
        options.digestKdf = cheapKdf();
        options.metadataSize = spec.metadataSize;
        options.sectorSize = spec.sectorSize;
        options.headerWithFirstKeyslot = true;
        auto formatted =
            Luks2Volume::format(HeaderDevice::over(device, QStringLiteral("crash")), options, volumeKey);
        if (!formatted)
            return formatted.status();
        volume = std::move(formatted.value());
    }
    AddKeyslotOptions add;
    add.kdf = cheapKdf();
    auto slot = volume->addKeyslot(volumeKey, bytesOf(passphrase), add);
    if (!slot)
        return slot.status();
    return volume;
}

CrashVolume makeCrashVolume(const CrashVolumeSpec& spec, const QList<QByteArray>& passphrases)
{
    CrashVolume result;
    result.spec = spec;
    result.volumeKey = crashVolumeKey();
    const QByteArray pattern =
        patternBytes(uint32_t(spec.version * 1000 + spec.sectorSize), 0, qsizetype(crashImageBytes(spec)));
    auto blank = std::make_shared<CrashingDevice::Image>(size_t(pattern.size()));
    std::memcpy(blank->data(), pattern.constData(), blank->size());
    auto device = std::make_shared<CrashingDevice>(blank, std::nullopt, spec.deviceBlockSize);
    auto volume = formatAsVerb(device, spec, result.volumeKey, passphrases.value(0));
    if (!volume) {
        qWarning().noquote() << "format failed:" << volume.status().message();
        return result;
    }
    for (qsizetype i = 1; i < passphrases.size(); ++i) {
        AddKeyslotOptions add;
        add.kdf = cheapKdf();
        if (auto slot = volume.value()->addKeyslot(result.volumeKey, bytesOf(passphrases[i]), add); !slot) {
            qWarning().noquote() << "adding a keyslot failed:" << slot.status().message();
            return result;
        }
    }
    result.dataOffset = volume.value()->activation().dataOffsetSectors * 512;
    result.image = std::make_shared<const CrashingDevice::Image>(device->bytes());
    result.dataDigest = dataDigestOf(*device, result.dataOffset);
    return result;
}

Result<std::unique_ptr<LuksVolume>> loadOver(const std::shared_ptr<BlockDevice>& device)
{
    return LuksVolume::load(HeaderDevice::over(device, QStringLiteral("survivor")));
}

bool opensWith(LuksVolume& volume, const QByteArray& passphrase, const SecureBuffer& volumeKey)
{
    auto unlocked = volume.unlock(bytesOf(passphrase), std::nullopt);
    return unlocked && unlocked->volumeKey.size() == volumeKey.size() &&
           std::memcmp(unlocked->volumeKey.data(), volumeKey.data(), volumeKey.size()) == 0;
}

namespace {

// Which outcome a check counted (old, new, between, no header), to compare a real crash with the
// replayed one.
int outcomeOf(const CrashTally& before, const CrashTally& after)
{
    if (after.newState > before.newState)
        return 1;
    if (after.between > before.between)
        return 2;
    if (after.noHeader > before.noHeader)
        return 3;
    return 0;
}

} // namespace

void runCrashLoop(const std::shared_ptr<const CrashingDevice::Image>& base, uint32_t blockSize,
                  const CrashVerb& verb, const CrashCheck& check, CrashTally& tally)
{
    QVERIFY(base);
    auto recorder = std::make_shared<CrashingDevice>(base, std::nullopt, blockSize);
    recorder->setRecording(true);
    const Status uninterrupted = verb(recorder);
    QVERIFY2(uninterrupted, qPrintable(uninterrupted.message()));
    const std::vector<CrashingDevice::WrittenSector> log = recorder->writeLog();
    const uint64_t w = log.size();
    QVERIFY(w > 0);
    QCOMPARE(w, recorder->persistedSectors());

    // Every N, replayed: the device accepts a budgeted run's first N sectors exactly as it
    // accepts them without a budget, so the crash at N leaves the base plus the first N logged
    // sectors. One image grows sector by sector; checks only read it (repair works on a copy).
    std::vector<int> outcome(w + 1);
    auto image = std::make_shared<CrashingDevice>(base, std::nullopt, blockSize);
    for (uint64_t n = 0; n <= w; ++n) {
        if (n > 0)
            image->put(log[n - 1]);
        const CrashTally before = tally;
        ++tally.points;
        check(image, n, tally);
        if (QTest::currentTestFailed()) {
            qWarning().noquote() << "replayed crash point N =" << n << "of W =" << w;
            return;
        }
        outcome[n] = outcomeOf(before, tally);
    }

    // Real crashes at a spread of N (each phase of a verb is at least a few sectors long): the
    // verb must fail with an I/O error, and the survivor passes the same check with the same
    // outcome as the replay.
    for (const uint64_t n :
         {uint64_t(0), uint64_t(1), w / 4, w / 2, 3 * w / 4, w - 41, w - 9, w - 2, w - 1, w}) {
        if (n > w)
            continue;
        auto device = std::make_shared<CrashingDevice>(base, n, blockSize);
        const Status status = verb(device);
        if (n < w) {
            QVERIFY2(device->crashed(),
                     qPrintable(QStringLiteral("N=%1 of W=%2 did not crash").arg(n).arg(w)));
            // The lost write must surface as the verb's failure, not as a success.
            QVERIFY2(!status && status.code() == ErrorCode::IOError,
                     qPrintable(QStringLiteral("N=%1: the verb returned \"%2\" after its write failed")
                                    .arg(n)
                                    .arg(status ? QStringLiteral("success") : status.message())));
        } else {
            QVERIFY2(status, qPrintable(QStringLiteral("N=W=%1: %2").arg(n).arg(status.message())));
            QCOMPARE(device->persistedSectors(), w);
        }
        CrashTally real;
        check(device->survivor(), n, real);
        if (QTest::currentTestFailed()) {
            qWarning().noquote() << "real crash point N =" << n << "of W =" << w;
            return;
        }
        QVERIFY2(outcomeOf(CrashTally(), real) == outcome[n],
                 qPrintable(QStringLiteral("N=%1: the real crash and the replayed log disagree").arg(n)));
    }
}

void repairAndRecheck(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n,
                      const QByteArray& passphrase, const SecureBuffer& volumeKey, CrashTally& tally)
{
    auto loaded = loadOver(survivor);
    QVERIFY(loaded);
    auto* luks2 = dynamic_cast<Luks2Volume*>(loaded.value().get());
    QVERIFY(luks2 && luks2->hasDamagedCopy());
    QVERIFY(!luks2->warnings().isEmpty());
    ++tally.damagedCopy;
    const Status repaired = luks2->repair();
    QVERIFY2(repaired, qPrintable(QStringLiteral("N=%1: repair: %2").arg(n).arg(repaired.message())));
    auto again = loadOver(survivor);
    QVERIFY2(again,
             qPrintable(QStringLiteral("N=%1: after repair: %2").arg(n).arg(again.status().message())));
    auto* fixed = dynamic_cast<Luks2Volume*>(again.value().get());
    QVERIFY2(fixed && !fixed->hasDamagedCopy() && fixed->warnings().isEmpty(),
             qPrintable(QStringLiteral("N=%1: a copy is still damaged after repair").arg(n)));
    QVERIFY2(opensWith(*fixed, passphrase, volumeKey),
             qPrintable(QStringLiteral("N=%1: does not open after repair").arg(n)));
}

void checkDataUntouched(const std::shared_ptr<CrashingDevice>& survivor, uint64_t n,
                        const CrashVolume& volume)
{
    QVERIFY2(dataDigestOf(*survivor, volume.dataOffset) == volume.dataDigest,
             qPrintable(QStringLiteral("N=%1: the data area changed").arg(n)));
}

} // namespace cryptstack::test
