// The header device's locking, as cryptsetup's on image files: a shared flock while a volume is
// open, an exclusive one only for the length of an update (nested updates keep it), so another
// reader is kept out during an update but not between updates.
#include "TestImages.h"
#include "formats/HeaderDevice.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace cryptstack;
using namespace cryptstack::test;

namespace {

// What another process opening the file would get without waiting.
bool canLock(const QString& path, int operation)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool locked = ::flock(fd, operation | LOCK_NB) == 0;
    ::close(fd);
    return locked;
}

} // namespace

class TestHeaderDevice : public QObject
{
    Q_OBJECT

private slots:
    void sharedWhileOpenExclusiveDuringUpdate();
    void missingDeviceMessage();
    void readOnlyRefusesWrites();
};

void TestHeaderDevice::sharedWhileOpenExclusiveDuringUpdate()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("h.img"), 1 << 16, 1);
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadWrite);
    QVERIFY(device);
    QVERIFY(canLock(image, LOCK_SH));
    QVERIFY(!canLock(image, LOCK_EX));
    {
        auto outer = device.value()->lockForUpdate();
        QVERIFY(outer);
        QVERIFY(!canLock(image, LOCK_SH));
        {
            auto inner = device.value()->lockForUpdate();
            QVERIFY(inner);
        }
        QVERIFY(!canLock(image, LOCK_SH)); // the inner update's end keeps the outer's lock
    }
    QVERIFY(canLock(image, LOCK_SH));
    QVERIFY(!canLock(image, LOCK_EX));
    device.value().reset();
    QVERIFY(canLock(image, LOCK_EX));
}

void TestHeaderDevice::missingDeviceMessage()
{
    auto device = HeaderDevice::open(QStringLiteral("/nonexistent/x.img"), HeaderDevice::Access::ReadOnly);
    QCOMPARE(device.status().code(), ErrorCode::NoSuchDevice);
    QCOMPARE(device.message(), QStringLiteral("Device /nonexistent/x.img does not exist or access denied."));
}

void TestHeaderDevice::readOnlyRefusesWrites()
{
    QTemporaryDir dir;
    const QString image = createImage(dir.path(), QStringLiteral("r.img"), 4096, 2);
    const QByteArray before = fileDigest(image);
    auto device = HeaderDevice::open(image, HeaderDevice::Access::ReadOnly);
    QVERIFY(device);
    const uint8_t zeros[16] = {};
    QCOMPARE(device.value()->write(0, zeros).code(), ErrorCode::PermissionDenied);
    QCOMPARE(device.value()->growTo(1 << 20).code(), ErrorCode::InvalidArgument);
    QCOMPARE(fileDigest(image), before);
}

QTEST_GUILESS_MAIN(TestHeaderDevice)
#include "TestHeaderDevice.moc"
