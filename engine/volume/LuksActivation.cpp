#include "LuksActivation.h"

#include "formats/luks2/Luks2Volume.h"

namespace cryptstack::LuksActivation {

Status check(const LuksVolume& volume, bool detachedHeader)
{
    if (const auto* luks2 = dynamic_cast<const Luks2Volume*>(&volume)) {
        if (Status requirements = luks2->checkRequirements(); !requirements)
            return requirements;
    }
    if (!detachedHeader && volume.activation().dataOffsetSectors < 8)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Reduced data offset is allowed only for detached LUKS header."));
    return Status::ok();
}

MappingRequest mappingRequest(const LuksVolume& volume, const QString& name, const QString& image,
                              const ActivationFlags& flags, bool useKeyring)
{
    MappingRequest request;
    request.name = name;
    request.dataDevice = image;
    request.volumeType = QStringLiteral("LUKS%1").arg(volume.version());
    request.volumeUuid = volume.uuid();
    request.activation = volume.activation();
    request.flags = flags;
    request.useKeyring = useKeyring;
    return request;
}

} // namespace cryptstack::LuksActivation
