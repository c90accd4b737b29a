// The stacks the pipeline view builds for teaching, over sparse image files in a folder the caller
// owns. Every function here may wait for I/O: call them on PipelineController's control thread.
#pragma once

#include "core/Result.h"

#include <QStringList>

namespace cryptstack {

class DeviceRegistry;

namespace teaching {

// pipeline-base (linear over pipeline.img) <- pipeline-slow (delay, 0 ms) <- pipeline-crypt: a crypt
// device whose lower device has an adjustable delay, so its queues can be made to fill.
QString pipelineCryptName();
QStringList pipelineStackNames(); // top first
Status buildPipelineStack(DeviceRegistry& registry, const QString& directory);

// deadlock-base (linear over deadlock.img) <- deadlock-lower (crypt) <- deadlock-upper (crypt),
// both crypt devices with the smallest pools (32 pages, one 128 KiB piece), in teaching mode or not.
QString deadlockTopName();
QStringList deadlockStackNames(); // top first
Status buildDeadlockStack(DeviceRegistry& registry, const QString& directory, bool teachingMode);

// Removes those of the named devices that exist, in the order given (top first).
Status removeDevices(DeviceRegistry& registry, const QStringList& topFirst);

} // namespace teaching
} // namespace cryptstack
