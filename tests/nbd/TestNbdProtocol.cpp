// The NBD server in-process, against raw socket clients written here: the handshake (GO,
// EXPORT_NAME with and without NO_ZEROES, LIST, INFO, ABORT, STARTTLS), the hostile clients of
// reference/nbd.md §11 (bad flags and magic, unknown and malformed options, huge lengths, bad
// requests that must leave the connection usable, pipelining, byte-at-a-time delivery, DISC and
// EOF with requests in flight, a client that never reads), data integrity with four connections
// writing unaligned ranges that share blocks, and stop() draining requests in flight. Devices: a
// MemoryDevice (completing inline or on its own thread) and crypt mappings over image files.
#include "NbdRawClient.h"
#include "TestDevices.h"
#include "TestImages.h"
#include "block/MemoryDevice.h"
#include "nbd/NbdAddress.h"
#include "nbd/NbdProtocol.h"
#include "nbd/NbdServer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace cryptstack;
using namespace cryptstack::test;
using namespace cryptstack::nbd;

namespace {

constexpr uint64_t MiB = 1 << 20;
const QString Key = QString(128, u'a'); // aes-xts-plain64, 512-bit

std::shared_ptr<MemoryDevice> memoryDevice(uint64_t bytes, bool threaded = false, uint32_t seed = 7)
{
    auto device = std::make_shared<MemoryDevice>(bytes >> SectorShift, QStringLiteral("mem"), threaded);
    const QByteArray pattern = patternBytes(seed, 0, qsizetype(bytes));
    device->fill(0, pattern.constData(), bytes);
    return device;
}

QByteArray deviceBytes(BlockDevice& device, uint64_t offset, uint64_t bytes)
{
    QByteArray data(qsizetype(bytes), Qt::Uninitialized);
    if (!device.readBytes(offset, data.data(), bytes))
        return {};
    return data;
}

// One request sent and its reply (and READ data) received.
struct Exchange
{
    SimpleReply reply;
    QByteArray data;
};

Exchange exchange(RawClient& client, uint16_t type, uint64_t cookie, uint64_t offset, uint32_t length,
                  const QByteArray& payload = {}, uint16_t flags = 0)
{
    Exchange result;
    if (!client.send(requestBytes(type, cookie, offset, length, flags) + payload))
        return result;
    result.reply = client.readReply();
    if (result.reply.ok && result.reply.error == 0 && type == CmdRead)
        result.data = client.receive(length);
    return result;
}

bool okReply(const Exchange& e, uint64_t cookie)
{
    return e.reply.ok && e.reply.magic == SimpleReplyMagic && e.reply.error == 0 && e.reply.cookie == cookie;
}

} // namespace

class TestNbdProtocol : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_sockets = 0;

    QString socketPath() { return m_dir.filePath(QStringLiteral("s%1.sock").arg(++m_sockets)); }

    std::unique_ptr<NbdServer> start(std::shared_ptr<BlockDevice> device, NbdServerOptions options = {})
    {
        if (options.address.path.isEmpty() && options.address.port == DefaultPort)
            options.address = NbdAddress::unixSocket(socketPath());
        auto server = std::make_unique<NbdServer>(std::move(device), options);
        const Status status = server->start();
        if (!status) {
            qWarning("start: %s", qPrintable(status.message()));
            return nullptr;
        }
        return server;
    }

    static std::unique_ptr<RawClient> connect(const NbdServer& server)
    {
        return RawClient::connectUnix(server.address().path);
    }

    static std::unique_ptr<RawClient> transmitting(const NbdServer& server)
    {
        auto client = connect(server);
        if (!client || !client->handshake().ok)
            return nullptr;
        return client;
    }

    // A crypt mapping over an image file (optionally through a delay target holding writes and
    // flushes, not reads), in the registry.
    std::shared_ptr<MappedDevice> cryptDevice(DeviceRegistry& registry, const QString& name, uint64_t bytes,
                                              unsigned sectorSize, unsigned delayMs = 0)
    {
        const QString image = name + QStringLiteral(".img");
        createImage(m_dir.path(), image, qint64(bytes), 11);
        QString lower = image;
        if (delayMs) {
            if (!createDevice(
                    registry, m_dir.path(),
                    {QStringLiteral("0 %1 delay %2 0 0 %2 0 %3").arg(bytes >> 9).arg(image).arg(delayMs)},
                    name + QStringLiteral("-slow")))
                return nullptr;
            lower = name + QStringLiteral("-slow");
        }
        QString line = QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 %3 0").arg(bytes >> 9).arg(Key, lower);
        if (sectorSize != 512)
            line += QStringLiteral(" 1 sector_size:%1").arg(sectorSize);
        return createDevice(registry, m_dir.path(), {line}, name);
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void addressParsing_data();
    void addressParsing();
    void goHandshake();
    void exportNameHandshake();
    void listInfoAbortStartTls();
    void hostileHandshake();
    void infoGoValidation();
    void handshakeTimeoutAndConnectionLimit();
    void readErrorsKeepConnection();
    void writeErrorsDrainPayload();
    void commandAndFlagValidation();
    void trimAndWriteZeroes();
    void readOnlyExport();
    void pipelinedRequests();
    void byteAtATime();
    void discCompletesInFlight();
    void badMagicAndEofMidPayload();
    void stalledClientDoesNotBlockOthers();
    void concurrentIntegrity_data();
    void concurrentIntegrity();
    void multiConnCoherence();
    void stopDrainsInFlight();
    void unixSocketFile();
    void tcpListener();
};

