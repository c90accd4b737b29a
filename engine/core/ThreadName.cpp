#include "ThreadName.h"

#include <QThread>

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cryptstack {

QString currentThreadName()
{
    QString name = QThread::currentThread()->objectName();
    if (name.isEmpty()) {
        char buffer[32] = {};
        if (::pthread_getname_np(::pthread_self(), buffer, sizeof buffer) == 0)
            name = QString::fromLocal8Bit(buffer);
    }
    return QStringLiteral("%1 [tid %2]").arg(name).arg(static_cast<long>(::syscall(SYS_gettid)));
}

} // namespace cryptstack
