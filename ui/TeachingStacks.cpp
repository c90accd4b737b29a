#include "TeachingStacks.h"

#include "dm/DeviceRegistry.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>

namespace cryptstack::teaching {

namespace {

constexpr qint64 PipelineImageBytes = 32 << 20;
constexpr qint64 DeadlockImageBytes = 4 << 20;
constexpr int SmallestPoolPages = 32; // one 128 KiB piece

// A fresh random key per build: the stacks only ever hold the workload's data.
QString randomKey(int bytes)
{
    QByteArray key(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(key.data()), bytes / 4);
    return QString::fromLatin1(key.toHex());
}

// A sparse image of zeroes.
Status createImage(const QString& path, qint64 bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || !file.resize(bytes))
        return Status(ErrorCode::IOError,
                      QCoreApplication::translate("TeachingStacks", "cannot write \"%1\": %2")
                          .arg(path, file.errorString()));
    return Status::ok();
}

Status create(DeviceRegistry& registry, const QString& name, const QString& line,
              const QString& baseDirectory = {})
{
    DeviceCreateOptions options;
    options.baseDirectory = baseDirectory;
    return registry.create(name, {line}, options).status();
}

} // namespace

QString pipelineCryptName()
{
    return QStringLiteral("pipeline-crypt");
}

QStringList pipelineStackNames()
{
    return {pipelineCryptName(), QStringLiteral("pipeline-slow"), QStringLiteral("pipeline-base")};
}

Status buildPipelineStack(DeviceRegistry& registry, const QString& directory)
{
    if (Status status = removeDevices(registry, pipelineStackNames()); !status)
        return status;
    const QString image = QDir(directory).filePath(QStringLiteral("pipeline.img"));
    if (Status status = createImage(image, PipelineImageBytes); !status)
        return status;
    const qint64 sectors = PipelineImageBytes / 512;
    const QStringList names = pipelineStackNames();
    const QStringList lines{
        QStringLiteral("0 %1 linear pipeline.img 0").arg(sectors),
        QStringLiteral("0 %1 delay pipeline-base 0 0").arg(sectors),
        QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 pipeline-slow 0").arg(sectors).arg(randomKey(64)),
    };
    for (int i = 0; i < lines.size(); ++i) {
        if (Status status = create(registry, names.at(names.size() - 1 - i), lines.at(i), directory);
            !status) {
            (void)removeDevices(registry, names);
            return status;
        }
    }
    return Status::ok();
}

QString deadlockTopName()
{
    return QStringLiteral("deadlock-upper");
}

QStringList deadlockStackNames()
{
    return {deadlockTopName(), QStringLiteral("deadlock-lower"), QStringLiteral("deadlock-base")};
}

Status buildDeadlockStack(DeviceRegistry& registry, const QString& directory, bool teachingMode)
{
    if (Status status = removeDevices(registry, deadlockStackNames()); !status)
        return status;
    const QString image = QDir(directory).filePath(QStringLiteral("deadlock.img"));
    if (Status status = createImage(image, DeadlockImageBytes); !status)
        return status;
    const qint64 sectors = DeadlockImageBytes / 512;
    const QStringList names = deadlockStackNames();
    const QStringList lines{
        QStringLiteral("0 %1 linear deadlock.img 0").arg(sectors),
        QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 deadlock-base 0").arg(sectors).arg(randomKey(64)),
        QStringLiteral("0 %1 crypt aes-xts-plain64 %2 0 deadlock-lower 0").arg(sectors).arg(randomKey(64)),
    };
    for (int i = 0; i < lines.size(); ++i) {
        if (Status status = create(registry, names.at(names.size() - 1 - i), lines.at(i), directory);
            !status) {
            (void)removeDevices(registry, names);
            return status;
        }
    }
    for (const QString& name : names.mid(0, 2)) {
        Status status =
            registry.setEngineOption(name, QStringLiteral("pool"), QString::number(SmallestPoolPages));
        if (status && teachingMode)
            status = registry.setEngineOption(name, QStringLiteral("teaching"), QStringLiteral("on"));
        if (!status) {
            (void)removeDevices(registry, names);
            return status;
        }
    }
    return Status::ok();
}

Status removeDevices(DeviceRegistry& registry, const QStringList& topFirst)
{
    for (const QString& name : topFirst) {
        if (!registry.find(name))
            continue;
        if (Status status = registry.remove(name); !status)
            return status;
    }
    return Status::ok();
}

} // namespace cryptstack::teaching
