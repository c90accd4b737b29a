#include "Base64.h"

#include <climits>

namespace cryptstack::Base64 {

namespace {

constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int Padding = INT_MAX;
constexpr int EndOfText = -1;
constexpr int Invalid = -2;

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int valueOf(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return Invalid;
}

// The next symbol, whitespace around it skipped (cryptsetup's base64.c, from systemd's
// unbase64_next): a value, Padding for '=', EndOfText or Invalid.
int next(QByteArrayView text, qsizetype& pos)
{
    while (pos < text.size() && isSpace(text[pos]))
        ++pos;
    if (pos == text.size())
        return EndOfText;
    const char c = text[pos++];
    const int value = c == '=' ? Padding : valueOf(c);
    while (pos < text.size() && isSpace(text[pos]))
        ++pos;
    return value;
}

} // namespace

QByteArray encode(std::span<const uint8_t> data)
{
    QByteArray out;
    out.reserve(static_cast<qsizetype>((data.size() + 2) / 3 * 4));
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const uint32_t v = uint32_t(data[i]) << 16 | uint32_t(data[i + 1]) << 8 | data[i + 2];
        out += Alphabet[v >> 18];
        out += Alphabet[(v >> 12) & 63];
        out += Alphabet[(v >> 6) & 63];
        out += Alphabet[v & 63];
    }
    if (const size_t rest = data.size() - i) {
        const uint32_t v = uint32_t(data[i]) << 16 | (rest == 2 ? uint32_t(data[i + 1]) << 8 : 0);
        out += Alphabet[v >> 18];
        out += Alphabet[(v >> 12) & 63];
        out += rest == 2 ? Alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::vector<uint8_t>> decode(QByteArrayView text)
{
    // Groups of four symbols; padding only in the last group, at its third and fourth place or
    // its fourth, with the unused bits zero and nothing but whitespace after it. Unpadded input is
    // refused.
    std::vector<uint8_t> out;
    out.reserve(static_cast<size_t>(text.size() / 4 * 3 + 3));
    qsizetype pos = 0;
    for (;;) {
        const int a = next(text, pos);
        if (a == EndOfText)
            break;
        if (a == Invalid || a == Padding)
            return std::nullopt;
        const int b = next(text, pos);
        if (b < 0 || b == Padding)
            return std::nullopt;
        const int c = next(text, pos);
        if (c < 0)
            return std::nullopt;
        const int d = next(text, pos);
        if (d < 0)
            return std::nullopt;
        if (c == Padding) {
            if (d != Padding || (b & 15) || pos < text.size())
                return std::nullopt;
            out.push_back(static_cast<uint8_t>(a << 2 | b >> 4));
            break;
        }
        if (d == Padding) {
            if ((c & 3) || pos < text.size())
                return std::nullopt;
            out.push_back(static_cast<uint8_t>(a << 2 | b >> 4));
            out.push_back(static_cast<uint8_t>((b << 4 | c >> 2) & 0xff));
            break;
        }
        out.push_back(static_cast<uint8_t>(a << 2 | b >> 4));
        out.push_back(static_cast<uint8_t>((b << 4 | c >> 2) & 0xff));
        out.push_back(static_cast<uint8_t>((c << 6 | d) & 0xff));
    }
    return out;
}

} // namespace cryptstack::Base64
