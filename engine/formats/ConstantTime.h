// Comparison of digests that takes the same time wherever the first difference is.
#pragma once

#include <cstdint>
#include <span>

namespace cryptstack {

bool constantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

} // namespace cryptstack
