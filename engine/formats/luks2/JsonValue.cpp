#include "JsonValue.h"

#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace cryptstack::luks2 {

namespace {

constexpr qsizetype IndexThreshold = 16;

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return unsigned(c - '0');
    if (c >= 'a' && c <= 'f')
        return unsigned(c - 'a' + 10);
    return unsigned(c - 'A' + 10);
}

void appendUtf8(QByteArray& out, uint32_t code)
{
    if (code < 0x80) {
        out += char(code);
    } else if (code < 0x800) {
        out += char(0xc0 | (code >> 6));
        out += char(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        out += char(0xe0 | (code >> 12));
        out += char(0x80 | ((code >> 6) & 0x3f));
        out += char(0x80 | (code & 0x3f));
    } else if (code < 0x110000) {
        out += char(0xf0 | (code >> 18));
        out += char(0x80 | ((code >> 12) & 0x3f));
        out += char(0x80 | ((code >> 6) & 0x3f));
        out += char(0x80 | (code & 0x3f));
    } else {
        out += "\xef\xbf\xbd";
    }
}

// json-c's json_escape_str with NOSLASHESCAPE: only " \ and control characters are escaped;
// bytes from 0x7f up pass through unchanged.
void appendEscaped(QByteArray& out, QByteArrayView text)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '\b':
            out += "\\b";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\f':
            out += "\\f";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

// json_parse_int64: strtoll that clamps on overflow and yields 0 when nothing parses.
int64_t parseInt64Like(const QByteArray& text)
{
    const char* start = text.constData();
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(start, &end, 10);
    if (end == start)
        return 0;
    return value;
}

} // namespace

// The json-c 0.16 tokener's grammar as a recursive descent; recursion is bounded by MaxDepth.
class JsonParser
{
public:
    explicit JsonParser(QByteArrayView text) : m_text(text) {}

    Result<JsonValue> parseTop(size_t* end)
    {
        if (!skipWhitespace(false))
            return failure();
        JsonValue value;
        if (!parseValue(value, 0))
            return failure();
        // Trailing whitespace and comments belong to the value (json-c's char_offset passes them).
        if (!skipWhitespace(true))
            return failure();
        if (end)
            *end = m_pos;
        return value;
    }

private:
    Result<JsonValue> failure() const
    {
        return Status(ErrorCode::Corruption,
                      QStringLiteral("JSON parse error at byte %1: %2").arg(m_errorAt).arg(m_error));
    }

    bool fail(const QString& message)
    {
        if (m_error.isEmpty()) {
            m_error = message;
            m_errorAt = m_pos;
        }
        return false;
    }

    // A NUL byte ends json-c's input as the end of the buffer does.
    bool atEnd() const { return m_pos >= size_t(m_text.size()) || m_text[qsizetype(m_pos)] == '\0'; }
    char peek() const { return atEnd() ? '\0' : m_text[qsizetype(m_pos)]; }

    bool skipWhitespace(bool afterTop)
    {
        for (;;) {
            while (!atEnd() && isWhitespace(peek()))
                ++m_pos;
            if (peek() != '/')
                return true;
            ++m_pos;
            if (atEnd())
                return afterTop ? consumedNul() : fail(QStringLiteral("unexpected end of data"));
            if (peek() == '*') {
                ++m_pos;
                bool closed = false;
                while (!atEnd()) {
                    if (peek() == '*' && m_pos + 1 < size_t(m_text.size()) &&
                        m_text[qsizetype(m_pos + 1)] == '/') {
                        m_pos += 2;
                        closed = true;
                        break;
                    }
                    ++m_pos;
                }
                if (!closed)
                    return afterTop ? consumedNul() : fail(QStringLiteral("unexpected end of data"));
            } else if (peek() == '/') {
                while (!atEnd() && peek() != '\n')
                    ++m_pos;
                if (atEnd())
                    return afterTop ? consumedNul() : fail(QStringLiteral("unexpected end of data"));
            } else {
                return fail(QStringLiteral("expected comment"));
            }
        }
    }

    // An unterminated trailing comment: json-c stops after the terminating NUL it consumed.
    bool consumedNul()
    {
        if (m_pos < size_t(m_text.size()))
            ++m_pos;
        return true;
    }

    bool matchWord(const char* word)
    {
        size_t i = 0;
        for (; word[i]; ++i) {
            const size_t at = m_pos + i;
            if (at >= size_t(m_text.size()) ||
                std::tolower(static_cast<unsigned char>(m_text[qsizetype(at)])) != word[i])
                return false;
        }
        m_pos += i;
        return true;
    }

