// cryptsetup repair for LUKS1 (reference/luks.md §1.9 item 6; _check_and_convert_hdr with
// repair set, then _keyslot_repair): known glitches only, messages in cryptsetup's order.
#include "Luks1Volume.h"

#include "formats/HashContext.h"
#include "formats/KeyslotCipher.h"
#include "formats/SecureRandom.h"

namespace cryptstack {

namespace {

bool hasUpperCase(const QString& text)
{
    return std::any_of(text.begin(), text.end(), [](QChar c) { return c >= u'A' && c <= u'Z'; });
}

// The Corruption status of a failed repair carries every line printed so far.
Status failed(Luks1RepairResult& result, const QString& last, ErrorCode code = ErrorCode::Corruption)
{
    if (!last.isEmpty())
        result.lines.append({false, last});
    QStringList errors;
    for (const Luks1RepairLine& line : result.lines) {
        if (!line.verbose)
            errors << line.text;
    }
    return Status(code, errors.join(u'\n'));
}

} // namespace

Result<Luks1RepairResult> Luks1Volume::repair(HeaderDevice& device)
{
    Luks1RepairResult result;
    std::array<uint8_t, Luks1RawHeader::DiskBytes> bytes{};
    if (device.size() < bytes.size())
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device %1 is not a valid LUKS device.").arg(device.path()));
    if (Status read = device.read(0, bytes); !read)
        return read;
    const Luks1RawHeader raw = Luks1RawHeader::decode(bytes);
    if (raw.magic != Luks1RawHeader::Magic)
        return Status(ErrorCode::InvalidArgument,
                      QStringLiteral("Device %1 is not a valid LUKS device.").arg(device.path()));
    if (raw.version != 1)
        return Status(ErrorCode::NotSupported,
                      QStringLiteral("Unsupported LUKS version %1.").arg(raw.version));

    // fromRaw without its checks: the model is what repair works on.
    Luks1RawHeader unchecked = raw;
    Luks1Header header;
    {
        // Reuse fromRaw's string handling by loading a copy whose slots are sane, then restore the
        // slots as they are on disk.
        for (size_t i = 0; i < unchecked.keyslots.size(); ++i) {
            unchecked.keyslots[i].stripes = Luks1Header::Stripes;
            unchecked.keyslots[i].keyMaterialOffset = uint32_t(8 + 8 * i);
        }
        unchecked.payloadOffset = 0;
        unchecked.keyBytes = 1;
        auto parsed = Luks1Header::fromRaw(unchecked, device.path());
        if (!parsed) // only the hash check can fail here
            return parsed.status();
        header = parsed.value();
        header.payloadOffset = raw.payloadOffset;
        header.keyBytes = raw.keyBytes;
        for (size_t i = 0; i < raw.keyslots.size(); ++i) {
            header.keyslots[i].keyMaterialOffset = raw.keyslots[i].keyMaterialOffset;
            header.keyslots[i].stripes = raw.keyslots[i].stripes;
        }
    }

    bool broken = false;
    if (Status valid = header.validate(device.path()); !valid) {
        if (valid.message().startsWith(QStringLiteral("LUKS keyslot")))
            result.lines.append({false, valid.message()});
        broken = true;
    }
    if (header.cipherMode.startsWith(QStringLiteral("ecb-"))) {
        result.lines.append(
            {false, QStringLiteral("LUKS cipher mode %1 is invalid.").arg(header.cipherMode)});
        broken = true;
    }
    if (hasUpperCase(header.hashSpec)) {
        result.lines.append({false, QStringLiteral("LUKS hash %1 is invalid.").arg(header.hashSpec)});
        broken = true;
    }
    if (!broken) {
        result.lines.append({true, QStringLiteral("No known problems detected for LUKS header.")});
        if (Status size = header.checkDeviceSize(device.size(), device.path()); !size)
            return size;
        return result;
    }

    // _keyslot_repair.
    if (header.keyBytes != 16 && header.keyBytes != 32 && header.keyBytes != 64)
        return failed(result, QStringLiteral("Non standard key size, manual repair required."));
    if (header.keyslots[0].keyMaterialOffset < Luks1Header::AlignKeyslotsSectors)
        return failed(result, QStringLiteral("Non standard keyslots alignment, manual repair required."));
    bool needWrite = false;
    if (header.cipherMode.startsWith(QStringLiteral("ecb-"))) {
        needWrite = true;
        result.lines.append(
            {false, QStringLiteral("Cipher mode repaired (%1 -> ecb).").arg(header.cipherMode)});
        header.cipherMode = QStringLiteral("ecb");
    }
    if (hasUpperCase(header.hashSpec)) {
        needWrite = true;
        header.hashSpec = header.hashSpec.toLower();
        result.lines.append(
            {false, QStringLiteral("Cipher hash repaired to lowercase (%1).").arg(header.hashSpec)});
    }
    {
        SecureBuffer key(header.keyBytes);
        if (Status random = SecureRandom::fill({key.data(), key.size()}); !random)
            return random;
        auto cipher = KeyslotCipher::create(header.cipherSpec(), key.bytes());
        if (!cipher)
            return failed(result, cipher.message(), cipher.status().code());
    }
    result.lines.append({true, QStringLiteral("Repairing keyslots.")});
    if (header.payloadOffset && header.payloadOffset < Luks1Header::headerSectors(header.keyBytes)) {
        result.lines.append(
            {false,
             QStringLiteral("Data offset for LUKS header must be either 0 or higher than header size.")});
        return failed(result, QStringLiteral("Repair failed."));
    }

    const auto offsets = Luks1Header::standardKeyslotOffsets(header.keyBytes);
    for (int i = 0; i < Luks1Header::KeyslotCount; ++i) {
        Luks1Keyslot& slot = header.keyslots[size_t(i)];
        if (slot.state() == Luks1Keyslot::State::Enabled)
            continue;
        bool bad = false;
        if (slot.keyMaterialOffset != offsets[size_t(i)]) {
            result.lines.append({false, QStringLiteral("Keyslot %1: offset repaired (%2 -> %3).")
                                            .arg(i)
                                            .arg(slot.keyMaterialOffset)
                                            .arg(offsets[size_t(i)])});
            slot.keyMaterialOffset = offsets[size_t(i)];
            bad = true;
        }
        if (slot.stripes != Luks1Header::Stripes) {
            result.lines.append({false, QStringLiteral("Keyslot %1: stripes repaired (%2 -> %3).")
                                            .arg(i)
                                            .arg(slot.stripes)
                                            .arg(Luks1Header::Stripes)});
            slot.stripes = Luks1Header::Stripes;
            bad = true;
        }
        // A DOS partition table signature at bytes 510-511 lands in slot 6's salt.
        if (i == 6 && bytes[0x1fe] == 0x55 && bytes[0x1ff] == 0xaa) {
            result.lines.append({false, QStringLiteral("Keyslot %1: bogus partition signature.").arg(i)});
            bad = true;
        }
        if (bad) {
            result.lines.append({false, QStringLiteral("Keyslot %1: salt wiped.").arg(i)});
            slot.active = Luks1Header::KeyDisabled;
            slot.salt.fill(0);
            slot.iterations = 0;
            needWrite = true;
        }
    }
    // Re-check before writing: out-of-order offsets cannot be repaired and would stay broken.
    if (Status valid = header.validate(device.path()); !valid)
        return failed(result, valid.message() + u'\n' + QStringLiteral("Repair failed."));
    if (needWrite) {
        result.lines.append({true, QStringLiteral("Writing LUKS header to disk.")});
        auto written = writeHeader(device, header);
        if (!written)
            return failed(result, written.message() + u'\n' + QStringLiteral("Repair failed."),
                          written.status().code());
        result.written = true;
    }
    return result;
}

} // namespace cryptstack