void TestNbdProtocol::addressParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical"); // empty: an error is expected
    QTest::addColumn<QString>("uri");
    QTest::addColumn<QString>("error");
    QTest::newRow("unix") << "unix:/tmp/a.sock"
                          << "unix:/tmp/a.sock"
                          << "nbd+unix:///?socket=/tmp/a.sock"
                          << "";
    QTest::newRow("unix relative") << "unix:a b.sock"
                                   << "unix:a b.sock"
                                   << "nbd+unix:///?socket=a%20b.sock"
                                   << "";
    QTest::newRow("tcp") << "tcp:localhost:10810"
                         << "tcp:localhost:10810"
                         << "nbd://localhost:10810"
                         << "";
    QTest::newRow("tcp empty host") << "tcp::10809"
                                    << "tcp:127.0.0.1:10809"
                                    << "nbd://127.0.0.1:10809"
                                    << "";
    QTest::newRow("tcp no port") << "tcp:127.0.0.2"
                                 << "tcp:127.0.0.2:10809"
                                 << "nbd://127.0.0.2:10809"
                                 << "";
    QTest::newRow("tcp empty") << "tcp:"
                               << "tcp:127.0.0.1:10809"
                               << "nbd://127.0.0.1:10809"
                               << "";
    QTest::newRow("tcp ipv6") << "tcp:[::1]:99"
                              << "tcp:[::1]:99"
                              << "nbd://[::1]:99"
                              << "";
    QTest::newRow("no scheme") << "/tmp/a.sock"
                               << ""
                               << ""
                               << "expected unix:PATH or tcp:HOST:PORT, got \"/tmp/a.sock\"";
    QTest::newRow("empty unix") << "unix:"
                                << ""
                                << ""
                                << "empty socket path in \"unix:\"";
    QTest::newRow("long unix") << "unix:/" + QString(200, u'x') << ""
                               << ""
                               << "socket path longer than 107 bytes in \"unix:/" + QString(200, u'x') + "\"";
    QTest::newRow("bad port") << "tcp:h:http"
                              << ""
                              << ""
                              << "invalid port \"http\" (0 to 65535; 0 picks a free one) in \"tcp:h:http\"";
    QTest::newRow("big port") << "tcp::65536"
                              << ""
                              << ""
                              << "invalid port \"65536\" (0 to 65535; 0 picks a free one) in \"tcp::65536\"";
    QTest::newRow("bare ipv6") << "tcp:::1:5"
                               << ""
                               << ""
                               << "an IPv6 host must be in brackets, e.g. tcp:[::1]:10809 in \"tcp:::1:5\"";
}

void TestNbdProtocol::addressParsing()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    QFETCH(QString, uri);
    QFETCH(QString, error);
    const auto address = NbdAddress::parse(text);
    if (canonical.isEmpty()) {
        QVERIFY(!address);
        QCOMPARE(address.status().code(), ErrorCode::InvalidArgument);
        QCOMPARE(address.message(), error);
        return;
    }
    QVERIFY2(address, qPrintable(address.message()));
    QCOMPARE(address->toString(), canonical);
    QCOMPARE(address->uri(), uri);
}

void TestNbdProtocol::goHandshake()
{
    auto server = start(memoryDevice(4 * MiB));
    QVERIFY(server);
    auto client = connect(*server);
    QVERIFY(client);
    QVERIFY(client->greet());
    QList<OptionReply> replies;
    const ExportInfo info =
        client->infoOrGo(OptGo, {}, {InfoBlockSize, InfoName, InfoDescription, InfoBlockSize}, &replies);
    QVERIFY2(info.ok, qPrintable(info.error));
    QCOMPARE(info.size, 4 * MiB);
    // HAS_FLAGS | SEND_FLUSH | SEND_FUA | SEND_TRIM | SEND_WRITE_ZEROES | CAN_MULTI_CONN.
    QCOMPARE(info.flags, uint16_t(0x016d));
    QVERIFY(info.hasBlockSize);
    QCOMPARE(info.minimumBlock, 512u);
    QCOMPARE(info.preferredBlock, 4096u);
    QCOMPARE(info.maximumPayload, 32u << 20);
    // INFO_EXPORT, BLOCK_SIZE once (asked twice), NAME, DESCRIPTION, ACK.
    QCOMPARE(replies.size(), 5);
    QCOMPARE(loadBe16(replies[2].data, 0), uint16_t(InfoName));
    QCOMPARE(replies[2].data.size(), 2);
    QCOMPARE(loadBe16(replies[3].data, 0), uint16_t(InfoDescription));
    QCOMPARE(replies[3].data.mid(2), QByteArray("cryptstack: mem"));
    QCOMPARE(replies[4].data.size(), 0);
    // Transmission follows the ACK directly: a READ works.
    const Exchange read = exchange(*client, CmdRead, 1, 512, 1024);
    QVERIFY(okReply(read, 1));
    QCOMPARE(read.data, patternBytes(7, 512, 1024));
    QVERIFY(client->send(requestBytes(CmdDisc, 2, 0, 0)));
    QVERIFY(client->closedByPeer());
}

void TestNbdProtocol::exportNameHandshake()
{
    auto server = start(memoryDevice(2 * MiB));
    QVERIFY(server);
    for (uint32_t flags : {1u, 3u}) {
        auto client = connect(*server);
        QVERIFY(client);
        QVERIFY(client->greet(flags));
        QVERIFY(client->send(optionBytes(OptExportName)));
        const qsizetype expected = flags == 1 ? 134 : 10;
        const QByteArray reply = client->receive(expected);
        QCOMPARE(reply.size(), expected);
        QCOMPARE(loadBe64(reply, 0), 2 * MiB);
        QCOMPARE(loadBe16(reply, 8), uint16_t(0x016d));
        if (flags == 1)
            QCOMPARE(reply.mid(10), QByteArray(124, '\0'));
        // Nothing more before the first request: the next bytes are the READ's reply.
        const Exchange read = exchange(*client, CmdRead, 77, 0, 512);
        QVERIFY(okReply(read, 77));
        QCOMPARE(read.data, patternBytes(7, 0, 512));
    }
}

