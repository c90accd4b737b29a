// Crash consistency of LUKS1 header updates: every keyslot-changing verb and luksFormat, with the
// device losing power after every possible number of written sectors (CrashScenarios).
#include "CrashScenarios.h"

#include <QTest>

using namespace cryptstack::test;

class TestCrashLuks1 : public QObject
{
    Q_OBJECT

private slots:
    void cleanupTestCase() { printCrashTotals(); }
    void addKey() { crashAddKey(luks1()); }
    void changeKey() { crashChangeKey(luks1()); }
    void removeKey() { crashRemoveKey(luks1()); }
    void killSlot() { crashKillSlot(luks1()); }
    void format() { crashFormat(luks1()); }

private:
    static CrashVolumeSpec luks1()
    {
        CrashVolumeSpec spec;
        spec.version = 1;
        return spec;
    }
};

QTEST_GUILESS_MAIN(TestCrashLuks1)
#include "TestCrashLuks1.moc"
