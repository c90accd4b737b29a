// dm-delay: "<device> <offset> <delay> [<write_device> <write_offset> <write_delay>
// [<flush_device> <flush_offset> <flush_delay>]]" — holds each read, write or flush for its class's
// delay in milliseconds before passing it to that class's device. Suspending releases every held
// bio at once and passes new ones straight through until resume, as the kernel does.
#pragma once

#include "core/NamedThread.h"
#include "dm/Target.h"

#include <condition_variable>
#include <map>
#include <mutex>

namespace cryptstack {

class DelayTarget final : public Target
{
public:
    static Result<std::unique_ptr<Target>> create(const TargetContext& context, const QStringList& words);
    ~DelayTarget() override;

    void map(Bio* bio) override;
    QString status(StatusType type, bool showKeys) const override;
    QList<DeviceArea> devices() const override;
    void presuspend() override;
    void resume() override;

private:
    struct DelayClass
    {
        DeviceRef device;
        uint64_t start = 0;
        uint32_t delayMs = 0;
        uint32_t ops = 0; // bios of this class being held now; guarded by m_mutex
    };
    using Clock = std::chrono::steady_clock;
    struct Held
    {
        Bio* bio;
        DelayClass* delayClass;
    };

    DelayTarget(const QString& mappedName, uint64_t length, int argumentCount);
    static Status parseClass(const TargetContext& context, const QStringList& words, qsizetype first,
                             DelayClass* out);
    DelayClass* classFor(const Bio* bio);
    void submitTo(DelayClass* delayClass, Bio* bio);
    void runTimer();
    void releaseAll();

    const uint64_t m_length;
    const int m_argumentCount;
    DelayClass m_read, m_write, m_flush;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::multimap<Clock::time_point, Held> m_held;
    bool m_mayDelay = true;
    bool m_stopping = false;
    std::unique_ptr<NamedThread> m_timer;
};

} // namespace cryptstack