void TestNbdProtocol::listInfoAbortStartTls()
{
    auto server = start(memoryDevice(MiB));
    QVERIFY(server);
    auto client = connect(*server);
    QVERIFY(client);
    QVERIFY(client->greet());
    // LIST: one SERVER entry for the default export (name length 0 + description), then ACK.
    QVERIFY(client->send(optionBytes(OptList)));
    OptionReply reply = client->readOptionReply();
    QVERIFY(reply.ok);
    QCOMPARE(reply.magic, OptionReplyMagic);
    QCOMPARE(reply.option, uint32_t(OptList));
    QCOMPARE(reply.type, uint32_t(RepServer));
    QCOMPARE(loadBe32(reply.data, 0), 0u);
    QCOMPARE(reply.data.mid(4), QByteArray("cryptstack: mem"));
    reply = client->readOptionReply();
    QCOMPARE(reply.type, uint32_t(RepAck));
    QCOMPARE(reply.data.size(), 0);
    // LIST with data: ERR_INVALID.
    QVERIFY(client->send(optionBytes(OptList, "x")));
    reply = client->readOptionReply();
    QCOMPARE(reply.type, uint32_t(RepErrInvalid));
    // STARTTLS with and without data: an error, never ACK.
    for (const QByteArray& data : {QByteArray(), QByteArray("tls")}) {
        QVERIFY(client->send(optionBytes(OptStartTls, data)));
        reply = client->readOptionReply();
        QVERIFY(reply.ok);
        QCOMPARE(reply.option, uint32_t(OptStartTls));
        QCOMPARE(reply.type, uint32_t(RepErrUnsup));
    }
    // STRUCTURED_REPLY: ERR_UNSUP; with data ERR_INVALID. Meta contexts, extended headers: ERR_UNSUP.
    QVERIFY(client->send(optionBytes(OptStructuredReply)));
    QCOMPARE(client->readOptionReply().type, uint32_t(RepErrUnsup));
    QVERIFY(client->send(optionBytes(OptStructuredReply, "x")));
    QCOMPARE(client->readOptionReply().type, uint32_t(RepErrInvalid));
    for (uint32_t option :
         {uint32_t(OptSetMetaContext), uint32_t(OptListMetaContext), uint32_t(OptExtendedHeaders)}) {
        QVERIFY(client->send(optionBytes(option, be32(0) + be32(0))));
        reply = client->readOptionReply();
        QCOMPARE(reply.option, option);
        QCOMPARE(reply.type, uint32_t(RepErrUnsup));
    }
    // INFO stays in the option phase; a GO with the same parameters answers the same.
    ExportInfo info = client->infoOrGo(OptInfo, {}, {InfoBlockSize});
    QVERIFY2(info.ok, qPrintable(info.error));
    QCOMPARE(info.size, MiB);
    // ABORT: ACK, then the server closes.
    QVERIFY(client->send(optionBytes(OptAbort)));
    reply = client->readOptionReply();
    QCOMPARE(reply.type, uint32_t(RepAck));
    QVERIFY(client->closedByPeer());
    // ABORT with data and an immediate close (nbdinfo --list does that): the server shrugs.
    client = connect(*server);
    QVERIFY(client->greet());
    QVERIFY(client->send(optionBytes(OptAbort, "bye")));
    client.reset();
    QVERIFY(transmitting(*server));
}

void TestNbdProtocol::hostileHandshake()
{
    auto server = start(memoryDevice(MiB));
    QVERIFY(server);
    // Connect and close at once; close after half the greeting.
    QVERIFY(connect(*server));
    {
        auto client = connect(*server);
        QCOMPARE(client->receive(9).size(), 9);
    }
    // Client flags with unknown bits: closed.
    for (uint32_t flags : {0x4u, 0x80000000u, 0x7u}) {
        auto client = connect(*server);
        QVERIFY(client->greet(flags));
        QVERIFY2(client->closedByPeer(), qPrintable(QString::number(flags, 16)));
    }
    // Wrong option magic: closed.
    {
        auto client = connect(*server);
        QVERIFY(client->greet());
        QVERIFY(client->send(be64(0x1122334455667788ull) + be32(OptGo) + be32(0)));
        QVERIFY(client->closedByPeer());
    }
    // Unknown options with and without data: ERR_UNSUP each, echoing the code, and a GO after
    // them still works (their data was skipped).
    {
        auto client = connect(*server);
        QVERIFY(client->greet());
        for (uint32_t option : {0u, 4u, 12u, 99u, 0xffffffffu}) {
            for (const QByteArray& data : {QByteArray(), QByteArray("12345"), QByteArray(3000, 'x')}) {
                QVERIFY(client->send(optionBytes(option, data)));
                const OptionReply reply = client->readOptionReply();
                QVERIFY(reply.ok);
                QCOMPARE(reply.option, option);
                QCOMPARE(reply.type, uint32_t(RepErrUnsup));
            }
        }
        // Many options in a row are fine too.
        QByteArray many;
        for (int i = 0; i < 1000; ++i)
            many += optionBytes(50);
        QVERIFY(client->send(many));
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(client->readOptionReply().type, uint32_t(RepErrUnsup));
        const ExportInfo info = client->infoOrGo(OptGo);
        QVERIFY2(info.ok, qPrintable(info.error));
        QVERIFY(okReply(exchange(*client, CmdRead, 5, 0, 512), 5));
    }
    // Option length 0xffffffff, then nothing: closed without waiting for 4 GiB.
    {
        auto client = connect(*server);
        QVERIFY(client->greet());
        QVERIFY(client->send(be64(IHaveOpt) + be32(99) + be32(0xffffffffu)));
        QVERIFY(client->closedByPeer());
    }
    // An option promising 100 bytes, 10 sent, then EOF: the server cleans up quietly.
    {
        auto client = connect(*server);
        QVERIFY(client->greet());
        QVERIFY(client->send(be64(IHaveOpt) + be32(OptGo) + be32(100) + QByteArray(10, 'x')));
    }
    // EXPORT_NAME with an unknown name: closed without a byte.
    {
        auto client = connect(*server);
        QVERIFY(client->greet());
        QVERIFY(client->send(optionBytes(OptExportName, "nope")));
        QVERIFY(client->closedByPeer());
    }
    // 64 connections at once (the default limit), each through the handshake, then all closed.
    {
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 64; ++i) {
            clients.push_back(connect(*server));
            QVERIFY(clients.back());
        }
        for (auto& c : clients)
            QVERIFY(c->handshake().ok);
        QCOMPARE(server->stats().connections, uint64_t(64));
        QVERIFY(okReply(exchange(*clients.back(), CmdRead, 3, 0, 512), 3));
    }
    QTRY_COMPARE_WITH_TIMEOUT(server->stats().connections, uint64_t(0), 10000);
    QCOMPARE(server->stats().refused, uint64_t(0));
    // The server still serves.
    auto client = transmitting(*server);
    QVERIFY(client);
    QVERIFY(okReply(exchange(*client, CmdRead, 1, 0, 4096), 1));
}

