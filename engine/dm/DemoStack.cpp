#include "DemoStack.h"

#include "ConciseFormat.h"
#include "DeviceRegistry.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSaveFile>

namespace cryptstack {

namespace {

constexpr qint64 DemoImageBytes = 8 << 20;

// Every 512-byte sector says where it is, so reads through the stack are easy to follow.
QByteArray demoText()
{
    QByteArray bytes;
    bytes.reserve(DemoImageBytes);
    for (qint64 sector = 0; sector < DemoImageBytes / 512; ++sector) {
        QByteArray line = QStringLiteral("CryptStack demo volume, sector %1\n").arg(sector).toUtf8();
        line = line.leftJustified(512, '.');
        line[511] = '\n';
        bytes += line;
    }
    return bytes;
}

QByteArray demoConcise()
{
    // A fresh key per installation; the volume only ever holds the demo text.
    quint32 words[16];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray key = QByteArray(reinterpret_cast<const char*>(words), sizeof words).toHex();
    return "# CryptStack demo stack (dmsetup concise format: name,uuid,minor,flags,table[,table]...)\n"
           "# Image paths are relative to this file. The demo key below protects only demo text.\n"
           "demo-base,,,rw,0 16384 linear demo.img 0\n"
           "demo-crypt,,,rw,0 16384 crypt aes-xts-plain64 " +
           key +
           " 0 demo-base 0 1 sector_size:4096\n"
           "demo-slow,,,rw,0 16384 delay demo-crypt 0 5\n"
           "demo-top,,,ro,0 8192 linear demo-slow 4096,8192 2048 zero\n";
}

Status writeNewStack(const QString& image, const QString& concise)
{
    QFile file(image);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || !file.resize(DemoImageBytes))
        return Status(ErrorCode::IOError,
                      QStringLiteral("cannot write \"%1\": %2").arg(image, file.errorString()));
    file.close();
    QSaveFile text(concise);
    const QByteArray content = demoConcise();
    if (!text.open(QIODevice::WriteOnly) || text.write(content) != content.size() ||
        !text.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) || !text.commit())
        return Status(ErrorCode::IOError,
                      QStringLiteral("cannot write \"%1\": %2").arg(concise, text.errorString()));
    // Fill the volume through its own crypt mapping, so the image holds ciphertext.
    auto stack = parseConciseFile(concise);
    if (!stack)
        return stack.status();
    DeviceRegistry registry;
    if (Status status = createConciseStack(registry, *stack); !status)
        return status;
    const QByteArray plain = demoText();
    auto crypt = registry.find(QStringLiteral("demo-crypt"));
    if (Status status = crypt->writeSectors(0, plain.constData(), static_cast<uint64_t>(plain.size()));
        !status)
        return status;
    return crypt->flush();
}

} // namespace

Result<QString> ensureDemoStack(const QString& directory)
{
    if (!QDir().mkpath(directory))
        return Status(ErrorCode::IOError, QStringLiteral("cannot create directory \"%1\"").arg(directory));
    const QDir dir(directory);
    const QString image = dir.filePath(QStringLiteral("demo.img"));
    const QString concise = dir.filePath(QStringLiteral("demo.concise"));
    if (QFile::exists(image) && QFile::exists(concise))
        return concise;
    if (Status status = writeNewStack(image, concise); !status) {
        QFile::remove(image);
        QFile::remove(concise);
        return status;
    }
    return concise;
}

} // namespace cryptstack