    bool parseValue(JsonValue& out, int depth)
    {
        if (depth >= JsonValue::MaxDepth)
            return fail(QStringLiteral("nesting too deep"));
        if (atEnd())
            return fail(QStringLiteral("unexpected end of data"));
        const char c = peek();
        switch (c) {
        case '{':
            return parseObject(out, depth);
        case '[':
            return parseArray(out, depth);
        case '"':
        case '\'':
            out.m_type = JsonValue::Type::String;
            return parseString(out.m_text);
        case 'n':
        case 'N':
            if (matchWord("null")) {
                out = JsonValue();
                return true;
            }
            if (matchWord("nan")) {
                out.m_type = JsonValue::Type::Double;
                out.m_text = "NaN";
                return true;
            }
            return fail(QStringLiteral("null expected"));
        case 'i':
        case 'I':
            if (matchWord("infinity")) {
                out.m_type = JsonValue::Type::Double;
                out.m_text = "Infinity";
                return true;
            }
            return fail(QStringLiteral("Infinity expected"));
        case 't':
        case 'T':
        case 'f':
        case 'F':
            if (matchWord("true")) {
                out = JsonValue::boolean(true);
                return true;
            }
            if (matchWord("false")) {
                out = JsonValue::boolean(false);
                return true;
            }
            return fail(QStringLiteral("boolean expected"));
        default:
            if (c == '-' || (c >= '0' && c <= '9'))
                return parseNumber(out, depth);
            return fail(QStringLiteral("unexpected character"));
        }
    }

    bool parseNumber(JsonValue& out, int depth)
    {
        const size_t start = m_pos;
        bool isDouble = false;
        bool isExponent = false;
        bool negOk = true;
        bool posOk = false;
        while (!atEnd()) {
            const char c = peek();
            const bool allowed = (c >= '0' && c <= '9') || (!isExponent && (c == 'e' || c == 'E')) ||
                                 (negOk && c == '-') || (posOk && c == '+') || (!isDouble && c == '.');
            if (!allowed)
                break;
            negOk = posOk = false;
            if (c == '.') {
                isDouble = true;
                negOk = posOk = true;
            } else if (c == 'e' || c == 'E') {
                isExponent = isDouble = true;
                negOk = posOk = true;
            }
            ++m_pos;
        }
        QByteArray text(m_text.data() + start, qsizetype(m_pos - start));
        const char next = peek();
        if (depth > 0 && next != ',' && next != ']' && next != '}' && next != '/' && next != 'I' &&
            next != 'i' && !isWhitespace(next))
            return fail(QStringLiteral("number expected"));
        if (text == "-" && (next == 'i' || next == 'I')) {
            if (!matchWord("infinity"))
                return fail(QStringLiteral("Infinity expected"));
            out.m_type = JsonValue::Type::Double;
            out.m_text = "-Infinity";
            return true;
        }
        if (isDouble) {
            // json-c trims a dangling exponent ("123e+") in non-strict mode.
            while (text.size() > 1 &&
                   (text.endsWith('e') || text.endsWith('E') || text.endsWith('-') || text.endsWith('+')))
                text.chop(1);
            bool ok = false;
            text.toDouble(&ok);
            if (!ok && !validDoubleText(text))
                return fail(QStringLiteral("number expected"));
            out.m_type = JsonValue::Type::Double;
            out.m_text = text;
            return true;
        }
        const bool negative = text.startsWith('-');
        if (text.size() == (negative ? 1 : 0))
            return fail(QStringLiteral("number expected"));
        out.m_type = JsonValue::Type::Int;
        errno = 0;
        if (negative) {
            out.m_int = std::strtoll(text.constData(), nullptr, 10); // clamps like json-c
        } else {
            const unsigned long long value = std::strtoull(text.constData(), nullptr, 10);
            if (value > uint64_t(std::numeric_limits<int64_t>::max())) {
                out.m_unsigned = true;
                out.m_uint = value;
            } else {
                out.m_int = int64_t(value);
            }
        }
        return true;
    }

