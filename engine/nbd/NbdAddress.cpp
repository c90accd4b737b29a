#include "NbdAddress.h"

#include "core/Parse.h"

#include <QUrl>

#include <sys/un.h>

namespace cryptstack::nbd {

namespace {

Status invalid(const QString& text, const QString& why)
{
    return Status(ErrorCode::InvalidArgument, QStringLiteral("%1 in \"%2\"").arg(why, text));
}

// sun_path holds the path and its terminating NUL.
constexpr qsizetype MaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;

} // namespace

NbdAddress NbdAddress::unixSocket(const QString& path)
{
    NbdAddress address;
    address.kind = Kind::Unix;
    address.path = path;
    address.host.clear();
    address.port = 0;
    return address;
}

NbdAddress NbdAddress::tcp(const QString& host, uint16_t port)
{
    NbdAddress address;
    address.kind = Kind::Tcp;
    address.host = host.isEmpty() ? QStringLiteral("127.0.0.1") : host;
    address.port = port;
    return address;
}

Result<NbdAddress> NbdAddress::parse(const QString& text)
{
    if (text.startsWith(QLatin1String("unix:"))) {
        const QString path = text.mid(5);
        if (path.isEmpty())
            return invalid(text, QStringLiteral("empty socket path"));
        if (path.toLocal8Bit().size() > MaxUnixPath)
            return invalid(text, QStringLiteral("socket path longer than %1 bytes").arg(MaxUnixPath));
        if (path.contains(QChar(0)))
            return invalid(text, QStringLiteral("NUL in the socket path"));
        return unixSocket(path);
    }
    if (!text.startsWith(QLatin1String("tcp:")))
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("expected unix:PATH or tcp:HOST:PORT, got \"%1\"").arg(text));
    const QString rest = text.mid(4);
    QString host;
    QString port;
    if (rest.startsWith(u'[')) {
        const qsizetype close = rest.indexOf(u']');
        if (close < 0)
            return invalid(text, QStringLiteral("unclosed [ around the host"));
        host = rest.mid(1, close - 1);
        const QString after = rest.mid(close + 1);
        if (!after.isEmpty() && !after.startsWith(u':'))
            return invalid(text, QStringLiteral("unexpected \"%1\" after the host").arg(after));
        port = after.mid(1);
        if (host.isEmpty())
            return invalid(text, QStringLiteral("empty host in brackets"));
    } else {
        const qsizetype colon = rest.lastIndexOf(u':');
        host = colon < 0 ? rest : rest.left(colon);
        port = colon < 0 ? QString() : rest.mid(colon + 1);
        if (host.contains(u':'))
            return invalid(text, QStringLiteral("an IPv6 host must be in brackets, e.g. tcp:[::1]:10809"));
    }
    uint16_t number = DefaultPort;
    if (!port.isEmpty()) {
        const auto value = parseU32(port);
        if (!value || *value > 65535)
            return invalid(text,
                           QStringLiteral("invalid port \"%1\" (0 to 65535; 0 picks a free one)").arg(port));
        number = static_cast<uint16_t>(*value);
    }
    return tcp(host, number);
}

QString NbdAddress::toString() const
{
    if (isUnix())
        return QStringLiteral("unix:") + path;
    return host.contains(u':') ? QStringLiteral("tcp:[%1]:%2").arg(host).arg(port)
                               : QStringLiteral("tcp:%1:%2").arg(host).arg(port);
}

QString NbdAddress::uri() const
{
    if (isUnix())
        return QStringLiteral("nbd+unix:///?socket=") +
               QString::fromLatin1(QUrl::toPercentEncoding(path, "/"));
    return host.contains(u':') ? QStringLiteral("nbd://[%1]:%2").arg(host).arg(port)
                               : QStringLiteral("nbd://%1:%2").arg(host).arg(port);
}

} // namespace cryptstack::nbd
