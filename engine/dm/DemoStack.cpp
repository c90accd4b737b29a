#include "DemoStack.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace cryptstack {

namespace {

constexpr qint64 DemoImageBytes = 8 << 20;

// Every 512-byte sector says where it is, so reads through the stack are easy to follow.
QByteArray demoImage()
{
    QByteArray bytes;
    bytes.reserve(DemoImageBytes);
    for (qint64 sector = 0; sector < DemoImageBytes / 512; ++sector) {
        QByteArray line = QStringLiteral("CryptStack demo image, sector %1\n").arg(sector).toUtf8();
        line = line.leftJustified(512, '.');
        line[511] = '\n';
        bytes += line;
    }
    return bytes;
}

} // namespace

Result<QString> ensureDemoStack(const QString& directory)
{
    if (!QDir().mkpath(directory))
        return Status(ErrorCode::IOError, QStringLiteral("cannot create directory \"%1\"").arg(directory));
    const QDir dir(directory);
    const QString image = dir.filePath(QStringLiteral("demo.img"));
    const QString concise = dir.filePath(QStringLiteral("demo.concise"));
    if (!QFile::exists(image)) {
        QSaveFile file(image);
        if (!file.open(QIODevice::WriteOnly) || file.write(demoImage()) != DemoImageBytes || !file.commit())
            return Status(ErrorCode::IOError,
                          QStringLiteral("cannot write \"%1\": %2").arg(image, file.errorString()));
    }
    if (!QFile::exists(concise)) {
        QSaveFile file(concise);
        const QByteArray text =
            "# CryptStack demo stack (dmsetup concise format: name,uuid,minor,flags,table[,table]...)\n"
            "# Image paths are relative to this file.\n"
            "demo-base,,,rw,0 8192 linear demo.img 4096,8192 4096 linear demo.img 0\n"
            "demo-slow,,,rw,0 12288 delay demo-base 0 5\n"
            "demo-top,,,ro,0 4096 linear demo-slow 2048,4096 2048 zero\n";
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
            return Status(ErrorCode::IOError,
                          QStringLiteral("cannot write \"%1\": %2").arg(concise, file.errorString()));
    }
    return concise;
}

} // namespace cryptstack
