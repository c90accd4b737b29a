// The write path's bounce-buffer pool: buffers given back are reused by the next taker of the same
// size, and the memory allocated (handed out plus kept) never exceeds the limit, however sizes and
// limits change.
#include "crypt/PagePool.h"

#include <QScopeGuard>
#include <QTest>

#include <future>
#include <thread>

using namespace cryptstack;

class TestPagePool : public QObject
{
    Q_OBJECT

private slots:
    void aGivenBufferServesTheNextTakerOfItsSize();
    void keptBuffersMakeRoomForOtherSizes();
    void loweringTheLimitDropsKeptBuffers();
    void aWaitingTakerGetsTheBufferGivenBack();
    void aTakerThatMayNotWaitGetsNothingWhenFull();
};

void TestPagePool::aGivenBufferServesTheNextTakerOfItsSize()
{
    PagePool pool(64);
    PagePool::Buffer first = pool.take(128 * 1024, false);
    QVERIFY(first);
    const std::byte* address = first.get();
    QCOMPARE(pool.inUse(), 32u);
    pool.give(std::move(first), 128 * 1024);
    QCOMPARE(pool.inUse(), 0u);
    QCOMPARE(pool.sparePages(), 32u);

    PagePool::Buffer second = pool.take(128 * 1024 - 100, false); // same page count
    QCOMPARE(second.get(), address);
    QCOMPARE(pool.sparePages(), 0u);
    QCOMPARE(pool.inUse(), 32u);
    pool.give(std::move(second), 128 * 1024 - 100);
}

void TestPagePool::keptBuffersMakeRoomForOtherSizes()
{
    PagePool pool(64);
    PagePool::Buffer a = pool.take(32 * PagePool::PageSize, false);
    PagePool::Buffer b = pool.take(16 * PagePool::PageSize, false);
    pool.give(std::move(a), 32 * PagePool::PageSize);
    QCOMPARE(pool.sparePages(), 32u);
    QCOMPARE(pool.inUse() + pool.sparePages(), 48u);

    // 16 in use + 48 asked = 64: the kept 32 pages must go, or memory would exceed the limit.
    PagePool::Buffer c = pool.take(48 * PagePool::PageSize, false);
    QVERIFY(c);
    QCOMPARE(pool.inUse(), 64u);
    QCOMPARE(pool.sparePages(), 0u);
    pool.give(std::move(b), 16 * PagePool::PageSize);
    pool.give(std::move(c), 48 * PagePool::PageSize);
    QCOMPARE(pool.inUse(), 0u);
    QCOMPARE(pool.sparePages(), 64u);
}

void TestPagePool::loweringTheLimitDropsKeptBuffers()
{
    PagePool pool(64);
    for (int i = 0; i < 2; ++i) {
        PagePool::Buffer a = pool.take(32 * PagePool::PageSize, false);
        PagePool::Buffer b = pool.take(32 * PagePool::PageSize, false);
        pool.give(std::move(a), 32 * PagePool::PageSize);
        pool.give(std::move(b), 32 * PagePool::PageSize);
    }
    QCOMPARE(pool.sparePages(), 64u);
    pool.setLimit(40);
    QCOMPARE(pool.sparePages(), 32u);
    PagePool::Buffer held = pool.take(8 * PagePool::PageSize, false);
    QVERIFY(held);
    QCOMPARE(pool.inUse() + pool.sparePages(), 40u);
    pool.setLimit(16);
    QCOMPARE(pool.sparePages(), 0u);
    pool.give(std::move(held), 8 * PagePool::PageSize);
    QCOMPARE(pool.sparePages(), 8u);
}

void TestPagePool::aWaitingTakerGetsTheBufferGivenBack()
{
    PagePool pool(32);
    PagePool::Buffer first = pool.take(32 * PagePool::PageSize, false);
    const std::byte* address = first.get();
    auto waiting =
        std::async(std::launch::async, [&pool] { return pool.take(32 * PagePool::PageSize, true); });
    // If a check fails before the give below, the waiter must still be woken, or the future's
    // destructor would wait for it forever.
    const auto wakeWaiter = qScopeGuard([&pool] { pool.failWaiters(); });
    QTRY_COMPARE(pool.waiters().size(), 1);
    QCOMPARE(waiting.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    pool.give(std::move(first), 32 * PagePool::PageSize);
    PagePool::Buffer second = waiting.get();
    QCOMPARE(second.get(), address);
    QCOMPARE(pool.inUse(), 32u);
    QCOMPARE(pool.sparePages(), 0u);
    QVERIFY(pool.waiters().isEmpty());
    pool.give(std::move(second), 32 * PagePool::PageSize);
}

void TestPagePool::aTakerThatMayNotWaitGetsNothingWhenFull()
{
    PagePool pool(32);
    PagePool::Buffer all = pool.take(32 * PagePool::PageSize, false);
    QVERIFY(all);
    QVERIFY(!pool.take(PagePool::PageSize, false));
    QCOMPARE(pool.inUse(), 32u);
    pool.give(std::move(all), 32 * PagePool::PageSize);
    QVERIFY(pool.take(PagePool::PageSize, false));
}

QTEST_GUILESS_MAIN(TestPagePool)
#include "TestPagePool.moc"
