#include "SecretText.h"

#include "core/Result.h"
#include "volume/VolumeMapper.h"

#include <QCoreApplication>
#include <QFile>
#include <QLineEdit>

#include <cstring>

namespace cryptstack::SecretText {

namespace {
constexpr qint64 MaxKeyFileBytes = 8192 * 1024;
}

SecureBuffer fromEdit(const QLineEdit* edit)
{
    QString text = edit->text();
    QByteArray utf8 = text.toUtf8();
    SecureBuffer buffer(static_cast<size_t>(utf8.size()));
    if (!utf8.isEmpty())
        std::memcpy(buffer.data(), utf8.constData(), static_cast<size_t>(utf8.size()));
    SecureBuffer::wipe(utf8.data(), static_cast<size_t>(utf8.size()));
    VolumeMapper::wipeText(text);
    return buffer;
}

void clear(QLineEdit* edit)
{
    QString text = edit->text();
    VolumeMapper::wipeText(text);
    edit->clear();
}

Result<SecureBuffer> readKeyFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return Status(ErrorCode::NoSuchDevice,
                      QCoreApplication::translate("SecretText", "Key file: cannot read %1.").arg(path));
    const qint64 size = file.size();
    if (size > MaxKeyFileBytes)
        return Status(
            ErrorCode::InvalidArgument,
            QCoreApplication::translate("SecretText", "Key file: %1 is larger than 8 MiB.").arg(path));
    SecureBuffer key(static_cast<size_t>(size));
    if (size > 0 && file.read(reinterpret_cast<char*>(key.data()), size) != size)
        return Status(ErrorCode::IOError,
                      QCoreApplication::translate("SecretText", "Key file: cannot read %1.").arg(path));
    if (size == 0)
        return Status(ErrorCode::InvalidArgument,
                      QCoreApplication::translate("SecretText", "Key file: %1 is empty.").arg(path));
    return key;
}

} // namespace cryptstack::SecretText
