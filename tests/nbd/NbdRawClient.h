// A deliberately primitive NBD client for protocol tests: a blocking socket with receive/send
// timeouts (a broken server fails a test instead of hanging it), and byte builders for options
// and requests, so a test can send anything, including what no real client would.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstdint>
#include <memory>

namespace cryptstack::test {

QByteArray be16(uint16_t value);
QByteArray be32(uint32_t value);
QByteArray be64(uint64_t value);
uint16_t loadBe16(const QByteArray& bytes, qsizetype at);
uint32_t loadBe32(const QByteArray& bytes, qsizetype at);
uint64_t loadBe64(const QByteArray& bytes, qsizetype at);

// IHAVEOPT + option + length + data.
QByteArray optionBytes(uint32_t option, const QByteArray& data = {});
// INFO/GO data: name length + name + count + info types.
QByteArray infoData(const QByteArray& name, const QList<uint16_t>& infos = {});
// A 28-byte transmission request.
QByteArray requestBytes(uint16_t type, uint64_t cookie, uint64_t offset, uint32_t length, uint16_t flags = 0,
                        uint32_t magic = 0x25609513);

struct OptionReply
{
    bool ok = false; // a whole reply was read
    uint64_t magic = 0;
    uint32_t option = 0;
    uint32_t type = 0;
    QByteArray data;
};

struct SimpleReply
{
    bool ok = false;
    uint32_t magic = 0;
    uint32_t error = 0;
    uint64_t cookie = 0;
};

struct ExportInfo
{
    bool ok = false;
    uint64_t size = 0;
    uint16_t flags = 0;
    uint32_t minimumBlock = 0;
    uint32_t preferredBlock = 0;
    uint32_t maximumPayload = 0;
    bool hasBlockSize = false;
    QString error; // what went wrong
};

class RawClient
{
public:
    static std::unique_ptr<RawClient> connectUnix(const QString& path, int timeoutMs = 10000);
    static std::unique_ptr<RawClient> connectTcp(const QString& host, uint16_t port, int timeoutMs = 10000);
    ~RawClient();

    bool send(const QByteArray& bytes);
    // One byte per send() call, with a short pause now and then so the server sees pieces.
    bool sendByteByByte(const QByteArray& bytes);
    // Exactly n bytes, or fewer on EOF, error or timeout.
    QByteArray receive(qsizetype bytes);
    // True when the server closed the connection (EOF or reset) without sending more bytes first.
    bool closedByPeer(int timeoutMs = 5000);
    // True when nothing arrives within the time (the server is waiting).
    bool silentFor(int timeoutMs);
    void shutdownWrite();
    int fd() const { return m_fd; }

    // Reads the greeting and sends client flags; false if the greeting is wrong.
    bool greet(uint32_t clientFlags = 3);
    OptionReply readOptionReply();
    // INFO or GO with the given name and infos; reads replies up to the final one.
    ExportInfo infoOrGo(uint32_t option, const QByteArray& name = {}, const QList<uint16_t>& infos = {},
                        QList<OptionReply>* replies = nullptr);
    // greet + GO (BLOCK_SIZE requested): the connection is in transmission when ok.
    ExportInfo handshake();
    SimpleReply readReply();

private:
    explicit RawClient(int fd) : m_fd(fd) {}
    int m_fd;
};

} // namespace cryptstack::test
