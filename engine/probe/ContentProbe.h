// Recognises what a block device holds with libblkid's low-level probing, the way `blkid -p`
// does: a filesystem or other superblock signature, a partition table (dos, gpt) and the contents
// of each partition, or nothing (then whether the start is zeros or random-looking).
//
// libblkid reads through a file descriptor and our devices live in this process, so the probe
// copies the regions probing needs into an anonymous memfd the size of the device. The file is
// sparse, so only the copied bytes cost memory: the first HeadWindow bytes (superblocks, partition
// tables), the last TailWindow bytes (GPT backup header, signatures kept at the end of a device)
// and the first HeadWindow bytes of every partition found. What that misses: signatures more than
// HeadWindow into a partition and at a partition's end (md 0.90/1.0 superblocks), and anything a
// prober would cross-check in the middle of a large device — those read as zeros here.
#pragma once

#include "ContentDescription.h"
#include "block/BlockDevice.h"

namespace cryptstack {

class ContentProbe
{
public:
    static constexpr uint64_t HeadWindow = 8 << 20;
    static constexpr uint64_t TailWindow = 1 << 20;
    // How much of the start is looked at for "all zeros" or "random-looking".
    static constexpr uint64_t StartSample = 1 << 20;

    // Reads the device (blocking: never from a completion context). A read error names the failing
    // sector; nothing is ever written to the device.
    static Result<ContentDescription> probe(BlockDevice& device);
};

} // namespace cryptstack
