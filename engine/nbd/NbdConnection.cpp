#include "NbdConnection.h"

#include "NbdExecutor.h"
#include "NbdProtocol.h"

#include <QStringDecoder>

#include <algorithm>
#include <array>
#include <vector>

namespace cryptstack::nbd {

namespace {

QByteArray be16(uint16_t value)
{
    QByteArray bytes(2, Qt::Uninitialized);
    storeBE16(reinterpret_cast<uint8_t*>(bytes.data()), value);
    return bytes;
}

QByteArray be32(uint32_t value)
{
    QByteArray bytes(4, Qt::Uninitialized);
    storeBE32(reinterpret_cast<uint8_t*>(bytes.data()), value);
    return bytes;
}

QByteArray be64(uint64_t value)
{
    QByteArray bytes(8, Qt::Uninitialized);
    storeBE64(reinterpret_cast<uint8_t*>(bytes.data()), value);
    return bytes;
}

bool validUtf8(const QByteArray& bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    (void)QString(decoder(bytes));
    return !decoder.hasError();
}

} // namespace

bool NbdExport::readOnly() const
{
    return (flags & TxReadOnly) != 0;
}

NbdConnection::NbdConnection(int fd, uint64_t id, const NbdExport& exported, NbdExecutor& executor,
                             NbdCounters& counters, const NbdConnectionLimits& limits)
    : m_id(id), m_export(exported), m_executor(executor), m_counters(counters), m_limits(limits), m_stream(fd)
{
    m_counters.connections.fetch_add(1, std::memory_order_relaxed);
    m_counters.connectionsTotal.fetch_add(1, std::memory_order_relaxed);
    m_reader = std::make_unique<NamedThread>(
        QStringLiteral("nbd-rx/%1").arg(id), [this] { run(); }, [this] { requestStop(); });
}

NbdConnection::~NbdConnection()
{
    m_reader.reset();
}

void NbdConnection::requestStop()
{
    {
        std::lock_guard lock(m_budgetMutex);
        m_stopping = true;
    }
    m_budgetChanged.notify_all();
    m_stream.wake(std::chrono::steady_clock::now() + std::chrono::milliseconds(m_limits.drainTimeoutMs));
}

void NbdConnection::run()
{
    if (negotiate() == Next::Transmission)
        transmit();
    m_stream.shutdown();
    // Finished before it stops counting as open: whoever sees the count drop can reap it.
    m_finished.store(true, std::memory_order_release);
    m_counters.connections.fetch_sub(1, std::memory_order_release);
}

// ---- handshake --------------------------------------------------------------------------------

bool NbdConnection::sendOptionReply(uint32_t option, uint32_t type, const QByteArray& data)
{
    const auto header = optionReplyHeader(option, type, static_cast<uint32_t>(data.size()));
    return m_stream.write({{header.data(), header.size()}, {data.constData(), size_t(data.size())}}) ==
           NbdStream::Io::Ok;
}

NbdConnection::Next NbdConnection::negotiate()
{
    const int timeout = m_limits.handshakeTimeoutMs;
    const auto hello = greeting();
    if (m_stream.write({{hello.data(), hello.size()}}) != NbdStream::Io::Ok)
        return Next::Close;
    std::array<uint8_t, 4> clientFlags{};
    if (m_stream.read(clientFlags.data(), clientFlags.size(), timeout) != NbdStream::Io::Ok)
        return Next::Close;
    const uint32_t flags = loadBE32(clientFlags.data());
    // Only the bits we offered (both of them): anything else ends the connection (§3.2).
    if (flags & ~uint32_t{ClientFlagFixedNewstyle | ClientFlagNoZeroes})
        return Next::Close;
    const bool noZeroes = flags & ClientFlagNoZeroes;

    for (uint32_t count = 0; count < m_limits.maxOptions; ++count) {
        std::array<uint8_t, OptionHeaderSize> header{};
        if (m_stream.read(header.data(), header.size(), timeout) != NbdStream::Io::Ok)
            return Next::Close;
        if (loadBE64(header.data()) != IHaveOpt)
            return Next::Close;
        const uint32_t option = loadBE32(header.data() + 8);
        const uint32_t length = loadBE32(header.data() + 12);
        // Nothing legitimate comes near this; a client announcing more is not worth reading.
        if (length > MaxOptionLength)
            return Next::Close;
        QByteArray data(static_cast<qsizetype>(length), Qt::Uninitialized);
        if (length > 0 && m_stream.read(data.data(), length, timeout) != NbdStream::Io::Ok)
            return Next::Close;

        bool sent = true;
        switch (option) {
        case OptExportName: {
            // No way to report an error here: an unknown name closes the connection.
            if (!data.isEmpty())
                return Next::Close;
            QByteArray reply = be64(m_export.size) + be16(m_export.flags);
            if (!noZeroes)
                reply += QByteArray(ExportNameZeroes, '\0');
            if (m_stream.write({{reply.constData(), size_t(reply.size())}}) != NbdStream::Io::Ok)
                return Next::Close;
            return Next::Transmission;
        }
        case OptAbort:
            (void)sendOptionReply(option, RepAck); // the client may be gone already
            return Next::Close;
        case OptList:
            if (!data.isEmpty()) {
                sent = sendOptionReply(option, RepErrInvalid, "LIST takes no data");
                break;
            }
            sent = sendOptionReply(option, RepServer, be32(0) + m_export.description) &&
                   sendOptionReply(option, RepAck);
            break;
        case OptStartTls:
            sent = sendOptionReply(option, RepErrUnsup, "this server does not support TLS");
            break;
        case OptInfo:
        case OptGo: {
            const Next next = infoOrGo(option, data);
            if (next != Next::Options)
                return next;
            break;
        }
        case OptStructuredReply:
            sent = data.isEmpty()
                       ? sendOptionReply(option, RepErrUnsup, "structured replies are not supported")
                       : sendOptionReply(option, RepErrInvalid, "STRUCTURED_REPLY takes no data");
            break;
        default:
            sent = sendOptionReply(option, RepErrUnsup, "option not supported");
            break;
        }
        if (!sent)
            return Next::Close;
    }
    return Next::Close; // endless haggling
}

NbdConnection::Next NbdConnection::infoOrGo(uint32_t option, const QByteArray& data)
{
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.constData());
    const auto size = static_cast<uint64_t>(data.size());
    auto refuse = [&](uint32_t type, const QByteArray& why) {
        return sendOptionReply(option, type, why) ? Next::Options : Next::Close;
    };
    // name length (4) + name + request count (2) + requests (2 each), exactly (§3.5).
    if (size < 6)
        return refuse(RepErrInvalid, "INFO/GO data shorter than 6 bytes");
    const uint32_t nameLength = loadBE32(bytes);
    if (nameLength > size - 6)
        return refuse(RepErrInvalid, "export name longer than the option data");
    const uint16_t requestCount = loadBE16(bytes + 4 + nameLength);
    if (size != 6 + uint64_t{nameLength} + 2 * uint64_t{requestCount})
        return refuse(RepErrInvalid, "information request count does not match the option length");
    const QByteArray name = data.mid(4, nameLength);
    if (nameLength > MaxStringLength)
        return refuse(RepErrInvalid, "export name longer than 4096 bytes");
    if (name.contains('\0') || !validUtf8(name))
        return refuse(RepErrInvalid, "export name is not valid UTF-8");
    if (!name.isEmpty())
        return refuse(RepErrUnknown,
                      "no export named \"" + name + "\": this server has only the default export");

