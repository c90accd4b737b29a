// Everything one run of the benchmark suite measured, as plain numbers for the report.
#pragma once

#include <QString>
#include <QStringList>

#include <algorithm>
#include <vector>

namespace cryptstack::perf {

// Megabytes (10^6 bytes) per second, as fio and qemu-img report them.
struct ReadWrite
{
    double readMBps = 0;
    double writeMBps = 0;
};

// The in-process cipher limit at one sector size, per library (encrypt = write, decrypt = read).
struct LimitRow
{
    unsigned sectorSize = 0;
    ReadWrite openSsl;
    ReadWrite libgcrypt;
    // The limit the ratios use: the faster library in each direction.
    ReadWrite best() const
    {
        return {std::max(openSsl.readMBps, libgcrypt.readMBps),
                std::max(openSsl.writeMBps, libgcrypt.writeMBps)};
    }
};

// One configuration of the device under the sequential 1 MiB workload.
struct SequentialRow
{
    QString configuration;   // "linear", "crypt default", "crypt no_read/no_write_workqueue", "crypt async"
    unsigned sectorSize = 0; // 0 for linear
    ReadWrite speed;
};

// 4 KiB random reads at queue depth 1.
struct LatencyRow
{
    QString configuration;
    double p50Us = 0;
    double meanUs = 0;
    double p99Us = 0;
    // crypt only, medians from the target's own trace: the time a read spends in the crypt target
    // (map to lower submit, decrypt, completion upwards) and in the device below it; -1: not traced.
    double cryptOwnUs = -1;
    double lowerUs = -1;
};

// The same job done by qemu-img and by the cryptstack binary on one LUKS1 container.
struct PeerRow
{
    QString tool;
    double encryptMBps = 0; // raw file -> container
    double decryptMBps = 0; // container -> raw file
};

struct MemoryRow
{
    QString job;
    double mbps = 0;
    long peakRssKiB = 0;
};

struct UnlockRow
{
    QString keyslot; // e.g. "argon2id, 4 iterations, 256 MiB, 2 threads"
    double cryptsetupSeconds = 0;
    double cryptstackSeconds = 0;
};

struct PerfResults
{
    QStringList machine; // CPU, cores, kernel, OpenSSL, Qt, date
    QString workload;    // the sequential workload's options
    unsigned threads = 0;
    std::vector<LimitRow> limits;
    std::vector<SequentialRow> sequential;
    std::vector<LatencyRow> latency;
    std::vector<PeerRow> peers;
    std::vector<MemoryRow> memory;
    std::vector<UnlockRow> unlock;
    QStringList problems; // steps that could not run, with the reason

    // The limit at a sector size (zeros if it was not measured).
    ReadWrite limit(unsigned sectorSize) const
    {
        for (const LimitRow& row : limits)
            if (row.sectorSize == sectorSize)
                return row.best();
        return {};
    }
};

} // namespace cryptstack::perf