    // strtod's syntax for what the number loop can collect: a mantissa with a digit, optionally
    // an exponent with a digit ("1." and "-.5" are valid, "-." is not).
    static bool validDoubleText(const QByteArray& text)
    {
        qsizetype i = text.startsWith('-') ? 1 : 0;
        int digits = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
            ++digits;
        }
        if (i < text.size() && text[i] == '.') {
            ++i;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                ++i;
                ++digits;
            }
        }
        if (digits == 0)
            return false;
        if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
            ++i;
            if (i < text.size() && (text[i] == '+' || text[i] == '-'))
                ++i;
            int expDigits = 0;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                ++i;
                ++expDigits;
            }
            if (expDigits == 0)
                return false;
        }
        return i == text.size();
    }

    bool parseHex4(uint32_t& code)
    {
        code = 0;
        for (int i = 0; i < 4; ++i) {
            if (atEnd() || !isHex(peek()))
                return fail(QStringLiteral("invalid \\u escape"));
            code = (code << 4) | hexValue(peek());
            ++m_pos;
        }
        return true;
    }

    bool parseString(QByteArray& out)
    {
        const char quote = peek();
        ++m_pos;
        out.clear();
        uint32_t highSurrogate = 0;
        for (;;) {
            if (atEnd())
                return fail(QStringLiteral("quoted string not terminated"));
            const char c = peek();
            if (highSurrogate && c != '\\') {
                out += "\xef\xbf\xbd";
                highSurrogate = 0;
            }
            if (c == quote) {
                ++m_pos;
                return true;
            }
            if (c != '\\') {
                out += c;
                ++m_pos;
                continue;
            }
            ++m_pos;
            if (atEnd())
                return fail(QStringLiteral("quoted string not terminated"));
            const char e = peek();
            ++m_pos;
            if (highSurrogate && e != 'u') {
                out += "\xef\xbf\xbd";
                highSurrogate = 0;
            }
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'f':
                out += '\f';
                break;
            case 'u': {
                uint32_t code = 0;
                if (!parseHex4(code))
                    return false;
                if (highSurrogate) {
                    if (code >= 0xdc00 && code <= 0xdfff) {
                        code = 0x10000 + ((highSurrogate - 0xd800) << 10) + (code - 0xdc00);
                    } else {
                        out += "\xef\xbf\xbd";
                    }
                    highSurrogate = 0;
                }
                if (code >= 0xd800 && code <= 0xdbff) {
                    highSurrogate = code;
                } else if (code >= 0xdc00 && code <= 0xdfff) {
                    out += "\xef\xbf\xbd";
                } else {
                    appendUtf8(out, code);
                }
                break;
            }
            default:
                --m_pos;
                return fail(QStringLiteral("invalid escape \\%1").arg(QLatin1Char(e)));
            }
        }
    }

    bool parseArray(JsonValue& out, int depth)
    {
        ++m_pos;
        out = JsonValue::array();
        if (!skipWhitespace(false))
            return false;
        if (peek() == ']') {
            ++m_pos;
            return true;
        }
        for (;;) {
            JsonValue element;
            if (!parseValue(element, depth + 1))
                return false;
            out.m_elements.push_back(std::move(element));
            if (const AfterMember next =
                    afterMember(']', QStringLiteral("array value separator ',' expected"));
                next != AfterMember::Next)
                return next == AfterMember::Closed;
        }
    }

    enum class AfterMember { Next, Closed, Failed };

    // What follows an array element or object member: the closing bracket, or a comma and the
    // next member — or, after the comma, the closing bracket (a trailing comma, accepted in
    // non-strict mode).
    AfterMember afterMember(char close, const QString& separatorExpected)
    {
        if (!skipWhitespace(false))
            return AfterMember::Failed;
        if (peek() == close) {
            ++m_pos;
            return AfterMember::Closed;
        }
        if (peek() != ',') {
            fail(atEnd() ? QStringLiteral("unexpected end of data") : separatorExpected);
            return AfterMember::Failed;
        }
        ++m_pos;
        if (!skipWhitespace(false))
            return AfterMember::Failed;
        if (peek() == close) {
            ++m_pos;
            return AfterMember::Closed;
        }
        return AfterMember::Next;
    }

    bool parseObject(JsonValue& out, int depth)
    {
        ++m_pos;
        out = JsonValue::object();
        if (!skipWhitespace(false))
            return false;
        if (peek() == '}') {
            ++m_pos;
            return true;
        }
        for (;;) {
            if (peek() != '"' && peek() != '\'')
                return fail(atEnd() ? QStringLiteral("unexpected end of data")
                                    : QStringLiteral("quoted object property name expected"));
            QByteArray key;
            if (!parseString(key))
                return false;
            // json-c keeps keys as C strings: an embedded NUL ends the name.
            const qsizetype nul = key.indexOf('\0');
            if (nul >= 0)
                key.truncate(nul);
            if (!skipWhitespace(false))
                return false;
            if (peek() != ':')
                return fail(QStringLiteral("object property name separator ':' expected"));
            ++m_pos;
            if (!skipWhitespace(false))
                return false;
            JsonValue value;
            if (!parseValue(value, depth + 1))
                return false;
            out.insert(key, std::move(value));
            if (const AfterMember next =
                    afterMember('}', QStringLiteral("object value separator ',' expected"));
                next != AfterMember::Next)
                return next == AfterMember::Closed;
        }
    }

    QByteArrayView m_text;
    size_t m_pos = 0;
    QString m_error;
    size_t m_errorAt = 0;
};

