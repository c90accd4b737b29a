#include "TableHarness.h"

#include "FuzzSupport.h"
#include "block/MemoryDevice.h"

#include <vector>

namespace cryptstack::fuzz {

namespace {

const QString MapperPrefix = QStringLiteral("/dev/mapper/");

SecureBuffer patternKey(size_t size, uint8_t seed)
{
    SecureBuffer key(size);
    for (size_t i = 0; i < size; ++i)
        key.data()[i] = uint8_t(seed + 37 * i);
    return key;
}

} // namespace

TableHarness::TableHarness(const char* target) : m_target(target)
{
    // Descriptions as in tests/crypt and tests/cli.
    (void)m_keyRing.add(KeyRing::Type::Logon, QStringLiteral("cryptsetup:vol-d0"), patternKey(64, 1));
    (void)m_keyRing.add(KeyRing::Type::Logon, QStringLiteral("cs:test"), patternKey(32, 2));
    (void)m_keyRing.add(KeyRing::Type::User, QStringLiteral("user:k"), patternKey(16, 3));
}

void TableHarness::addDevice(const QString& name, std::shared_ptr<BlockDevice> device)
{
    m_devices.insert(name, std::move(device));
}

Result<DeviceRef> TableHarness::lookup(const QString& word)
{
    const QString name = word.startsWith(MapperPrefix) ? word.mid(MapperPrefix.size()) : word;
    if (auto device = m_devices.value(name))
        return DeviceRef{word, device};
    // The names the tests' tables use, with the sizes of tests/engine's images.
    static const QHash<QString, uint64_t> known = {
        {QStringLiteral("a.img"), 2048},    {QStringLiteral("a"), 2048},
        {QStringLiteral("disk.img"), 2048}, {QStringLiteral("f.img"), 2048},
        {QStringLiteral("r.img"), 2048},    {QStringLiteral("base"), 2048},
        {QStringLiteral("low"), 2048},      {QStringLiteral("mid"), 2048},
        {QStringLiteral("b.img"), 128},     {QStringLiteral("b"), 128},
        {QStringLiteral("my disk.img"), 8},
    };
    const uint64_t sectors = known.value(name, 0);
    if (!sectors)
        return Status(ErrorCode::NoSuchDevice,
                      QStringLiteral("Device lookup failed: no device or image file named \"%1\"").arg(word));
    auto device = std::make_shared<MemoryDevice>(sectors, name);
    m_devices.insert(name, device);
    return DeviceRef{word, device};
}

Result<std::shared_ptr<Table>> TableHarness::build(const QString& mappedName, const QStringList& lines,
                                                   bool readOnly)
{
    TargetContext context;
    context.mappedName = mappedName;
    context.readOnly = readOnly;
    context.keyring = &m_keyRing;
    context.lookupDevice = [this](const QString& word) {
        return lookup(word);
    };
    return Table::build(lines, m_types, context);
}

void TableHarness::checkRoundTrip(const Table& table, const QString& mappedName, bool readOnly)
{
    const QStringList printed = table.lines(StatusType::Table, true);
    (void)table.lines(StatusType::Info, false);
    (void)table.lines(StatusType::Table, false);
    auto again = build(mappedName, printed, readOnly);
    CRYPTSTACK_FUZZ_CHECK(m_target, again.isOk(),
                          QStringLiteral("printed table does not build again: %1\nprinted:\n%2")
                              .arg(again.message(), printed.join(u'\n')));
    const QStringList reprinted = again.value()->lines(StatusType::Table, true);
    CRYPTSTACK_FUZZ_CHECK(m_target, reprinted == printed,
                          QStringLiteral("table prints differently after a round trip:\n%1\nthen:\n%2")
                              .arg(printed.join(u'\n'), reprinted.join(u'\n')));
    CRYPTSTACK_FUZZ_CHECK(m_target, again.value()->sectors() == table.sectors(),
                          QStringLiteral("table size changed after a round trip"));
}

void TableHarness::exerciseIo(std::shared_ptr<Table> table, const QString& mappedName)
{
    for (const Segment& segment : table->segments()) {
        if (segment.type == u"delay")
            return;
    }
    const uint64_t blockSectors = table->logicalBlockSize() / SectorSize;
    uint64_t sectors = std::min<uint64_t>(table->sectors(), 8);
    sectors -= sectors % blockSectors;
    if (sectors == 0)
        return;
    auto device = std::make_shared<MappedDevice>(MappedDevice::Identity{mappedName, {}, {}, false}, table);
    std::vector<std::byte> buffer(sectors * SectorSize);
    const Status read = device->readSectors(0, buffer.data(), buffer.size());
    (void)device->writeSectors(0, buffer.data(), buffer.size());
    // A read that worked a moment ago works again (no target here fails reads at random).
    if (read && table->segments().size() == 1 && table->segments().front().type != u"flakey") {
        const Status again = device->readSectors(0, buffer.data(), buffer.size());
        CRYPTSTACK_FUZZ_CHECK(m_target, again.isOk(),
                              QStringLiteral("second read failed: %1").arg(again.message()));
    }
}

} // namespace cryptstack::fuzz