void TestNbdProtocol::infoGoValidation()
{
    auto server = start(memoryDevice(MiB));
    QVERIFY(server);
    auto client = connect(*server);
    QVERIFY(client);
    QVERIFY(client->greet());
    struct Case
    {
        const char* what;
        QByteArray data;
        uint32_t expected;
    };
    const QList<Case> cases = {
        {"empty", {}, RepErrInvalid},
        {"5 bytes", QByteArray(5, '\0'), RepErrInvalid},
        {"name longer than data", be32(10) + "abc" + be16(0), RepErrInvalid},
        {"name length 2^32-1", be32(0xffffffffu) + be16(0), RepErrInvalid},
        {"count too high", be32(0) + be16(3) + be16(3), RepErrInvalid},
        {"count too low", be32(0) + be16(0) + be16(3), RepErrInvalid},
        {"odd trailing byte", be32(0) + be16(0) + "x", RepErrInvalid},
        {"NUL in name", infoData(QByteArray("a\0b", 3)), RepErrInvalid},
        {"invalid UTF-8", infoData("\xff\xfe"), RepErrInvalid},
        {"name over 4096", infoData(QByteArray(5000, 'n')), RepErrInvalid},
        {"unknown name", infoData("other"), RepErrUnknown},
    };
    for (uint32_t option : {uint32_t(OptInfo), uint32_t(OptGo)}) {
        for (const Case& c : cases) {
            QVERIFY(client->send(optionBytes(option, c.data)));
            const OptionReply reply = client->readOptionReply();
            QVERIFY2(reply.ok, c.what);
            QVERIFY2(reply.option == option, c.what);
            QVERIFY2(
                reply.type == c.expected,
                qPrintable(QStringLiteral("%1: got 0x%2").arg(QLatin1String(c.what)).arg(reply.type, 0, 16)));
        }
    }
    // Unknown and duplicate info types are fine; then a correct GO on the same connection.
    ExportInfo info = client->infoOrGo(OptInfo, {}, {42, 0, 0, 3, 3, 0xffff});
    QVERIFY2(info.ok, qPrintable(info.error));
    info = client->infoOrGo(OptGo, {}, {});
    QVERIFY2(info.ok, qPrintable(info.error));
    QVERIFY(!info.hasBlockSize); // not asked for, not sent (nbd-client asks for nothing)
    QVERIFY(okReply(exchange(*client, CmdRead, 9, 0, 512), 9));
}

void TestNbdProtocol::handshakeTimeoutAndConnectionLimit()
{
    NbdServerOptions options;
    options.limits.handshakeTimeoutMs = 300;
    options.maxConnections = 3;
    auto server = start(memoryDevice(MiB), options);
    QVERIFY(server);
    // A silent client is dropped after the timeout; another is served meanwhile.
    auto silent = connect(*server);
    QVERIFY(silent);
    QCOMPARE(silent->receive(18).size(), 18);
    auto busy = transmitting(*server);
    QVERIFY(busy);
    QVERIFY(okReply(exchange(*busy, CmdRead, 1, 0, 512), 1));
    QVERIFY(silent->closedByPeer(3000));
    silent.reset();
    // Over the limit: accepted and closed at once. Wait until the dropped one is reaped.
    QTRY_COMPARE_WITH_TIMEOUT(server->stats().connections, uint64_t(1), 5000);
    auto second = transmitting(*server);
    auto third = transmitting(*server);
    QVERIFY(second && third);
    auto fourth = connect(*server);
    QVERIFY(fourth);
    QVERIFY(fourth->closedByPeer());
    QCOMPARE(server->stats().refused, uint64_t(1));
    // Many connections opening and closing.
    busy.reset();
    second.reset();
    third.reset();
    QTRY_COMPARE_WITH_TIMEOUT(server->stats().connections, uint64_t(0), 5000);
    for (int round = 0; round < 20; ++round) {
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 3; ++i)
            clients.push_back(connect(*server));
        for (auto& c : clients)
            QVERIFY(c && c->greet());
        clients.clear();
        QTRY_COMPARE_WITH_TIMEOUT(server->stats().connections, uint64_t(0), 5000);
    }
}

void TestNbdProtocol::readErrorsKeepConnection()
{
    const uint64_t size = 4 * MiB;
    auto server = start(memoryDevice(size, true));
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    struct Case
    {
        const char* what;
        uint64_t offset;
        uint32_t length;
        uint32_t error;
    };
    const QList<Case> cases = {
        {"past end", size - 512, 1024, ErrInval},
        {"offset beyond size", size + 4096, 512, ErrInval},
        {"offset wraps", 0xffffffffffffff00ull, 512, ErrInval},
        {"length 4 GiB", 0, 0xffffffffu, ErrInval},
        {"32 MiB + 1", 0, (32u << 20) + 1, ErrInval},
        {"length 0", 100, 0, 0},
        {"last byte", size - 1, 1, 0},
    };
    uint64_t cookie = 100;
    for (const Case& c : cases) {
        const Exchange e = exchange(*client, CmdRead, ++cookie, c.offset, c.length);
        QVERIFY2(e.reply.ok && e.reply.cookie == cookie, c.what);
        QVERIFY2(e.reply.error == c.error,
                 qPrintable(QStringLiteral("%1: error %2").arg(QLatin1String(c.what)).arg(e.reply.error)));
        // The connection is still in step: a normal READ works.
        const Exchange good = exchange(*client, CmdRead, ++cookie, 3 * 512 + 7, 3000);
        QVERIFY2(okReply(good, cookie), c.what);
        QVERIFY2(good.data == patternBytes(7, 3 * 512 + 7, 3000), c.what);
    }
    // Each answered request gives its budget back (just after its reply was sent).
    QTRY_COMPARE_WITH_TIMEOUT(server->stats().inFlight, uint64_t(0), 5000);
}

void TestNbdProtocol::writeErrorsDrainPayload()
{
    const uint64_t size = 2 * MiB;
    auto device = memoryDevice(size);
    auto server = start(device);
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    // Past the end: ENOSPC, and the payload was drained (the next header parses).
    Exchange e = exchange(*client, CmdWrite, 1, size - 512, 4096, QByteArray(4096, 'x'));
    QVERIFY(e.reply.ok);
    QCOMPARE(e.reply.error, uint32_t(ErrNoSpc));
    QVERIFY(okReply(exchange(*client, CmdRead, 2, size - 512, 512), 2));
    QCOMPARE(deviceBytes(*device, size - 512, 512), patternBytes(7, size - 512, 512));
    // Offset wrap: ENOSPC, payload drained.
    e = exchange(*client, CmdWrite, 3, 0xffffffffffffff00ull, 512, QByteArray(512, 'y'));
    QCOMPARE(e.reply.error, uint32_t(ErrNoSpc));
    // Bad flag: EINVAL, payload drained.
    e = exchange(*client, CmdWrite, 4, 0, 512, QByteArray(512, 'z'), 0x4000);
    QCOMPARE(e.reply.error, uint32_t(ErrInval));
    // Length 0: success, nothing changes.
    QVERIFY(okReply(exchange(*client, CmdWrite, 5, 100, 0), 5));
    const Exchange read = exchange(*client, CmdRead, 6, 0, 1024);
    QVERIFY(okReply(read, 6));
    QCOMPARE(read.data, patternBytes(7, 0, 1024));
    // A header announcing 0xffffff00 bytes: EINVAL and the connection closes, nothing read.
    QVERIFY(client->send(requestBytes(CmdWrite, 7, 0, 0xffffff00u)));
    e.reply = client->readReply();
    QVERIFY(e.reply.ok);
    QCOMPARE(e.reply.cookie, uint64_t(7));
    QCOMPARE(e.reply.error, uint32_t(ErrInval));
    QVERIFY(client->closedByPeer());
}

