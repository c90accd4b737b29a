// Textual UUIDs as LUKS stores them: 36 lower-case characters, hyphens at 8-4-4-4-12.
#pragma once

#include <QString>

#include <optional>

namespace cryptstack::Uuid {

QString generate(); // random, version 4
// Parses as libuuid does (either case) and returns the canonical lower-case form.
std::optional<QString> canonical(const QString& text);

} // namespace cryptstack::Uuid
