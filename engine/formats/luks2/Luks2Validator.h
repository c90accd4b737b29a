// cryptsetup 2.6.1's LUKS2_hdr_validate, rule for rule (reference/luks.md §3.4–3.8, Appendix A):
// what it accepts we accept, what it refuses we refuse, with a message naming the object and the
// field ("LUKS2 keyslot 1: \"area.offset\" must be a string of decimal digits."). Also the
// load-time auto-fix of extra kdf members and the number helpers the rest of the LUKS2 code reads
// fields with, so every reader agrees with the validator.
#pragma once

#include "JsonValue.h"
#include "core/Result.h"

#include <optional>

namespace cryptstack::luks2 {

class Luks2Validator
{
public:
    static constexpr int MaxKeyslots = 32;
    static constexpr int MaxTokens = 32;
    static constexpr int MaxSegments = 32;
    static constexpr int MaxDigests = 8;
    static constexpr uint64_t MaxKeyslotsSize = 128ull * 1024 * 1024;

    // LUKS2_hdr_validate against a JSON area of jsonAreaSize bytes (hdr_size − 4096).
    static Status validate(const JsonValue& root, uint64_t jsonAreaSize);
    // validate_luks2_json_object: validate; on failure apply the known repairs (extra kdf members,
    // in memory) and validate again. root must be an object.
    static Status validateOnLoad(JsonValue& root, uint64_t jsonAreaSize);
    // LUKS2_hdr_repair: drops kdf members other than the type's own.
    static void repairKdf(JsonValue& root);

    // json_object_get_string + strtoull with *endptr == 0 and no errno (json_str_to_uint64).
    static std::optional<uint64_t> stringToUint64(const JsonValue* value);
    // All characters decimal digits (cryptsetup's numbered(); an empty name passes).
    static bool numbered(QByteArrayView text);
    // The C string json-c hands out: the text up to its first NUL.
    static QByteArray cString(const JsonValue* value);
    // atoi() of an object name.
    static int idOf(const QByteArray& name);

    // Lookups shared by unlock, dump and activation.
    static int digestByKeyslot(const JsonValue& root, int keyslot); // -1: none
    static int digestBySegment(const JsonValue& root, int segment); // -1: none
    // The segment cryptsetup opens by default: the one flagged backup-final during
    // reencryption, else 0.
    static int defaultSegment(const JsonValue& root);
    // Whether the keyslot's digest is bound to at least one existing segment (CRYPT_ONE_SEGMENT).
    static bool keyslotIsBound(const JsonValue& root, int keyslot);
    static bool segmentIsBackup(const JsonValue& segment);
    static uint64_t jsonSize(const JsonValue& root);
    static uint64_t keyslotsSize(const JsonValue& root);
    // The smallest offset of a regular segment (0 when one starts at 0: detached header).
    static uint64_t minimalSegmentOffset(const JsonValue& root);
};

} // namespace cryptstack::luks2