    bool wantBlockSize = false;
    bool wantName = false;
    bool wantDescription = false;
    for (uint16_t i = 0; i < requestCount; ++i) {
        switch (loadBE16(bytes + 6 + nameLength + 2 * i)) {
        case InfoBlockSize:
            wantBlockSize = true;
            break;
        case InfoName:
            wantName = true;
            break;
        case InfoDescription:
            wantDescription = true;
            break;
        default:
            break; // INFO_EXPORT always comes; unknown types are ignored
        }
    }
    bool sent =
        sendOptionReply(option, RepInfo, be16(InfoExport) + be64(m_export.size) + be16(m_export.flags));
    if (sent && wantBlockSize)
        sent = sendOptionReply(option, RepInfo,
                               be16(InfoBlockSize) + be32(m_export.minimumBlock) +
                                   be32(m_export.preferredBlock) + be32(m_export.maximumPayload));
    if (sent && wantName)
        sent = sendOptionReply(option, RepInfo, be16(InfoName));
    if (sent && wantDescription && !m_export.description.isEmpty())
        sent = sendOptionReply(option, RepInfo, be16(InfoDescription) + m_export.description);
    if (sent)
        sent = sendOptionReply(option, RepAck);
    if (!sent)
        return Next::Close;
    return option == OptGo ? Next::Transmission : Next::Options;
}

// ---- transmission -----------------------------------------------------------------------------

uint32_t NbdConnection::validate(const RequestHeader& header) const
{
    const bool readOnly = m_export.readOnly();
    uint16_t allowedFlags = CmdFlagFua; // accepted on every command (§2.9)
    bool writes = false;
    switch (header.type) {
    case CmdRead:
    case CmdFlush:
        break;
    case CmdWrite:
    case CmdTrim:
        writes = true;
        break;
    case CmdWriteZeroes:
        writes = true;
        allowedFlags |= CmdFlagNoHole;
        break;
    default:
        return ErrInval; // CACHE, BLOCK_STATUS, RESIZE (not advertised) and unknown commands
    }
    if (header.flags & ~allowedFlags)
        return ErrInval;
    if (header.type == CmdFlush)
        return ErrNone; // offset and length are reserved; be lenient
    // offset + length is never computed unchecked: offset may be near 2^64.
    if (header.offset > m_export.size || header.length > m_export.size - header.offset)
        return header.type == CmdWrite || header.type == CmdWriteZeroes ? ErrNoSpc : ErrInval;
    if (writes && readOnly)
        return ErrPerm;
    if (header.type == CmdRead && header.length > MaxPayload)
        return ErrInval;
    return ErrNone;
}

