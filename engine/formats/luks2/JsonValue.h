// An order-preserving JSON value with json-c's semantics, for LUKS2 metadata (reference/luks.md
// §3.3–3.5). QJsonObject sorts its keys, but cryptsetup keeps and writes members in insertion order,
// so a byte-identical writer needs its own tree:
// - objects keep insertion order; a duplicate member replaces the earlier value in its position;
// - integers are int64 (values above INT64_MAX are kept as uint64, like json-c), and a number with
//   '.', 'e' or 'E' is a double that prints exactly as it was written;
// - the parser is json-c 0.16's non-strict tokener: comments, single quotes, trailing commas,
//   NaN/Infinity and case-insensitive literals are accepted, and at most 32 levels of nesting;
// - the writers are json-c's PLAIN|NOSLASHESCAPE (on disk) and PRETTY|NOSLASHESCAPE (luksDump).
#pragma once

#include "core/Result.h"

#include <QByteArray>
#include <QHash>

#include <cstdint>
#include <memory>
#include <vector>

namespace cryptstack::luks2 {

struct JsonMember;

class JsonValue
{
public:
    enum class Type { Null, Bool, Int, Double, String, Array, Object };

    // json-c's default tokener depth: a value nested deeper than this is a parse error.
    static constexpr int MaxDepth = 32;

    JsonValue() = default;
    JsonValue(const JsonValue& other);
    JsonValue& operator=(const JsonValue& other);
    JsonValue(JsonValue&&) noexcept = default;
    JsonValue& operator=(JsonValue&&) noexcept = default;
    ~JsonValue();

    static JsonValue boolean(bool value);
    static JsonValue integer(int64_t value);
    static JsonValue string(QByteArray value);
    static JsonValue string(const char* value) { return string(QByteArray(value)); }
    static JsonValue array();
    static JsonValue object();

    // Parses one value from the start of text. end receives the offset after the value and any
    // whitespace or comments that follow it (json-c's char_offset), where the caller's own checks
    // continue. A NUL byte ends the input.
    static Result<JsonValue> parse(QByteArrayView text, size_t* end = nullptr);

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isBool() const { return m_type == Type::Bool; }
    bool isInt() const { return m_type == Type::Int; }
    bool isString() const { return m_type == Type::String; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }

    // json-c's getters: conversions between types as json_object_get_int64/_int/_string do.
    int64_t toInt64() const;
    int32_t toInt() const;
    // json_object_get_string: a string's bytes, or the compact text of any other value.
    QByteArray toText() const;
    const QByteArray& stringValue() const { return m_text; }
    bool boolValue() const { return m_bool; }

    // Arrays.
    qsizetype size() const;
    const JsonValue& at(qsizetype index) const { return m_elements[size_t(index)]; }
    const std::vector<JsonValue>& elements() const { return m_elements; }
    void append(JsonValue value);
    void removeAt(qsizetype index);
    bool containsString(QByteArrayView text) const; // an array with this string element

    // Objects.
    const std::vector<JsonMember>& members() const { return m_members; }
    const JsonValue* find(QByteArrayView key) const;
    JsonValue* find(QByteArrayView key);
    bool contains(QByteArrayView key) const { return find(key) != nullptr; }
    // Replaces an existing member in its position, or appends.
    void insert(const QByteArray& key, JsonValue value);
    bool remove(QByteArrayView key);

    // json-c JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE.
    QByteArray toCompact() const;
    // json-c JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE (2-space indent).
    QByteArray toPretty() const;

    bool operator==(const JsonValue& other) const;

private:
    friend class JsonParser;
    void write(QByteArray& out, bool pretty, int level) const;
    qsizetype indexOf(QByteArrayView key) const;
    void rebuildIndex();

    Type m_type = Type::Null;
    bool m_bool = false;
    bool m_unsigned = false; // an integer above INT64_MAX, held in m_uint
    int64_t m_int = 0;
    uint64_t m_uint = 0;
    QByteArray m_text; // string bytes, or a double's text
    std::vector<JsonValue> m_elements;
    std::vector<JsonMember> m_members;
    // Key → position, only for large objects, so hostile input with many members stays linear.
    std::unique_ptr<QHash<QByteArray, qsizetype>> m_index;
};

struct JsonMember
{
    QByteArray key;
    JsonValue value;
};

} // namespace cryptstack::luks2
