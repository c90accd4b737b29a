// Where an NBD server listens, as the serve verb's --nbd takes it: "unix:PATH" (a Unix stream
// socket) or "tcp:HOST:PORT" (HOST empty = 127.0.0.1, PORT empty = 10809, PORT 0 = any free port;
// an IPv6 HOST goes in brackets: "tcp:[::1]:10809"). Also the client URI for that address.
#pragma once

#include "core/Result.h"

#include <cstdint>

namespace cryptstack::nbd {

constexpr uint16_t DefaultPort = 10809;

struct NbdAddress
{
    enum class Kind { Unix, Tcp };

    Kind kind = Kind::Tcp;
    QString path;                               // Unix: the socket file
    QString host = QStringLiteral("127.0.0.1"); // TCP: a name or a numeric address
    uint16_t port = DefaultPort;                // TCP

    // Errors start with "--nbd: " and quote the text.
    static Result<NbdAddress> parse(const QString& text);
    static NbdAddress unixSocket(const QString& path);
    static NbdAddress tcp(const QString& host, uint16_t port);

    bool isUnix() const { return kind == Kind::Unix; }
    // Back in --nbd form: "unix:PATH", "tcp:HOST:PORT".
    QString toString() const;
    // What NBD clients take (doc/uri.md): "nbd+unix:///?socket=PATH" or "nbd://HOST:PORT".
    QString uri() const;
};

} // namespace cryptstack::nbd
