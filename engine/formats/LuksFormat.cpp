#include "LuksFormat.h"

#include "luks1/Luks1Volume.h"
#include "luks2/Luks2Volume.h"

#include <array>
#include <vector>

namespace cryptstack::LuksFormat {

Result<FormattedVolume> format(std::unique_ptr<HeaderDevice> device, const LuksFormatRequest& request,
                               const SecureBuffer& volumeKey, std::span<const uint8_t> passphrase,
                               const std::function<void(const QString&)>& warning)
{
    FormattedVolume result;
    if (request.version == 1) {
        Luks1FormatOptions options = request.luks1;
        options.headerWithFirstKeyslot = true;
        auto volume = Luks1Volume::format(std::move(device), options, volumeKey);
        if (!volume)
            return volume.status();
        result.volume = std::move(volume.value());
    } else {
        Luks2FormatOptions options = request.luks2;
        options.headerWithFirstKeyslot = true;
        auto volume = Luks2Volume::format(std::move(device), options, volumeKey);
        if (!volume)
            return volume.status();
        result.volume = std::move(volume.value());
    }
    if (warning) {
        for (const QString& text : result.volume->warnings())
            warning(text);
    }
    // This writes the header: format left it in memory so that no crash leaves a LUKS header
    // without a keyslot behind.
    auto slot = result.volume->addKeyslot(volumeKey, passphrase, request.keyslot);
    if (!slot) {
        wipeSignatures(*result.volume);
        return slot.status();
    }
    result.keyslot = *slot;
    return result;
}

void wipeSignatures(LuksVolume& volume)
{
    const std::array<uint8_t, 6> zeroes = {};
    std::vector<uint64_t> offsets{0};
    if (const auto* luks2 = dynamic_cast<const Luks2Volume*>(&volume))
        offsets.push_back(luks2->hdrSize());
    for (uint64_t offset : offsets)
        (void)volume.device().write(offset, zeroes);
    (void)volume.device().sync();
}

} // namespace cryptstack::LuksFormat
