#include "VolumeMapper.h"

#include "dm/TableLine.h"
#include "formats/HeaderDevice.h"

namespace cryptstack {

namespace {

// cryptsetup's order (dm_crypt_target_set / get_dm_crypt_params).
constexpr const char16_t* FlagWords[] = {u"allow_discards",         u"same_cpu_crypt",
                                         u"submit_from_crypt_cpus", u"no_read_workqueue",
                                         u"no_write_workqueue",     u"iv_large_sectors"};

} // namespace

QStringList VolumeMapper::optionWords(const CryptActivation& activation, const ActivationFlags& flags)
{
    const bool requested[] = {flags.allowDiscards,   flags.sameCpuCrypt,     flags.submitFromCryptCpus,
                              flags.noReadWorkqueue, flags.noWriteWorkqueue, false};
    QStringList words;
    for (size_t i = 0; i < std::size(FlagWords); ++i) {
        const QString word = QString::fromUtf16(FlagWords[i]);
        if (requested[i] || activation.optionWords.contains(word))
            words += word;
    }
    // sector_size:<S> only when S is not 512, whether or not the volume listed it; other words the
    // volume gives (integrity) keep their place at the end.
    if (activation.sectorSize != 512)
        words += QStringLiteral("sector_size:%1").arg(activation.sectorSize);
    for (const QString& word : activation.optionWords) {
        if (!words.contains(word) && !word.startsWith(QStringLiteral("sector_size:")))
            words += word;
    }
    return words;
}

QString VolumeMapper::dmUuid(const MappingRequest& request)
{
    if (request.volumeUuid.isEmpty())
        return QStringLiteral("CRYPT-%1-%2").arg(request.volumeType, request.name);
    return QStringLiteral("CRYPT-%1-%2-%3")
        .arg(request.volumeType, QString(request.volumeUuid).remove(u'-'), request.name);
}

Result<uint64_t> VolumeMapper::lengthSectors(const MappingRequest& request)
{
    auto device = HeaderDevice::open(request.dataDevice, HeaderDevice::Access::ReadOnly);
    if (!device)
        return device.status();
    const uint64_t deviceSectors = device.value()->size() / 512;
    const uint64_t offset = request.activation.dataOffsetSectors;
    // device_block_adjust's checks and messages.
    if (offset >= deviceSectors) {
        if (deviceSectors == 0)
            return Status(ErrorCode::NoSuchDevice,
                          QStringLiteral("Device %1 has zero size.").arg(request.dataDevice));
        return Status(
            ErrorCode::InvalidArgument,
            QStringLiteral("Requested offset is beyond real size of device %1.").arg(request.dataDevice));
    }
    uint64_t length = deviceSectors - offset;
    if (request.lengthSectors && *request.lengthSectors) {
        if (*request.lengthSectors > length)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Device %1 is too small.").arg(request.dataDevice));
        length = *request.lengthSectors;
    }
    const unsigned sectorSize = request.activation.sectorSize;
    if (sectorSize > 512 && length % (sectorSize / 512) != 0)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device size is not aligned to requested sector size."));
    return length;
}

Result<QString> VolumeMapper::tableLine(const MappingRequest& request, const SecureBuffer& volumeKey)
{
    const CryptActivation& activation = request.activation;
    if (activation.keyBytes && volumeKey.size() != activation.keyBytes)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Volume key is %1 bytes, the volume needs %2.")
                          .arg(volumeKey.size())
                          .arg(activation.keyBytes));
    auto length = lengthSectors(request);
    if (!length)
        return length.status();
    QString keyWord;
    if (activation.keyBytes == 0)
        keyWord = QStringLiteral("-"); // cipher_null
    else if (request.useKeyring && !activation.keyringDescription.isEmpty())
        keyWord = QStringLiteral(":%1:logon:%2").arg(activation.keyBytes).arg(activation.keyringDescription);
    else
        keyWord = volumeKey.toHex();
    const QStringList options = optionWords(activation, request.flags);
    QString line;
    // Reserved up front so that appending never reallocates (and leaves a copy of the key behind).
    line.reserve(512 + keyWord.size() + 2 * request.dataDevice.size() + activation.cipher.size());
    line += QStringLiteral("0 %1 crypt %2 ").arg(*length).arg(activation.cipher);
    line += keyWord;
    line += QStringLiteral(" %1 %2 %3")
                .arg(activation.ivOffset)
                .arg(escapeTableWord(request.dataDevice))
                .arg(activation.dataOffsetSectors);
    if (!options.isEmpty())
        line += QStringLiteral(" %1 %2").arg(options.size()).arg(options.join(u' '));
    wipeText(keyWord);
    return line;
}

Result<std::shared_ptr<MappedDevice>> VolumeMapper::open(const MappingRequest& request,
                                                         const SecureBuffer& volumeKey)
{
    if (m_registry.find(request.name))
        return Status(ErrorCode::Busy, QStringLiteral("Device %1 already exists.").arg(request.name));
    auto line = tableLine(request, volumeKey);
    if (!line)
        return line.status();
    const bool keyring = request.useKeyring && !request.activation.keyringDescription.isEmpty() &&
                         request.activation.keyBytes > 0;
    if (keyring) {
        if (Status added = m_registry.keyRing().add(KeyRing::Type::Logon,
                                                    request.activation.keyringDescription, volumeKey.copy());
            !added) {
            wipeText(*line);
            return added;
        }
    }
    DeviceCreateOptions options;
    options.uuid = dmUuid(request);
    options.readOnly = request.flags.readOnly;
    QStringList lines{std::move(*line)};
    auto device = m_registry.create(request.name, lines, options);
    wipeText(lines);
    // The target holds its own copy now (or failed); the keyring entry has done its job.
    if (keyring)
        (void)m_registry.keyRing().unlink(request.activation.keyringDescription);
    return device;
}

Status VolumeMapper::close(const QString& name)
{
    if (!m_registry.find(name))
        return Status(ErrorCode::NoSuchDevice, QStringLiteral("Device %1 is not active.").arg(name));
    return m_registry.remove(name);
}

void VolumeMapper::wipeText(QString& text)
{
    if (text.isEmpty())
        return;
    // data() detaches, so this wipes the one copy this string owns.
    SecureBuffer::wipe(text.data(), static_cast<size_t>(text.size()) * sizeof(QChar));
    text.clear();
}

void VolumeMapper::wipeText(QStringList& texts)
{
    for (QString& text : texts)
        wipeText(text);
    texts.clear();
}

} // namespace cryptstack