JsonValue::JsonValue(const JsonValue& other)
    : m_type(other.m_type), m_bool(other.m_bool), m_unsigned(other.m_unsigned), m_int(other.m_int),
      m_uint(other.m_uint), m_text(other.m_text), m_elements(other.m_elements), m_members(other.m_members)
{
    if (other.m_index)
        rebuildIndex();
}

JsonValue& JsonValue::operator=(const JsonValue& other)
{
    if (this != &other) {
        JsonValue copy(other);
        *this = std::move(copy);
    }
    return *this;
}

JsonValue::~JsonValue() = default;

JsonValue JsonValue::boolean(bool value)
{
    JsonValue v;
    v.m_type = Type::Bool;
    v.m_bool = value;
    return v;
}

JsonValue JsonValue::integer(int64_t value)
{
    JsonValue v;
    v.m_type = Type::Int;
    v.m_int = value;
    return v;
}

JsonValue JsonValue::string(QByteArray value)
{
    JsonValue v;
    v.m_type = Type::String;
    v.m_text = std::move(value);
    return v;
}

JsonValue JsonValue::array()
{
    JsonValue v;
    v.m_type = Type::Array;
    return v;
}

JsonValue JsonValue::object()
{
    JsonValue v;
    v.m_type = Type::Object;
    return v;
}

Result<JsonValue> JsonValue::parse(QByteArrayView text, size_t* end)
{
    JsonParser parser(text);
    return parser.parseTop(end);
}

int64_t JsonValue::toInt64() const
{
    switch (m_type) {
    case Type::Int:
        return m_unsigned ? std::numeric_limits<int64_t>::max() : m_int;
    case Type::Bool:
        return m_bool ? 1 : 0;
    case Type::Double: {
        const double d = m_text.toDouble();
        if (std::isnan(d))
            return 0;
        if (d >= double(std::numeric_limits<int64_t>::max()))
            return std::numeric_limits<int64_t>::max();
        if (d <= double(std::numeric_limits<int64_t>::min()))
            return std::numeric_limits<int64_t>::min();
        return int64_t(d);
    }
    case Type::String:
        return parseInt64Like(m_text);
    default:
        return 0;
    }
}

int32_t JsonValue::toInt() const
{
    const int64_t value = toInt64();
    if (value > std::numeric_limits<int32_t>::max())
        return std::numeric_limits<int32_t>::max();
    if (value < std::numeric_limits<int32_t>::min())
        return std::numeric_limits<int32_t>::min();
    return int32_t(value);
}

QByteArray JsonValue::toText() const
{
    if (m_type == Type::String)
        return m_text;
    QByteArray out;
    write(out, false, 0);
    return out;
}

qsizetype JsonValue::size() const
{
    if (m_type == Type::Array)
        return qsizetype(m_elements.size());
    if (m_type == Type::Object)
        return qsizetype(m_members.size());
    return 0;
}

void JsonValue::append(JsonValue value)
{
    m_elements.push_back(std::move(value));
}

void JsonValue::removeAt(qsizetype index)
{
    m_elements.erase(m_elements.begin() + index);
}

bool JsonValue::containsString(QByteArrayView text) const
{
    if (m_type != Type::Array)
        return false;
    for (const JsonValue& element : m_elements) {
        if (element.toText() == text)
            return true;
    }
    return false;
}

