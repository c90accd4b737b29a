// The anti-forensic splitter of LUKS (reference/luks.md §2): a key becomes `stripes` blocks of
// which all are needed to recover it, diffused with a hash (big-endian block counter, the last
// partial block's hash truncated).
#pragma once

#include "core/Result.h"

#include <QString>

#include <cstdint>
#include <span>

namespace cryptstack::AfSplitter {

// Bytes of split material (key × stripes) and the same rounded up to whole 512-byte sectors.
size_t splitBytes(size_t keyBytes, unsigned stripes);
size_t splitSectors(size_t keyBytes, unsigned stripes);

// out has splitBytes(key.size(), stripes) bytes; random stripes come from SecureRandom.
Status split(std::span<const uint8_t> key, unsigned stripes, const QString& hash, std::span<uint8_t> out);
// in has splitBytes(key.size(), stripes) bytes; key receives the merged key.
Status merge(std::span<const uint8_t> in, unsigned stripes, const QString& hash, std::span<uint8_t> key);

} // namespace cryptstack::AfSplitter