void TestNbdProtocol::commandAndFlagValidation()
{
    auto server = start(memoryDevice(MiB));
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    struct Case
    {
        const char* what;
        uint16_t type;
        uint16_t flags;
        uint32_t error;
    };
    const QList<Case> cases = {
        {"CACHE (not advertised)", CmdCache, 0, ErrInval},
        {"BLOCK_STATUS without context", CmdBlockStatus, 0, ErrInval},
        {"RESIZE", CmdResize, 0, ErrInval},
        {"command 42", 42, 0, ErrInval},
        {"command 0xffff", 0xffff, 0, ErrInval},
        {"flag 0x4000", CmdRead, 0x4000, ErrInval},
        {"flag 0x0020", CmdRead, 0x0020, ErrInval},
        {"DF without structured replies", CmdRead, CmdFlagDf, ErrInval},
        {"REQ_ONE on READ", CmdRead, CmdFlagReqOne, ErrInval},
        {"NO_HOLE on READ", CmdRead, CmdFlagNoHole, ErrInval},
        {"FAST_ZERO not advertised", CmdWriteZeroes, CmdFlagFastZero, ErrInval},
        {"FUA on READ", CmdRead, CmdFlagFua, 0},
        {"FUA on FLUSH", CmdFlush, CmdFlagFua, 0},
        {"NO_HOLE on WRITE_ZEROES", CmdWriteZeroes, CmdFlagNoHole, 0},
    };
    uint64_t cookie = 0;
    for (const Case& c : cases) {
        QVERIFY(client->send(requestBytes(c.type, ++cookie, 4096, 512, c.flags)));
        const SimpleReply reply = client->readReply();
        QVERIFY2(reply.ok && reply.cookie == cookie, c.what);
        QVERIFY2(reply.error == c.error,
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(c.what)).arg(reply.error)));
        if (c.type == CmdRead && reply.error == 0)
            QCOMPARE(client->receive(512), patternBytes(7, 4096, 512));
    }
    // FLUSH with a non-zero offset and length: accepted.
    QVERIFY(okReply(exchange(*client, CmdFlush, 77, 4096, 4096), 77));
    QVERIFY(okReply(exchange(*client, CmdRead, 78, 0, 512), 78));
}

void TestNbdProtocol::trimAndWriteZeroes()
{
    const uint64_t size = 8 * MiB;
    auto device = memoryDevice(size, true);
    auto server = start(device);
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    // Past the end: TRIM EINVAL, WRITE_ZEROES ENOSPC.
    QCOMPARE(exchange(*client, CmdTrim, 1, size - 512, 1024).reply.error, uint32_t(ErrInval));
    QCOMPARE(exchange(*client, CmdWriteZeroes, 2, size - 512, 1024).reply.error, uint32_t(ErrNoSpc));
    // Unaligned zeroing: exactly the range reads back as zeros, the bytes around it are kept.
    QVERIFY(okReply(exchange(*client, CmdWriteZeroes, 3, 1000, 5000, {}, CmdFlagFua), 3));
    Exchange read = exchange(*client, CmdRead, 4, 0, 8192);
    QVERIFY(okReply(read, 4));
    QByteArray expected = patternBytes(7, 0, 8192);
    expected.replace(1000, 5000, QByteArray(5000, '\0'));
    QCOMPARE(read.data, expected);
    // Inside one block.
    QVERIFY(okReply(exchange(*client, CmdWriteZeroes, 5, 8192 + 10, 20), 5));
    read = exchange(*client, CmdRead, 6, 8192, 512);
    expected = patternBytes(7, 8192, 512);
    expected.replace(10, 20, QByteArray(20, '\0'));
    QCOMPARE(read.data, expected);
    // An unaligned TRIM is accepted (a hint); the memory device zeroes whole blocks inside it.
    QVERIFY(okReply(exchange(*client, CmdTrim, 7, 100000, 300000), 7));
    read = exchange(*client, CmdRead, 8, 100000, 300000);
    QVERIFY(okReply(read, 8));
    QCOMPARE(read.data.left(352), patternBytes(7, 100000, 352)); // before the first whole block
    // The whole export in one WRITE_ZEROES (done in bounded chunks), then it reads as zeros.
    QVERIFY(okReply(exchange(*client, CmdWriteZeroes, 9, 0, uint32_t(size)), 9));
    read = exchange(*client, CmdRead, 10, 0, uint32_t(size));
    QVERIFY(okReply(read, 10));
    QCOMPARE(read.data, QByteArray(qsizetype(size), '\0'));
    QVERIFY(okReply(exchange(*client, CmdTrim, 11, 0, uint32_t(size)), 11));
}

void TestNbdProtocol::readOnlyExport()
{
    auto device = memoryDevice(MiB);
    NbdServerOptions options;
    options.readOnly = true;
    auto server = start(device, options);
    QVERIFY(server);
    QCOMPARE(server->transmissionFlags(),
             uint16_t(0x0107)); // HAS_FLAGS | READ_ONLY | SEND_FLUSH | MULTI_CONN
    auto client = connect(*server);
    QVERIFY(client->greet());
    const ExportInfo info = client->infoOrGo(OptGo);
    QVERIFY(info.ok);
    QCOMPARE(info.flags, uint16_t(0x0107));
    // WRITE: EPERM with the payload drained; TRIM and WRITE_ZEROES: EPERM; READ, FLUSH work.
    QCOMPARE(exchange(*client, CmdWrite, 1, 0, 4096, QByteArray(4096, 'w')).reply.error, uint32_t(ErrPerm));
    QCOMPARE(exchange(*client, CmdTrim, 2, 0, 4096).reply.error, uint32_t(ErrPerm));
    QCOMPARE(exchange(*client, CmdWriteZeroes, 3, 0, 4096).reply.error, uint32_t(ErrPerm));
    const Exchange read = exchange(*client, CmdRead, 4, 0, 4096);
    QVERIFY(okReply(read, 4));
    QCOMPARE(read.data, patternBytes(7, 0, 4096));
    QVERIFY(okReply(exchange(*client, CmdFlush, 5, 0, 0), 5));
    QCOMPARE(server->stats().errors, uint64_t(3));
}

