// RFC 4648 base64 with padding, as LUKS2 JSON stores salts and digests. The decoder skips
// whitespace, as cryptsetup's does, and refuses anything else outside the alphabet.
#pragma once

#include <QByteArray>

#include <optional>
#include <span>
#include <vector>

namespace cryptstack::Base64 {

QByteArray encode(std::span<const uint8_t> data);
std::optional<std::vector<uint8_t>> decode(QByteArrayView text);

} // namespace cryptstack::Base64
