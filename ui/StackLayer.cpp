#include "StackLayer.h"

namespace cryptstack {

uint64_t StackLayer::lengthSectors(uint64_t lowerSectors) const
{
    if (offset >= lowerSectors)
        return 0;
    uint64_t length = lowerSectors - offset;
    if (type == u"crypt") {
        const uint64_t step = sectorSize / 512;
        length -= length % step;
    }
    return length;
}

QString StackLayer::tableLine(uint64_t lowerSectors) const
{
    const QString head = QStringLiteral("0 %1 %2 ").arg(lengthSectors(lowerSectors)).arg(type);
    if (type == u"crypt") {
        QStringList options = cryptOptions;
        if (sectorSize != 512)
            options << QStringLiteral("sector_size:%1").arg(sectorSize);
        QString line = head + QStringLiteral("%1 :%2:logon:%3 0 %4 %5")
                                  .arg(cipher)
                                  .arg(keyBits / 8)
                                  .arg(keyDescription(), lower)
                                  .arg(offset);
        if (!options.isEmpty())
            line += QStringLiteral(" %1 %2").arg(options.size()).arg(options.join(u' '));
        return line;
    }
    if (type == u"delay") {
        // One delay for reads, another for writes (and flushes), as dmsetup's 6-argument form.
        return head +
               QStringLiteral("%1 %2 %3 %1 %2 %4").arg(lower).arg(offset).arg(readDelayMs).arg(writeDelayMs);
    }
    if (type == u"flakey") {
        QString line =
            head + QStringLiteral("%1 %2 %3 %4").arg(lower).arg(offset).arg(upSeconds).arg(downSeconds);
        if (!flakeyFeature.isEmpty())
            line += QStringLiteral(" 1 %1").arg(flakeyFeature);
        return line;
    }
    return head + QStringLiteral("%1 %2").arg(lower).arg(offset);
}

} // namespace cryptstack