void TestNbdProtocol::pipelinedRequests()
{
    auto device = memoryDevice(4 * MiB, true);
    auto server = start(device);
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    // 200 requests written back to back before any reply is read: 100 WRITEs at distinct
    // places, 100 READs elsewhere; cookies 0, 2^64-1 and a duplicate among them.
    struct Sent
    {
        uint16_t type;
        uint64_t offset;
    };
    std::multimap<uint64_t, Sent> sent;
    QByteArray stream;
    for (int i = 0; i < 200; ++i) {
        uint64_t cookie = uint64_t(i) * 0x100000001ull;
        if (i == 1)
            cookie = ~0ull;
        if (i == 2 || i == 3)
            cookie = 0xabcdef; // READs of the same place: same answer either way
        const bool write = i % 2 == 0 && i != 2;
        const uint64_t offset =
            write ? 2 * MiB + uint64_t(i) * 1000 : (i == 2 || i == 3 ? 4096 : uint64_t(i) * 512);
        if (write)
            stream += requestBytes(CmdWrite, cookie, offset, 700) + patternBytes(100 + i, 0, 700);
        else
            stream += requestBytes(CmdRead, cookie, offset, 512);
        sent.emplace(cookie, Sent{uint16_t(write ? CmdWrite : CmdRead), offset});
    }
    std::thread sender([&client, &stream] { client->send(stream); });
    int replies = 0;
    for (int i = 0; i < 200; ++i) {
        const SimpleReply reply = client->readReply();
        QVERIFY(reply.ok);
        QCOMPARE(reply.magic, SimpleReplyMagic);
        QCOMPARE(reply.error, 0u);
        auto it = sent.find(reply.cookie);
        QVERIFY2(it != sent.end(), qPrintable(QString::number(reply.cookie, 16)));
        // With a duplicated cookie the two requests are identical READs.
        if (it->second.type == CmdRead)
            QCOMPARE(client->receive(512), patternBytes(7, it->second.offset, 512));
        sent.erase(it);
        ++replies;
    }
    sender.join();
    QCOMPARE(replies, 200);
    QVERIFY(sent.empty());
    QVERIFY(client->silentFor(100)); // exactly one reply each
    for (int i = 0; i < 200; i += 2) {
        if (i == 2)
            continue;
        QCOMPARE(deviceBytes(*device, 2 * MiB + uint64_t(i) * 1000, 700), patternBytes(100 + i, 0, 700));
    }
}

void TestNbdProtocol::byteAtATime()
{
    auto device = memoryDevice(MiB);
    auto server = start(device);
    QVERIFY(server);
    auto client = connect(*server);
    QVERIFY(client);
    QCOMPARE(client->receive(18).size(), 18);
    QVERIFY(client->sendByteByByte(be32(3) + optionBytes(OptGo, infoData({}, {InfoBlockSize}))));
    for (int i = 0; i < 3; ++i) // INFO_EXPORT, INFO_BLOCK_SIZE, ACK
        QVERIFY(client->readOptionReply().ok);
    const QByteArray payload = patternBytes(55, 0, 1000);
    QVERIFY(client->sendByteByByte(requestBytes(CmdWrite, 1, 333, 1000) + payload));
    SimpleReply reply = client->readReply();
    QCOMPARE(reply.cookie, uint64_t(1));
    QCOMPARE(reply.error, 0u);
    // (An overlapping READ is sent only once the WRITE is answered: in flight together, either
    // may go first.)
    QVERIFY(client->sendByteByByte(requestBytes(CmdRead, 2, 333, 1000)));
    reply = client->readReply();
    QCOMPARE(reply.cookie, uint64_t(2));
    QCOMPARE(reply.error, 0u);
    QCOMPARE(client->receive(1000), payload);
}

void TestNbdProtocol::discCompletesInFlight()
{
    DeviceRegistry registry;
    const QString image = createImage(m_dir.path(), QStringLiteral("disc.img"), qint64(4 * MiB), 3);
    auto slow = createDevice(registry, m_dir.path(), {QStringLiteral("0 8192 delay disc.img 0 150")},
                             QStringLiteral("slowdisc"));
    QVERIFY(slow);
    auto server = start(slow);
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    // Ten WRITEs, then DISC right behind them, then bytes that must be ignored.
    QByteArray stream;
    for (int i = 0; i < 10; ++i)
        stream += requestBytes(CmdWrite, 10 + i, uint64_t(i) * 65536, 65536) + patternBytes(90 + i, 0, 65536);
    stream += requestBytes(CmdDisc, 99, 123, 456) + "garbage after DISC";
    std::thread sender([&client, &stream] { client->send(stream); });
    QSet<uint64_t> answered;
    for (int i = 0; i < 10; ++i) {
        const SimpleReply reply = client->readReply();
        QVERIFY(reply.ok);
        QCOMPARE(reply.error, 0u);
        answered.insert(reply.cookie);
    }
    sender.join();
    QCOMPARE(answered.size(), 10);
    QVERIFY(client->closedByPeer());
    for (int i = 0; i < 10; ++i)
        QCOMPARE(readFile(image, i * 65536, 65536), patternBytes(90 + i, 0, 65536));
}

void TestNbdProtocol::badMagicAndEofMidPayload()
{
    auto device = memoryDevice(MiB);
    auto server = start(device);
    QVERIFY(server);
    for (uint32_t magic : {0x12345678u, 0x21e41c71u /* extended header */, 0x25609514u}) {
        auto client = transmitting(*server);
        QVERIFY(client);
        QVERIFY(client->send(requestBytes(CmdRead, 1, 0, 512, 0, magic)));
        QVERIFY2(client->closedByPeer(), qPrintable(QString::number(magic, 16)));
    }
    // EOF mid-header and mid-payload: nothing written, the server serves on.
    {
        auto client = transmitting(*server);
        QVERIFY(client->send(requestBytes(CmdRead, 1, 0, 512).left(13)));
    }
    {
        auto client = transmitting(*server);
        QVERIFY(client->send(requestBytes(CmdWrite, 1, 0, 4096) + QByteArray(100, 'e')));
    }
    auto client = transmitting(*server);
    QVERIFY(client);
    const Exchange read = exchange(*client, CmdRead, 2, 0, 4096);
    QVERIFY(okReply(read, 2));
    QCOMPARE(read.data, patternBytes(7, 0, 4096));
}