bool NbdConnection::reserve(uint64_t bytes)
{
    std::unique_lock lock(m_budgetMutex);
    // One request is always let through when nothing is in flight, whatever its size.
    m_budgetChanged.wait(lock, [&] {
        return m_stopping || (m_requests < m_limits.maxRequests &&
                              (m_requests == 0 || m_bytes + bytes <= m_limits.maxBytes));
    });
    if (m_stopping)
        return false;
    ++m_requests;
    m_bytes += bytes;
    m_counters.inFlight.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void NbdConnection::release(uint64_t bytes)
{
    {
        std::lock_guard lock(m_budgetMutex);
        --m_requests;
        m_bytes -= bytes;
        m_counters.inFlight.fetch_sub(1, std::memory_order_relaxed);
    }
    m_budgetChanged.notify_all();
}

void NbdConnection::waitIdle()
{
    std::unique_lock lock(m_budgetMutex);
    m_budgetChanged.wait(lock, [&] { return m_requests == 0; });
}

void NbdConnection::requestDone(NbdRequest* request)
{
    m_replies.push(request);
}

void NbdConnection::transmit()
{
    m_sender = std::make_unique<NamedThread>(
        QStringLiteral("nbd-tx/%1").arg(m_id), [this] { sendLoop(); }, [this] { m_replies.close(); });
    bool disconnect = false;
    for (;;) {
        {
            std::lock_guard lock(m_budgetMutex);
            if (m_stopping)
                break;
        }
        std::array<uint8_t, RequestSize> bytes{};
        if (m_stream.read(bytes.data(), bytes.size()) != NbdStream::Io::Ok)
            break; // EOF, reset, or woken to stop
        const RequestHeader header = RequestHeader::decode(bytes.data());
        if (header.magic != RequestMagic)
            break; // the stream cannot be trusted any more (§4.4.1)
        if (header.type == CmdDisc) {
            disconnect = true; // anything after DISC is ignored
            break;
        }
        auto request = std::make_unique<NbdRequest>();
        request->cookie = header.cookie;
        request->type = header.type;
        request->flags = header.flags;
        request->offset = header.offset;
        request->length = header.length;
        request->owner = this;
        // A WRITE payload above the cap is not read: answer EINVAL and close (§4.4.2).
        const bool oversizedWrite = header.type == CmdWrite && header.length > MaxPayload;
        const uint32_t error = oversizedWrite ? uint32_t{ErrInval} : validate(header);
        if (error != ErrNone) {
            // A refused WRITE's payload is drained so the next header is found (§4.3).
            if (header.type == CmdWrite && !oversizedWrite &&
                m_stream.skip(header.length) != NbdStream::Io::Ok)
                break;
            if (!reserve(0))
                break;
            request->error = error;
            m_replies.push(request.release());
            if (oversizedWrite)
                break;
            continue;
        }
        if (!reserve(m_executor.cost(*request)))
            break;
        m_executor.prepare(*request);
        if (header.type == CmdWrite && header.length > 0 &&
            m_stream.read(request->data(), header.length) != NbdStream::Io::Ok) {
            release(request->budgetBytes);
            break; // EOF mid-payload: the request was never complete
        }
        m_executor.execute(request.release());
    }
    // Everything started finishes and is answered (or dropped if the client is gone).
    waitIdle();
    if (disconnect)
        (void)m_executor.device().flush(); // DISC: make what was written durable (§4.3)
    m_sender.reset();                      // closes the reply queue and joins the sender
}

void NbdConnection::sendLoop()
{
    std::vector<NbdRequest*> batch;
    bool dead = false;
    while (m_replies.popAll(batch)) {
        for (NbdRequest* request : batch) {
            const bool ok = request->error == ErrNone;
            m_counters.requests.fetch_add(1, std::memory_order_relaxed);
            if (!ok)
                m_counters.errors.fetch_add(1, std::memory_order_relaxed);
            else if (request->type == CmdRead)
                m_counters.bytesRead.fetch_add(request->length, std::memory_order_relaxed);
            else if (request->type == CmdWrite)
                m_counters.bytesWritten.fetch_add(request->length, std::memory_order_relaxed);
            if (!dead) {
                const auto header = simpleReply(request->error, request->cookie);
                const bool withData = ok && request->type == CmdRead && request->length > 0;
                const NbdStream::Io io =
                    withData
                        ? m_stream.write({{header.data(), header.size()}, {request->data(), request->length}})
                        : m_stream.write({{header.data(), header.size()}});
                if (io != NbdStream::Io::Ok) {
                    // Gone or not reading past the drain deadline: drop the remaining replies and
                    // make the reader see the end too.
                    dead = true;
                    m_stream.shutdown();
                }
            }
            const uint64_t budget = request->budgetBytes;
            delete request;
            release(budget);
        }
    }
}

} // namespace cryptstack::nbd
