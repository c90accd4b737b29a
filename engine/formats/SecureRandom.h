// Random bytes for keys, salts and stripes, from the operating system's generator.
#pragma once

#include "core/Result.h"

#include <span>

namespace cryptstack::SecureRandom {

Status fill(std::span<uint8_t> out);

} // namespace cryptstack::SecureRandom