void TestNbdProtocol::stalledClientDoesNotBlockOthers()
{
    NbdServerOptions options;
    options.limits.drainTimeoutMs = 300;
    auto device = memoryDevice(8 * MiB, true);
    auto server = start(device, options);
    QVERIFY(server);
    auto stalled = transmitting(*server);
    QVERIFY(stalled);
    // 300 READs of 1 MiB, never read back: the connection fills its bound and stops.
    QByteArray reads;
    for (int i = 0; i < 300; ++i)
        reads += requestBytes(CmdRead, uint64_t(i), uint64_t(i % 7) * MiB, uint32_t(MiB));
    QVERIFY(stalled->send(reads));
    QTRY_VERIFY_WITH_TIMEOUT(server->stats().inFlight >= 10, 5000);
    QThread::msleep(200);
    const uint64_t stuck = server->stats().inFlight;
    QVERIFY2(stuck <= 64, qPrintable(QString::number(stuck))); // the per-connection bound
    // Another client is served normally meanwhile.
    QElapsedTimer timer;
    timer.start();
    auto other = transmitting(*server);
    QVERIFY(other);
    QVERIFY(okReply(exchange(*other, CmdWrite, 1, 4096, 4096, patternBytes(3, 0, 4096)), 1));
    const Exchange read = exchange(*other, CmdRead, 2, 4096, 4096);
    QVERIFY(okReply(read, 2));
    QCOMPARE(read.data, patternBytes(3, 0, 4096));
    QVERIFY(timer.elapsed() < 3000);
    // Stopping gives up on the stalled client after the drain timeout.
    timer.restart();
    QVERIFY(server->stop());
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(server->stats().inFlight, uint64_t(0));
}

void TestNbdProtocol::concurrentIntegrity_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("memory, inline completion") << "memory";
    QTest::newRow("memory, completion thread") << "memory-thread";
    QTest::newRow("crypt 512") << "crypt-512";
    QTest::newRow("crypt 4096") << "crypt-4096";
}

void TestNbdProtocol::concurrentIntegrity()
{
    QFETCH(QString, kind);
    const uint64_t size = 4 * MiB;
    DeviceRegistry registry;
    std::shared_ptr<BlockDevice> device;
    if (kind.startsWith(u"memory"))
        device = memoryDevice(size, kind == u"memory-thread");
    else
        device = cryptDevice(registry, QStringLiteral("integrity-") + kind, size,
                             kind.endsWith(u"4096") ? 4096 : 512);
    QVERIFY(device);
    auto server = start(device);
    QVERIFY(server);

    // The model starts as the device is; each worker owns its areas, so the model needs no lock.
    QByteArray model = deviceBytes(*device, 0, size);
    QCOMPARE(model.size(), qsizetype(size));
    // First half: 1000-byte stripes, stripe k owned by worker k % 4, so neighbours share blocks.
    // Second half: four contiguous areas with unaligned borders, for large requests.
    constexpr uint64_t Stripe = 1000;
    const uint64_t half = size / 2;
    auto areaStart = [&](int w) {
        return w == 0 ? half : half + uint64_t(w) * (half / 4) + 333;
    };
    auto areaEnd = [&](int w) {
        return w == 3 ? size : areaStart(w + 1);
    };
    std::mutex errorsMutex;
    QStringList errors;
    auto fail = [&](const QString& text) {
        std::lock_guard lock(errorsMutex);
        errors << text;
    };

    auto worker = [&](int w) {
        auto client = transmitting(*server);
        if (!client)
            return fail(QStringLiteral("worker %1: no connection").arg(w));
        std::mt19937_64 random(uint64_t(w) * 7919 + 1);
        uint64_t cookie = uint64_t(w) << 32;
        const uint64_t stripes = half / Stripe;
        for (int batch = 0; batch < 40; ++batch) {
            struct Op
            {
                uint16_t type;
                uint64_t offset;
                uint32_t length;
            };
            std::map<uint64_t, Op> ops;
            QSet<uint64_t> usedStripes;
            QByteArray stream;
            const int count = 1 + int(random() % 8);
            bool areaUsed = false;
            for (int i = 0; i < count; ++i) {
                Op op{};
                const unsigned pick = unsigned(random() % 100);
                if (!areaUsed && pick < 25) {
                    areaUsed = true;
                    const uint64_t start = areaStart(w);
                    const uint64_t room = areaEnd(w) - start;
                    op.length = uint32_t(1 + random() % std::min<uint64_t>(room, 300000));
                    op.offset = start + random() % (room - op.length + 1);
                } else {
                    uint64_t stripe = 0;
                    do
                        stripe = (random() % (stripes / 4)) * 4 + uint64_t(w);
                    while (usedStripes.contains(stripe));
                    usedStripes.insert(stripe);
                    const uint64_t inStripe = random() % Stripe;
                    op.offset = stripe * Stripe + inStripe;
                    op.length = uint32_t(1 + random() % (Stripe - inStripe));
                }
                const unsigned kindPick = unsigned(random() % 100);
                op.type = kindPick < 65 ? CmdWrite : kindPick < 80 ? CmdWriteZeroes : CmdRead;
                const uint64_t id = ++cookie;
                if (op.type == CmdWrite) {
                    const QByteArray data = patternBytes(uint32_t(id), op.offset, op.length);
                    stream +=
                        requestBytes(CmdWrite, id, op.offset, op.length, random() % 5 == 0 ? CmdFlagFua : 0) +
                        data;
                    model.replace(qsizetype(op.offset), qsizetype(op.length), data);
                } else if (op.type == CmdWriteZeroes) {
                    stream += requestBytes(CmdWriteZeroes, id, op.offset, op.length);
                    model.replace(qsizetype(op.offset), qsizetype(op.length), QByteArray(op.length, '\0'));
                } else {
                    stream += requestBytes(CmdRead, id, op.offset, op.length);
                }
                ops.emplace(id, op);
            }
            // Reads in a batch never overlap its writes, so the model after the batch is what
            // they must return.
            if (!client->send(stream))
                return fail(QStringLiteral("worker %1: send failed").arg(w));
            for (int i = 0; i < count; ++i) {
                const SimpleReply reply = client->readReply();
                auto it = ops.find(reply.cookie);
                if (!reply.ok || it == ops.end() || reply.error != 0)
                    return fail(QStringLiteral("worker %1: bad reply (cookie %2, error %3)")
                                    .arg(w)
                                    .arg(reply.cookie)
                                    .arg(reply.error));
                if (it->second.type == CmdRead) {
                    const QByteArray data = client->receive(it->second.length);
                    if (data != model.mid(qsizetype(it->second.offset), it->second.length))
                        return fail(QStringLiteral("worker %1: READ %2+%3 differs from the model")
                                        .arg(w)
                                        .arg(it->second.offset)
                                        .arg(it->second.length));
                }
                ops.erase(it);
            }
        }
        client->send(requestBytes(CmdDisc, 0, 0, 0));
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w)
        threads.emplace_back(worker, w);
    for (auto& thread : threads)
        thread.join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
    // Everything read back through a fresh connection, and straight from the device.
    auto client = transmitting(*server);
    QVERIFY(client);
    for (uint64_t offset = 0; offset < size; offset += MiB) {
        const Exchange read = exchange(*client, CmdRead, offset, offset, uint32_t(MiB));
        QVERIFY(okReply(read, offset));
        QVERIFY2(read.data == model.mid(qsizetype(offset), qsizetype(MiB)),
                 qPrintable(QString::number(offset)));
    }
    QVERIFY(server->stop());
    QVERIFY(deviceBytes(*device, 0, size) == model);
}

