// Number parsing with the kernel's rules: sscanf("%llu%c") / kstrtouint semantics — decimal digits
// only, nothing trailing, no sign, no overflow.
#pragma once

#include <QString>

#include <cstdint>
#include <optional>

namespace cryptstack {

std::optional<uint64_t> parseU64(const QString& word);
std::optional<uint32_t> parseU32(const QString& word);

// A byte count as a person writes it on the command line: 4096, 64K, 1M, 2G (powers of 1024),
// or with an explicit "KiB"/"MiB"/"GiB" or "s" (512-byte sectors) suffix.
std::optional<uint64_t> parseByteCount(const QString& word);

} // namespace cryptstack
