#include "DelayTarget.h"

#include "core/Parse.h"
#include "dm/TableLine.h"

#include <vector>

namespace cryptstack {

DelayTarget::DelayTarget(const QString& mappedName, uint64_t length, int argumentCount)
    : m_length(length), m_argumentCount(argumentCount)
{
    m_timer = std::make_unique<NamedThread>(
        QStringLiteral("kdelayd/%1").arg(mappedName), [this] { runTimer(); },
        [this] {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
            m_changed.notify_all();
        });
}

DelayTarget::~DelayTarget()
{
    releaseAll();
    m_timer.reset();
}

// delay_class_ctr, with the kernel's error texts in its order.
Status DelayTarget::parseClass(const TargetContext& context, const QStringList& words, qsizetype first,
                               DelayClass* out)
{
    const auto start = parseU64(words.at(first + 1));
    if (!start)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid device sector"));
    const auto delay = parseU32(words.at(first + 2));
    if (!delay)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Invalid delay"));
    auto device = context.lookupDevice(words.at(first));
    if (!device)
        return device.status();
    out->device = device.value();
    out->start = *start;
    out->delayMs = *delay;
    return Status::ok();
}

Result<std::unique_ptr<Target>> DelayTarget::create(const TargetContext& context, const QStringList& words)
{
    const auto count = words.size();
    if (count != 3 && count != 6 && count != 9)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("Requires exactly 3, 6 or 9 arguments"));
    std::unique_ptr<DelayTarget> target(
        new DelayTarget(context.mappedName, context.length, static_cast<int>(count)));
    // With 3 words every class uses them; with 6 the flush class copies the write class.
    const qsizetype writeFirst = count >= 6 ? 3 : 0;
    const qsizetype flushFirst = count == 9 ? 6 : writeFirst;
    const std::pair<DelayClass*, qsizetype> classes[] = {
        {&target->m_read, 0}, {&target->m_write, writeFirst}, {&target->m_flush, flushFirst}};
    for (const auto& [delayClass, first] : classes) {
        if (Status status = parseClass(context, words, first, delayClass); !status)
            return status;
    }
    return std::unique_ptr<Target>(std::move(target));
}

DelayTarget::DelayClass* DelayTarget::classFor(const Bio* bio)
{
    if (bio->op == BioOp::Flush || (bio->flags & BioFlag::PreFlush))
        return &m_flush;
    if (bio->op == BioOp::Write || bio->op == BioOp::Discard)
        return &m_write;
    return &m_read;
}

void DelayTarget::submitTo(DelayClass* delayClass, Bio* bio)
{
    bio->sector += delayClass->start;
    delayClass->device.device->submit(bio);
}

void DelayTarget::map(Bio* bio)
{
    DelayClass* delayClass = classFor(bio);
    if (delayClass->delayMs != 0) {
        std::unique_lock lock(m_mutex);
        if (m_mayDelay) {
            ++delayClass->ops;
            m_held.emplace(Clock::now() + std::chrono::milliseconds(delayClass->delayMs),
                           Held{bio, delayClass});
            m_changed.notify_one(); // under the lock: the bio may complete (and the target go) at once
            return;
        }
    }
    submitTo(delayClass, bio);
}

void DelayTarget::runTimer()
{
    std::vector<Held> due;
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_held.empty()) {
            m_changed.wait(lock);
            continue;
        }
        const auto next = m_held.begin()->first;
        if (Clock::now() < next) {
            m_changed.wait_until(lock, next);
            continue;
        }
        const auto end = m_held.upper_bound(Clock::now());
        for (auto it = m_held.begin(); it != end; ++it) {
            --it->second.delayClass->ops;
            due.push_back(it->second);
        }
        m_held.erase(m_held.begin(), end);
        lock.unlock();
        for (const Held& held : due)
            submitTo(held.delayClass, held.bio);
        due.clear();
        lock.lock();
    }
}

void DelayTarget::releaseAll()
{
    std::vector<Held> all;
    {
        std::lock_guard lock(m_mutex);
        for (auto& [when, held] : m_held) {
            --held.delayClass->ops;
            all.push_back(held);
        }
        m_held.clear();
    }
    for (const Held& held : all)
        submitTo(held.delayClass, held.bio);
}

void DelayTarget::presuspend()
{
    {
        std::lock_guard lock(m_mutex);
        m_mayDelay = false;
    }
    releaseAll();
}

void DelayTarget::resume()
{
    std::lock_guard lock(m_mutex);
    m_mayDelay = true;
}

QString DelayTarget::status(StatusType type, bool) const
{
    std::lock_guard lock(m_mutex);
    if (type == StatusType::Info)
        return QStringLiteral("%1 %2 %3").arg(m_read.ops).arg(m_write.ops).arg(m_flush.ops);
    auto describe = [](const DelayClass& c) -> QString {
        return escapeTableWord(c.device.word) + QStringLiteral(" %1 %2").arg(c.start).arg(c.delayMs);
    };
    QString text = describe(m_read);
    if (m_argumentCount >= 6)
        text += u' ' + describe(m_write);
    if (m_argumentCount >= 9)
        text += u' ' + describe(m_flush);
    return text;
}

QList<DeviceArea> DelayTarget::devices() const
{
    return {DeviceArea{m_read.device, m_read.start, m_length},
            DeviceArea{m_write.device, m_write.start, m_length},
            DeviceArea{m_flush.device, m_flush.start, m_length}};
}

} // namespace cryptstack