void TestNbdProtocol::multiConnCoherence()
{
    DeviceRegistry registry;
    auto device = cryptDevice(registry, QStringLiteral("coherent"), 2 * MiB, 512);
    QVERIFY(device);
    auto server = start(device);
    QVERIFY(server);
    QVERIFY(server->transmissionFlags() & TxCanMultiConn);
    auto a = transmitting(*server);
    auto b = transmitting(*server);
    auto c = transmitting(*server);
    QVERIFY(a && b && c);
    const QByteArray data = patternBytes(21, 0, 12345);
    QVERIFY(okReply(exchange(*a, CmdWrite, 1, 777, 12345, data), 1));
    QVERIFY(okReply(exchange(*b, CmdFlush, 2, 0, 0), 2));
    const Exchange read = exchange(*c, CmdRead, 3, 777, 12345);
    QVERIFY(okReply(read, 3));
    QCOMPARE(read.data, data);
}

void TestNbdProtocol::stopDrainsInFlight()
{
    DeviceRegistry registry;
    auto device = cryptDevice(registry, QStringLiteral("drain"), 4 * MiB, 512, 300);
    QVERIFY(device);
    auto server = start(device);
    QVERIFY(server);
    auto client = transmitting(*server);
    QVERIFY(client);
    QByteArray stream;
    for (int i = 0; i < 20; ++i)
        stream += requestBytes(CmdWrite, uint64_t(i), uint64_t(i) * 100000 + 11, 65536,
                               i % 3 == 0 ? CmdFlagFua : 0) +
                  patternBytes(200 + i, 0, 65536);
    QVERIFY(client->send(stream));
    QTRY_COMPARE_WITH_TIMEOUT(server->stats().inFlight, uint64_t(20), 5000);
    QElapsedTimer timer;
    timer.start();
    QVERIFY(server->stop());
    QVERIFY(timer.elapsed() >= 100); // it waited for the delayed writes
    // Every request got its answer before the connection closed, and each answered write is
    // on the device.
    int answered = 0;
    for (;;) {
        const SimpleReply reply = client->readReply();
        if (!reply.ok)
            break;
        QCOMPARE(reply.error, 0u);
        QCOMPARE(deviceBytes(*device, reply.cookie * 100000 + 11, 65536),
                 patternBytes(200 + uint32_t(reply.cookie), 0, 65536));
        ++answered;
    }
    QCOMPARE(answered, 20);
    QVERIFY(!QFile::exists(server->address().path));
}

void TestNbdProtocol::unixSocketFile()
{
    auto device = memoryDevice(MiB);
    // An existing regular file is never replaced.
    const QString file = socketPath();
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("keep me");
    }
    NbdServerOptions options;
    options.address = NbdAddress::unixSocket(file);
    NbdServer refused(device, options);
    Status status = refused.start();
    QCOMPARE(status.code(), ErrorCode::Busy);
    QCOMPARE(status.message(),
             QStringLiteral("unix:%1: %1 exists and is not a socket; not replacing it").arg(file));
    QCOMPARE(readFile(file), QByteArray("keep me"));
    // A stale socket file (its server gone) is replaced.
    const QString stale = socketPath();
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strcpy(address.sun_path, stale.toLocal8Bit().constData());
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        ::close(fd);
    }
    options.address = NbdAddress::unixSocket(stale);
    auto server = std::make_unique<NbdServer>(device, options);
    QVERIFY(server->start());
    QVERIFY(transmitting(*server));
    // A live one is in use.
    NbdServer second(device, options);
    status = second.start();
    QCOMPARE(status.code(), ErrorCode::Busy);
    QCOMPARE(status.message(), QStringLiteral("unix:%1: address already in use").arg(stale));
    QVERIFY(transmitting(*server));
    // stop() removes the file; start again works.
    QVERIFY(server->stop());
    QVERIFY(!QFile::exists(stale));
    QVERIFY(server->start());
    QVERIFY(transmitting(*server));
    server.reset();
    QVERIFY(!QFile::exists(stale));
}

void TestNbdProtocol::tcpListener()
{
    NbdServerOptions options;
    options.address = NbdAddress::tcp(QStringLiteral("127.0.0.1"), 0);
    auto server = start(memoryDevice(MiB), options);
    QVERIFY(server);
    const uint16_t port = server->address().port;
    QVERIFY(port != 0);
    QCOMPARE(server->address().uri(), QStringLiteral("nbd://127.0.0.1:%1").arg(port));
    auto client = RawClient::connectTcp(QStringLiteral("127.0.0.1"), port);
    QVERIFY(client);
    QVERIFY(client->handshake().ok);
    const Exchange read = exchange(*client, CmdRead, 1, 512, 512);
    QVERIFY(okReply(read, 1));
    QCOMPARE(read.data, patternBytes(7, 512, 512));
    // The same port again: in use.
    options.address.port = port;
    NbdServer second(memoryDevice(MiB), options);
    const Status status = second.start();
    QCOMPARE(status.code(), ErrorCode::Busy);
    QCOMPARE(status.message(), QStringLiteral("tcp:127.0.0.1:%1: Address already in use").arg(port));
}

QTEST_GUILESS_MAIN(TestNbdProtocol)
#include "TestNbdProtocol.moc"
