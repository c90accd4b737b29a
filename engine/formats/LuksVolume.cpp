#include "LuksVolume.h"

#include "core/Endian.h"
#include "luks1/Luks1Volume.h"
#include "luks2/Luks2Volume.h"

#include <array>
#include <cstring>

namespace cryptstack {

LuksVolume::~LuksVolume() = default;

std::unique_ptr<HeaderDevice> LuksVolume::takeDevice(std::unique_ptr<LuksVolume> volume)
{
    return std::move(volume->m_device);
}

Result<std::unique_ptr<LuksVolume>> LuksVolume::load(std::unique_ptr<HeaderDevice> device)
{
    // cryptsetup reads magic and version at offset 0: version 1 is LUKS1; version 2 and anything
    // unrecognisable go to LUKS2, whose secondary copy may survive a damaged first sector.
    static constexpr std::array<uint8_t, 6> magic{'L', 'U', 'K', 'S', 0xba, 0xbe};
    std::array<uint8_t, 8> start{};
    if (device->size() >= start.size()) {
        if (Status read = device->read(0, start); !read)
            return read;
    }
    if (std::memcmp(start.data(), magic.data(), magic.size()) == 0) {
        const unsigned version = loadBE16(start.data() + 6);
        if (version == 1) {
            auto volume = Luks1Volume::load(std::move(device));
            if (!volume)
                return volume.status();
            return std::unique_ptr<LuksVolume>(std::move(volume.value()));
        }
        if (version != 2)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Unsupported LUKS version %1.").arg(version));
    }
    auto volume = Luks2Volume::load(std::move(device));
    if (!volume)
        return volume.status();
    return std::unique_ptr<LuksVolume>(std::move(volume.value()));
}

} // namespace cryptstack
