// dmsetup's concise format: the input is UTF-8 text for parseConcise. A parsed stack prints with
// formatConcise, parses back to the same devices and prints identically; then its devices' tables
// are built in order over memory devices, each later device able to stack on the earlier ones
// (as createConciseStack does through a registry, but without looking at the file system).
#include "FuzzSupport.h"
#include "TableHarness.h"
#include "dm/ConciseFormat.h"

namespace cryptstack::fuzz {

namespace {

constexpr const char* Name = "concise";

bool sameDevice(const ConciseDevice& a, const ConciseDevice& b)
{
    return a.name == b.name && a.uuid == b.uuid && a.minor == b.minor && a.readOnly == b.readOnly &&
           a.tableLines == b.tableLines;
}

} // namespace

int concise(const uint8_t* data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    auto stack = parseConcise(text);
    if (!stack) {
        CRYPTSTACK_FUZZ_CHECK(Name, !stack.message().isEmpty(), QStringLiteral("error without a message"));
        return 0;
    }
    const QList<ConciseDevice>& devices = stack->devices;
    CRYPTSTACK_FUZZ_CHECK(Name, !devices.isEmpty(), QStringLiteral("parsed an empty stack"));
    const QString printed = formatConcise(devices);
    auto again = parseConcise(printed);
    CRYPTSTACK_FUZZ_CHECK(
        Name, again.isOk(),
        QStringLiteral("printed stack does not parse: %1\nprinted: %2").arg(again.message(), printed));
    bool same = again->devices.size() == devices.size();
    for (qsizetype i = 0; same && i < devices.size(); ++i)
        same = sameDevice(devices.at(i), again->devices.at(i));
    CRYPTSTACK_FUZZ_CHECK(Name, same,
                          QStringLiteral("printed stack parses to other devices: %1").arg(printed));
    CRYPTSTACK_FUZZ_CHECK(Name, formatConcise(again->devices) == printed,
                          QStringLiteral("stack prints differently after a round trip: %1").arg(printed));

    qsizetype lines = 0;
    for (const ConciseDevice& device : devices)
        lines += device.tableLines.size();
    if (lines > TableHarness::MaxLines)
        return 0;
    TableHarness harness(Name);
    for (const ConciseDevice& device : devices) {
        auto table = harness.build(device.name, device.tableLines, device.readOnly);
        if (!table)
            break;
        harness.checkRoundTrip(*table.value(), device.name, device.readOnly);
        auto mapped = std::make_shared<MappedDevice>(
            MappedDevice::Identity{device.name, device.uuid, device.minor, device.readOnly}, table.value());
        harness.addDevice(device.name, std::move(mapped));
    }
    // Each table holds the devices below it, so any destruction order is safe.
    return 0;
}

} // namespace cryptstack::fuzz

CRYPTSTACK_FUZZ_ENTRY(cryptstack::fuzz::concise)
