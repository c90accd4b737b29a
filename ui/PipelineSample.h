// What the pipeline view shows at one moment: the crypt device's configuration (table options and
// engine settings), a copy of its metrics, the workload's counters and the lower device's queue.
// Plain values, copied on the GUI thread from the engine's lock-free counters by PipelineController.
#pragma once

#include "crypt/CryptMetrics.h"
#include "workload/WorkloadProgress.h"

#include <QString>

#include <chrono>

namespace cryptstack {

// The stages as the view draws them, top to bottom of the stack.
enum class PipelineStage {
    Submitter,  // the workload's threads
    Map,        // crypt_map on the submitting thread
    IoQueue,    // kcryptd_io
    CryptQueue, // kcryptd workers
    AsyncQueue, // the cryptd driver
    WriteTree,  // dmcrypt_write and its sorted tree
    Lower,      // the device below
};
constexpr int PipelineStageCount = 7;

struct PipelineConfig
{
    // Engine settings (not table options).
    bool async = false;
    bool teaching = false;
    bool trace = false;
    // Table options of the crypt segment.
    bool noReadWorkqueue = false;
    bool noWriteWorkqueue = false;
    bool sameCpuCrypt = false;
    bool submitFromCryptCpus = false;
    // The device below the crypt target and, when it is a delay mapping, its delay (else -1).
    QString lowerName;
    int lowerDelayMs = -1;
    // Pool limit in 4 KiB pages.
    uint64_t poolPages = 0;

    bool operator==(const PipelineConfig&) const = default;
};

struct PipelineSample
{
    bool hasDevice = false; // the selected device exists and has a crypt segment
    bool suspended = false;
    std::chrono::steady_clock::time_point when;
    PipelineConfig config;
    CryptMetrics metrics;
    WorkloadProgress progress;
    int64_t lowerInFlight = -1; // -1: the lower device does not count (an image file)
    uint64_t lowerCompleted = 0;
};

} // namespace cryptstack
