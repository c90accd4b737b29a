// The NBD wire protocol as this server speaks it (NetworkBlockDevice/nbd doc/proto.md, fixed
// newstyle handshake, simple replies only): magic numbers, option, reply, info, command and error
// codes, flag bits, the size limits the server enforces, and the fixed layouts it reads and writes.
// All integers on the wire are big-endian (engine/core/Endian.h).
#pragma once

#include "core/Endian.h"

#include <array>
#include <cstdint>

namespace cryptstack::nbd {

// Magic numbers.
constexpr uint64_t NbdMagic = 0x4e42444d41474943ull;         // "NBDMAGIC", greeting bytes 0-7
constexpr uint64_t IHaveOpt = 0x49484156454f5054ull;         // "IHAVEOPT", greeting and every option
constexpr uint64_t OptionReplyMagic = 0x0003e889045565a9ull; // every option reply
constexpr uint32_t RequestMagic = 0x25609513;
constexpr uint32_t SimpleReplyMagic = 0x67446698;

// Handshake flags (server -> client, 16 bits) and client flags (32 bits).
constexpr uint16_t FlagFixedNewstyle = 1u << 0;
constexpr uint16_t FlagNoZeroes = 1u << 1;
constexpr uint16_t HandshakeFlags = FlagFixedNewstyle | FlagNoZeroes;
constexpr uint32_t ClientFlagFixedNewstyle = 1u << 0;
constexpr uint32_t ClientFlagNoZeroes = 1u << 1;

// Options (NBD_OPT_*).
enum Option : uint32_t {
    OptExportName = 1,
    OptAbort = 2,
    OptList = 3,
    OptPeekExport = 4,
    OptStartTls = 5,
    OptInfo = 6,
    OptGo = 7,
    OptStructuredReply = 8,
    OptListMetaContext = 9,
    OptSetMetaContext = 10,
    OptExtendedHeaders = 11,
};

// Option reply types (NBD_REP_*); errors have bit 31 set.
enum ReplyType : uint32_t {
    RepAck = 1,
    RepServer = 2,
    RepInfo = 3,
    RepErrUnsup = 0x80000001,
    RepErrPolicy = 0x80000002,
    RepErrInvalid = 0x80000003,
    RepErrPlatform = 0x80000004,
    RepErrTlsReqd = 0x80000005,
    RepErrUnknown = 0x80000006,
    RepErrShutdown = 0x80000007,
    RepErrBlockSizeReqd = 0x80000008,
    RepErrTooBig = 0x80000009,
};

// Info types inside NBD_REP_INFO.
enum InfoType : uint16_t {
    InfoExport = 0,
    InfoName = 1,
    InfoDescription = 2,
    InfoBlockSize = 3,
};

// Transmission flags (sent with the export size).
constexpr uint16_t TxHasFlags = 1u << 0;
constexpr uint16_t TxReadOnly = 1u << 1;
constexpr uint16_t TxSendFlush = 1u << 2;
constexpr uint16_t TxSendFua = 1u << 3;
constexpr uint16_t TxRotational = 1u << 4;
constexpr uint16_t TxSendTrim = 1u << 5;
constexpr uint16_t TxSendWriteZeroes = 1u << 6;
constexpr uint16_t TxSendDf = 1u << 7;
constexpr uint16_t TxCanMultiConn = 1u << 8;
constexpr uint16_t TxSendCache = 1u << 10;
constexpr uint16_t TxSendFastZero = 1u << 11;

// Commands (NBD_CMD_*).
enum CommandType : uint16_t {
    CmdRead = 0,
    CmdWrite = 1,
    CmdDisc = 2,
    CmdFlush = 3,
    CmdTrim = 4,
    CmdCache = 5,
    CmdWriteZeroes = 6,
    CmdBlockStatus = 7,
    CmdResize = 8,
};

// Command flags.
constexpr uint16_t CmdFlagFua = 1u << 0;
constexpr uint16_t CmdFlagNoHole = 1u << 1;
constexpr uint16_t CmdFlagDf = 1u << 2;
constexpr uint16_t CmdFlagReqOne = 1u << 3;
constexpr uint16_t CmdFlagFastZero = 1u << 4;

// Error values of a simple reply: only these go on the wire, never a host errno.
enum Error : uint32_t {
    ErrNone = 0,
    ErrPerm = 1,
    ErrIo = 5,
    ErrNoMem = 12,
    ErrInval = 22,
    ErrNoSpc = 28,
    ErrOverflow = 75,
    ErrNotSup = 95,
    ErrShutdown = 108,
};

// Limits.
constexpr uint32_t MaxPayload = 32u << 20;      // READ/WRITE payloads accepted (and advertised maximum)
constexpr uint32_t MaxStringLength = 4096;      // export names and descriptions
constexpr uint32_t MaxOptionLength = 64u << 10; // larger option data: the connection is closed
constexpr uint32_t PreferredBlockSize = 4096;

// Fixed sizes.
constexpr size_t GreetingSize = 18;
constexpr size_t OptionHeaderSize = 16;
constexpr size_t OptionReplyHeaderSize = 20;
constexpr size_t RequestSize = 28;
constexpr size_t SimpleReplySize = 16;
constexpr size_t ExportNameZeroes = 124;

inline std::array<uint8_t, GreetingSize> greeting()
{
    std::array<uint8_t, GreetingSize> bytes{};
    storeBE64(bytes.data(), NbdMagic);
    storeBE64(bytes.data() + 8, IHaveOpt);
    storeBE16(bytes.data() + 16, HandshakeFlags);
    return bytes;
}

inline std::array<uint8_t, OptionReplyHeaderSize> optionReplyHeader(uint32_t option, uint32_t type,
                                                                    uint32_t length)
{
    std::array<uint8_t, OptionReplyHeaderSize> bytes{};
    storeBE64(bytes.data(), OptionReplyMagic);
    storeBE32(bytes.data() + 8, option);
    storeBE32(bytes.data() + 12, type);
    storeBE32(bytes.data() + 16, length);
    return bytes;
}

inline std::array<uint8_t, SimpleReplySize> simpleReply(uint32_t error, uint64_t cookie)
{
    std::array<uint8_t, SimpleReplySize> bytes{};
    storeBE32(bytes.data(), SimpleReplyMagic);
    storeBE32(bytes.data() + 4, error);
    storeBE64(bytes.data() + 8, cookie);
    return bytes;
}

// One transmission request header, decoded.
struct RequestHeader
{
    uint32_t magic = 0;
    uint16_t flags = 0;
    uint16_t type = 0;
    uint64_t cookie = 0;
    uint64_t offset = 0;
    uint32_t length = 0;

    static RequestHeader decode(const uint8_t* bytes)
    {
        return {loadBE32(bytes),     loadBE16(bytes + 4),  loadBE16(bytes + 6),
                loadBE64(bytes + 8), loadBE64(bytes + 16), loadBE32(bytes + 24)};
    }
};

// A command's name for messages ("READ", "WRITE" …), or "unknown".
inline const char* commandName(uint16_t type)
{
    switch (type) {
    case CmdRead:
        return "READ";
    case CmdWrite:
        return "WRITE";
    case CmdDisc:
        return "DISC";
    case CmdFlush:
        return "FLUSH";
    case CmdTrim:
        return "TRIM";
    case CmdCache:
        return "CACHE";
    case CmdWriteZeroes:
        return "WRITE_ZEROES";
    case CmdBlockStatus:
        return "BLOCK_STATUS";
    case CmdResize:
        return "RESIZE";
    default:
        return "unknown";
    }
}

} // namespace cryptstack::nbd
