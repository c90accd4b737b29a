// One layer of a stack being composed in the stack builder: a device-mapper target over the layer
// below it (or over an image file), and the table line it becomes.
#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>

namespace cryptstack {

struct StackLayer
{
    QString name;
    QString type = QStringLiteral("linear"); // linear, crypt, delay, flakey
    QString lower;                           // the layer below, a mapped device, or an image path
    uint64_t offset = 0;                     // 512-byte sectors into the lower device
    // crypt: a fresh random key of keyBits goes into the engine keyring when the stack is created,
    // so the line names it (":<bytes>:logon:<description>") and holds no key material.
    QString cipher = QStringLiteral("aes-xts-plain64");
    unsigned keyBits = 512;
    unsigned sectorSize = 512;
    QStringList cryptOptions; // no_read_workqueue, same_cpu_crypt, …
    // delay
    unsigned readDelayMs = 0;
    unsigned writeDelayMs = 0;
    // flakey
    unsigned upSeconds = 10;
    unsigned downSeconds = 1;
    QString flakeyFeature; // empty (fail all I/O while down), drop_writes, error_writes, error_reads

    // The keyring description a crypt layer's key is stored under.
    QString keyDescription() const { return QStringLiteral("cryptstack:stack-builder-%1").arg(name); }
    // The dm table line for a layer whose lower device has lowerSectors sectors.
    QString tableLine(uint64_t lowerSectors) const;
    // The layer's own length: what remains of the lower device after the offset (crypt: whole
    // crypto sectors only).
    uint64_t lengthSectors(uint64_t lowerSectors) const;
};

} // namespace cryptstack
