// Image files and data patterns for tests: every byte is a function of (seed, offset), so a test
// can tell which region of which image a read returned.
#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace cryptstack::test {

QByteArray patternBytes(uint32_t seed, uint64_t offset, qsizetype size);
// Creates (or overwrites) an image of `bytes` bytes filled with patternBytes(seed, 0, bytes).
QString createImage(const QString& directory, const QString& name, qint64 bytes, uint32_t seed);
QByteArray readFile(const QString& path, qint64 offset = 0, qint64 size = -1);
// SHA-256 of the whole file, to prove an image was not modified.
QByteArray fileDigest(const QString& path);

} // namespace cryptstack::test
