// Crash consistency of LUKS2 header updates: every keyslot-changing verb, config and luksFormat,
// with the device losing power after every possible number of written sectors. The default build
// checks the default geometry (16 KiB metadata, 512-byte sectors); TestCrashLuks2Long (CTest
// label "long", built with CRASH_LUKS2_LONG) 64 KiB metadata with 4096-byte sectors, and 16 KiB
// metadata on a device with 4096-byte logical blocks.
#include "CrashScenarios.h"

#include <QTest>

using namespace cryptstack::test;

Q_DECLARE_METATYPE(CrashVolumeSpec)

class TestCrashLuks2 : public QObject
{
    Q_OBJECT

private slots:
    void cleanupTestCase() { printCrashTotals(); }
    void addKey_data() { geometries(); }
    void addKey() { crashAddKey(spec()); }
    void changeKey_data() { geometries(); }
    void changeKey() { crashChangeKey(spec()); }
    void removeKey_data() { geometries(); }
    void removeKey() { crashRemoveKey(spec()); }
    void killSlot_data() { geometries(); }
    void killSlot() { crashKillSlot(spec()); }
    void configLabels_data() { geometries(); }
    void configLabels() { crashConfigLabels(spec()); }
    void configPriority_data() { geometries(); }
    void configPriority() { crashConfigPriority(spec()); }
    void format_data() { geometries(); }
    void format() { crashFormat(spec()); }

private:
    static void geometries()
    {
        QTest::addColumn<CrashVolumeSpec>("spec");
        CrashVolumeSpec standard;
        standard.version = 2;
#ifndef CRASH_LUKS2_LONG
        QTest::newRow("16K/512") << standard;
#else
        CrashVolumeSpec large = standard;
        large.metadataSize = 65536;
        large.sectorSize = 4096;
        QTest::newRow("64K/4096") << large;
        // A header commit's 4096-byte writes are read-modify-write of whole blocks here, and the
        // budget still cuts them at 512-byte sectors (a torn block).
        CrashVolumeSpec blocks = standard;
        blocks.sectorSize = 4096;
        blocks.deviceBlockSize = 4096;
        QTest::newRow("16K/4096 dev4096") << blocks;
#endif
    }
    static CrashVolumeSpec spec()
    {
        QFETCH(CrashVolumeSpec, spec);
        return spec;
    }
};

QTEST_GUILESS_MAIN(TestCrashLuks2)
#include "TestCrashLuks2.moc"