qsizetype JsonValue::indexOf(QByteArrayView key) const
{
    if (m_type != Type::Object)
        return -1;
    if (m_index) {
        const auto it = m_index->constFind(key.toByteArray());
        return it == m_index->constEnd() ? -1 : it.value();
    }
    for (size_t i = 0; i < m_members.size(); ++i) {
        if (m_members[i].key == key)
            return qsizetype(i);
    }
    return -1;
}

const JsonValue* JsonValue::find(QByteArrayView key) const
{
    const qsizetype i = indexOf(key);
    return i < 0 ? nullptr : &m_members[size_t(i)].value;
}

JsonValue* JsonValue::find(QByteArrayView key)
{
    const qsizetype i = indexOf(key);
    return i < 0 ? nullptr : &m_members[size_t(i)].value;
}

void JsonValue::insert(const QByteArray& key, JsonValue value)
{
    const qsizetype i = indexOf(key);
    if (i >= 0) {
        m_members[size_t(i)].value = std::move(value);
        return;
    }
    m_members.push_back({key, std::move(value)});
    if (m_index)
        m_index->insert(key, qsizetype(m_members.size()) - 1);
    else if (qsizetype(m_members.size()) > IndexThreshold)
        rebuildIndex();
}

bool JsonValue::remove(QByteArrayView key)
{
    const qsizetype i = indexOf(key);
    if (i < 0)
        return false;
    m_members.erase(m_members.begin() + i);
    if (m_index)
        rebuildIndex();
    return true;
}

void JsonValue::rebuildIndex()
{
    m_index = std::make_unique<QHash<QByteArray, qsizetype>>();
    for (size_t i = 0; i < m_members.size(); ++i)
        m_index->insert(m_members[i].key, qsizetype(i));
}

QByteArray JsonValue::toCompact() const
{
    QByteArray out;
    write(out, false, 0);
    return out;
}

QByteArray JsonValue::toPretty() const
{
    QByteArray out;
    write(out, true, 0);
    return out;
}

void JsonValue::write(QByteArray& out, bool pretty, int level) const
{
    const auto indent = [&](int n) {
        if (pretty)
            out.append(qsizetype(n) * 2, ' ');
    };
    switch (m_type) {
    case Type::Null:
        out += "null";
        return;
    case Type::Bool:
        out += m_bool ? "true" : "false";
        return;
    case Type::Int: {
        char buffer[32];
        if (m_unsigned)
            std::snprintf(buffer, sizeof buffer, "%" PRIu64, m_uint);
        else
            std::snprintf(buffer, sizeof buffer, "%" PRId64, m_int);
        out += buffer;
        return;
    }
    case Type::Double:
        out += m_text;
        return;
    case Type::String:
        appendEscaped(out, m_text);
        return;
    case Type::Array: {
        out += '[';
        if (pretty)
            out += '\n';
        bool first = true;
        for (const JsonValue& element : m_elements) {
            if (!first) {
                out += ',';
                if (pretty)
                    out += '\n';
            }
            first = false;
            indent(level + 1);
            element.write(out, pretty, level + 1);
        }
        if (pretty) {
            if (!first)
                out += '\n';
            indent(level);
        }
        out += ']';
        return;
    }
    case Type::Object: {
        out += '{';
        if (pretty)
            out += '\n';
        bool first = true;
        for (const JsonMember& member : m_members) {
            if (!first) {
                out += ',';
                if (pretty)
                    out += '\n';
            }
            first = false;
            indent(level + 1);
            appendEscaped(out, member.key);
            out += ':';
            member.value.write(out, pretty, level + 1);
        }
        if (pretty) {
            if (!first)
                out += '\n';
            indent(level);
        }
        out += '}';
        return;
    }
    }
}

bool JsonValue::operator==(const JsonValue& other) const
{
    if (m_type != other.m_type)
        return false;
    switch (m_type) {
    case Type::Null:
        return true;
    case Type::Bool:
        return m_bool == other.m_bool;
    case Type::Int:
        return m_unsigned == other.m_unsigned && m_int == other.m_int && m_uint == other.m_uint;
    case Type::Double:
    case Type::String:
        return m_text == other.m_text;
    case Type::Array:
        return m_elements == other.m_elements;
    case Type::Object:
        if (m_members.size() != other.m_members.size())
            return false;
        for (size_t i = 0; i < m_members.size(); ++i) {
            if (m_members[i].key != other.m_members[i].key ||
                !(m_members[i].value == other.m_members[i].value))
                return false;
        }
        return true;
    }
    return false;
}

} // namespace cryptstack::luks2
