#include "TestImages.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>

namespace cryptstack::test {

QByteArray patternBytes(uint32_t seed, uint64_t offset, qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i) {
        // A cheap mix of the seed and the absolute offset (splitmix-style).
        uint64_t x =
            (offset + static_cast<uint64_t>(i)) * 0x9E3779B97F4A7C15ull + seed * 0xBF58476D1CE4E5B9ull;
        x ^= x >> 31;
        x *= 0x94D049BB133111EBull;
        bytes[i] = static_cast<char>(x >> 56);
    }
    return bytes;
}

QString createImage(const QString& directory, const QString& name, qint64 bytes, uint32_t seed)
{
    const QString path = QDir(directory).filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot create test image %s", qPrintable(path));
    constexpr qint64 chunk = 1 << 20;
    for (qint64 done = 0; done < bytes; done += chunk)
        file.write(patternBytes(seed, static_cast<uint64_t>(done), std::min(chunk, bytes - done)));
    return path;
}

QByteArray readFile(const QString& path, qint64 offset, qint64 size)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    file.seek(offset);
    return size < 0 ? file.readAll() : file.read(size);
}

QByteArray fileDigest(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

} // namespace cryptstack::test
