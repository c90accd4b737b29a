#include "CryptTarget.h"

#include "KeyRing.h"
#include "core/Parse.h"
#include "dm/TableLine.h"
#include "dm/TargetArgs.h"

#include <QRegularExpression>

#include <openssl/rand.h>

#include <bit>

namespace cryptstack {

namespace {

constexpr uint32_t MaxTagSize = 480; // MAX_TAG_SIZE

Status invalid(const char* text)
{
    return Status(ErrorCode::InvalidArgument, QLatin1String(text));
}

// get_key_size: hex length / 2, or the size in ":<size>:<type>:<description>".
std::optional<size_t> keySizeOf(const QString& key)
{
    if (!key.startsWith(u':'))
        return static_cast<size_t>(key.size() / 2);
    const qsizetype colon = key.indexOf(u':', 1);
    if (colon < 0)
        return std::nullopt;
    const auto size = parseU32(key.mid(1, colon - 1));
    if (!size)
        return std::nullopt;
    return *size;
}

} // namespace

CryptTarget::~CryptTarget()
{
    m_pipeline.reset(); // threads stop before the ciphers and keys go
}

Result<std::unique_ptr<Target>> CryptTarget::create(const TargetContext& context, const QStringList& words)
{
    if (words.size() < 5)
        return invalid("Not enough arguments");
    const auto keySize = keySizeOf(words.at(1));
    if (!keySize)
        return invalid("Cannot parse key size");
    std::unique_ptr<CryptTarget> target(new CryptTarget);
    target->m_context = context;
    target->m_keySize = *keySize;
    // Optional parameters come first: they decide the sector size and integrity mode.
    if (words.size() > 5) {
        if (Status status = target->parseOptions(words.mid(5)); !status)
            return status;
    }
    auto spec =
        CipherSpec::parse(words.at(0), target->m_integrityType.compare(u"aead", Qt::CaseInsensitive) == 0);
    if (!spec)
        return spec.status();
    target->m_spec = spec.value();
    if (Status status = target->allocateCiphers(); !status)
        return status;
    if (Status status = target->setKey(words.at(1)); !status)
        return status;

    const auto ivOffset = parseU64(words.at(2));
    if (!ivOffset || *ivOffset % (target->m_sectorSize >> SectorShift))
        return invalid("Invalid iv_offset sector");
    target->m_ivOffset = *ivOffset;
    auto device = context.lookupDevice(words.at(3));
    if (!device)
        return device.status();
    target->m_device = device.value();
    const auto start = parseU64(words.at(4));
    if (!start)
        return invalid("Invalid device sector");
    target->m_start = *start;
    // AEAD and stored IVs need per-sector tag space from the device below; no device provides it
    // yet (a dm-integrity target would), so construction stops here as the kernel's would.
    if (target->m_spec.aead || target->m_ciphers.ivMode() == u"random" || target->m_integrityTagSize)
        return invalid("Integrity profile not supported.");

    // The geometry is final now: key the template every thread clones.
    auto keyed = target->buildCipherSet();
    if (!keyed)
        return keyed.status();
    if (!target->m_keyringDescription.isEmpty())
        target->m_key.wipe(); // the transforms hold the key now; only the description is kept
    CryptPipeline::Config config;
    config.deviceName = context.mappedName;
    config.lower = target->m_device;
    config.start = target->m_start;
    config.sectorSize = target->m_sectorSize;
    config.flags = target->m_flags;
    target->m_pipeline = std::make_unique<CryptPipeline>(std::move(config), std::move(keyed.value()));
    return std::unique_ptr<Target>(std::move(target));
}

Status CryptTarget::parseOptions(const QStringList& words)
{
    TargetArgs args(words);
    QString error;
    auto count = args.readGroup({0, 9, "Invalid number of feature args"}, &error);
    if (!count)
        return Status(ErrorCode::InvalidArgument, error);
    for (uint32_t i = 0; i < *count; ++i) {
        const std::optional<QString> word = args.shift();
        if (!word)
            return invalid("Not enough feature arguments");
        const QString option = *word;
        const QString lower = option.toLower();
        if (lower == u"allow_discards") {
            m_flags.allowDiscards = true;
        } else if (lower == u"same_cpu_crypt") {
            m_flags.sameCpuCrypt = true;
        } else if (lower == u"high_priority") {
            m_flags.highPriority = true;
        } else if (lower == u"submit_from_crypt_cpus") {
            m_flags.submitFromCryptCpus = true;
        } else if (lower == u"no_read_workqueue") {
            m_flags.noReadWorkqueue = true;
        } else if (lower == u"no_write_workqueue") {
            m_flags.noWriteWorkqueue = true;
        } else if (lower == u"iv_large_sectors") {
            m_ivLargeSectors = true;
        } else if (option.startsWith(u"integrity:") && option.indexOf(u':', 10) > 10 &&
                   parseU32(option.mid(10, option.indexOf(u':', 10) - 10))) {
            const qsizetype colon = option.indexOf(u':', 10);
            const uint32_t size = *parseU32(option.mid(10, colon - 10));
            if (size == 0 || size > MaxTagSize)
                return invalid("Invalid integrity arguments");
            const QString type = option.mid(colon + 1);
            if (type.compare(u"aead", Qt::CaseInsensitive) != 0 &&
                type.compare(u"none", Qt::CaseInsensitive) != 0)
                return invalid("Unknown integrity profile");
            m_integrityTagSize = size;
            m_integrityType = type;
        } else if (option.startsWith(u"integrity_key_size:") && parseU32(option.mid(19))) {
            const uint32_t size = *parseU32(option.mid(19));
            if (size == 0)
                return invalid("Invalid integrity_key_size argument");
            m_integrityKeySize = size;
        } else if (option.startsWith(u"sector_size:") && parseU32(option.mid(12))) {
            const uint32_t size = *parseU32(option.mid(12));
            if (size < 512 || size > 4096 || !std::has_single_bit(size))
                return invalid("Invalid feature value for sector_size");
            if (m_context.length & ((size >> SectorShift) - 1))
                return invalid("Device size is not multiple of sector_size feature");
            m_sectorSize = size;
        } else {
            return invalid("Invalid feature arguments");
        }
    }
    return Status::ok();
}

Status CryptTarget::allocateCiphers()
{
    if (m_spec.aead)
        return Status::ok(); // recognised only; construction stops at the integrity check
    auto builder = CipherSetBuilder::prepare(m_spec, m_keySize);
    if (!builder)
        return builder.status();
    m_ciphers = std::move(builder.value());
    return Status::ok();
}

Status CryptTarget::setKey(const QString& keyWord)
{
    // crypt_set_key's order: a refused word or a keyring key that cannot be had leaves the
    // current key as valid as it was; a hex key invalidates it before it is decoded.
    const Status failed(ErrorCode::InvalidArgument, QStringLiteral("Error decoding and setting key"));
    if (m_keySize == 0 && keyWord != u"-")
        return failed;
    if (keyWord.startsWith(u':')) {
        // ":<size>:<type>:<description>", no whitespace anywhere.
        const QStringList parts = keyWord.mid(1).split(u':');
        if (parts.size() < 3 || keyWord.contains(QRegularExpression(QStringLiteral("\\s"))) ||
            !m_context.keyring)
            return failed;
        const QString description = parts.mid(2).join(u':');
        const auto type = KeyRing::typeFromName(parts.at(1));
        if (!type || description.isEmpty())
            return failed;
        auto payload = m_context.keyring->lookup(*type, description);
        if (!payload || payload->size() != m_keySize)
            return failed;
        m_keyValid = false;
        m_key = std::move(payload.value());
        m_keyringDescription = parts.at(1) + u':' + description;
    } else {
        m_keyValid = false;
        m_keyringDescription.clear();
        if (m_keySize > 0) {
            auto decoded = SecureBuffer::fromHex(keyWord, m_keySize);
            if (!decoded)
                return failed;
            m_key = std::move(*decoded);
        } else {
            m_key = SecureBuffer();
        }
    }
    if (m_spec.aead) {
        m_keyValid = true; // never keyed: construction stops at the integrity check
        return Status::ok();
    }
    // Every transform must accept its sub-key (and ESSIV its salt) for the key to count as set.
    auto ciphers = buildCipherSet();
    if (!ciphers)
        return ciphers.status();
    m_keyValid = true;
    return Status::ok();
}

Result<std::unique_ptr<CipherSet>> CryptTarget::buildCipherSet() const
{
    return m_ciphers.build(m_key, m_sectorSize, m_ivLargeSectors, m_ivOffset);
}

void CryptTarget::map(Bio* bio)
{
    m_pipeline->map(bio);
}

QString CryptTarget::keyText(bool showKeys) const
{
    if (m_keySize == 0)
        return QStringLiteral("-");
    if (!m_keyringDescription.isEmpty())
        return QStringLiteral(":%1:%2").arg(m_keySize).arg(m_keyringDescription);
    // Like dmsetup without --showkeys: the key's digits are masked.
    return showKeys && m_key.size() == m_keySize ? m_key.toHex()
                                                 : QString(static_cast<qsizetype>(m_keySize * 2), u'0');
}

QString CryptTarget::status(StatusType type, bool showKeys) const
{
    if (type == StatusType::Info)
        return {};
    QString text =
        m_spec.text + u' ' + keyText(showKeys) +
        QStringLiteral(" %1 %2 %3")
            .arg(QString::number(m_ivOffset), escapeTableWord(m_device.word), QString::number(m_start));
    QStringList options;
    if (m_flags.allowDiscards)
        options += QStringLiteral("allow_discards");
    if (m_flags.sameCpuCrypt)
        options += QStringLiteral("same_cpu_crypt");
    if (m_flags.highPriority)
        options += QStringLiteral("high_priority");
    if (m_flags.submitFromCryptCpus)
        options += QStringLiteral("submit_from_crypt_cpus");
    if (m_flags.noReadWorkqueue)
        options += QStringLiteral("no_read_workqueue");
    if (m_flags.noWriteWorkqueue)
        options += QStringLiteral("no_write_workqueue");
    if (m_integrityTagSize)
        options += QStringLiteral("integrity:%1:%2").arg(m_integrityTagSize).arg(m_integrityType);
    if (m_sectorSize != 512)
        options += QStringLiteral("sector_size:%1").arg(m_sectorSize);
    if (m_ivLargeSectors)
        options += QStringLiteral("iv_large_sectors");
    if (m_integrityKeySize)
        options += QStringLiteral("integrity_key_size:%1").arg(m_integrityKeySize);
    if (!options.isEmpty())
        text += QStringLiteral(" %1 ").arg(options.size()) + options.join(u' ');
    return text;
}

Result<QString> CryptTarget::message(const QStringList& words)
{
    const Status unrecognised = invalid("unrecognised message received.");
    if (words.size() < 2 || words.at(0).compare(u"key", Qt::CaseInsensitive) != 0)
        return unrecognised;
    if (!m_suspended)
        return invalid("not suspended during key manipulation.");
    if (words.size() == 3 && words.at(1).compare(u"set", Qt::CaseInsensitive) == 0) {
        const auto size = keySizeOf(words.at(2));
        if (!size || *size != m_keySize)
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("key set: the key must be %1 bytes, as in the table").arg(m_keySize));
        if (Status status = setKey(words.at(2)); !status)
            return status;
        auto ciphers = buildCipherSet();
        if (!ciphers) {
            m_keyValid = false;
            return ciphers.status();
        }
        m_pipeline->replaceCiphers(std::move(ciphers.value()));
        if (!m_keyringDescription.isEmpty())
            m_key.wipe();
        return QString();
    }
    if (words.size() == 2 && words.at(1).compare(u"wipe", Qt::CaseInsensitive) == 0) {
        // Re-key everything with random bytes, then forget the key: resume is refused until a
        // new "key set".
        m_keyValid = false;
        m_keyringDescription.clear();
        if (m_keySize) {
            m_key = SecureBuffer(m_keySize); // a keyring key was wiped already; never reuse it
            RAND_bytes(m_key.data(), static_cast<int>(m_key.size()));
            auto ciphers = buildCipherSet();
            m_key.wipe();
            if (!ciphers)
                return ciphers.status();
            m_pipeline->replaceCiphers(std::move(ciphers.value()));
        }
        return QString();
    }
    return unrecognised;
}

Status CryptTarget::setEngineOption(const QString& option, const QString& value)
{
    if (option == u"async") {
        if (value != u"on" && value != u"off")
            return invalid("async: expected on or off");
        m_pipeline->setAsync(value == u"on");
        return Status::ok();
    }
    if (option == u"teaching") {
        if (value != u"on" && value != u"off")
            return invalid("teaching: expected on or off");
        if (value == u"on")
            BlockDevice::setBioListTracing(true); // so the watchdog can say what waits where
        m_pipeline->setTeaching(value == u"on");
        return Status::ok();
    }
    if (option == u"trace") {
        if (value != u"on" && value != u"off")
            return invalid("trace: expected on or off");
        m_pipeline->trace().setEnabled(value == u"on");
        return Status::ok();
    }
    if (option == u"pool") {
        const auto pages = parseU64(value);
        if (!pages || *pages < PagePool::pagesFor(CryptPipeline::MaxPieceBytes))
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("pool: expected a number of 4 KiB pages, at least %1")
                              .arg(PagePool::pagesFor(CryptPipeline::MaxPieceBytes)));
        m_pipeline->setPoolPages(*pages);
        return Status::ok();
    }
    return Target::setEngineOption(option, value);
}

QStringList CryptTarget::waits() const
{
    QStringList lines;
    const CryptMetrics m = m_pipeline->metrics();
    const QStringList holders = m_pipeline->pageHolders();
    const QString heldBy = holders.isEmpty()
                               ? QStringLiteral("%1 bio(s) in flight").arg(m.biosInFlight)
                               : QStringLiteral("the bios of \"%1\": %2")
                                     .arg(m_context.mappedName, holders.join(QStringLiteral(", ")));
    for (const QString& waiter : m_pipeline->poolWaiters()) {
        lines +=
            QStringLiteral(
                "thread %1 waits for pages of the page pool of \"%2\" (%3 of %4 pages in use, held by %5)")
                .arg(waiter, m_context.mappedName)
                .arg(m.poolPagesInUse)
                .arg(m.poolPageLimit)
                .arg(heldBy);
    }
    return lines;
}

void CryptTarget::failWaits()
{
    m_pipeline->failPoolWaiters();
}

void CryptTarget::postsuspend()
{
    m_suspended = true;
}

Status CryptTarget::preresume()
{
    if (!m_keyValid)
        return Status(ErrorCode::InvalidArgument, QStringLiteral("aborting resume - crypt key is not set."));
    return Status::ok();
}

void CryptTarget::resume()
{
    m_suspended = false;
}

QList<DeviceArea> CryptTarget::devices() const
{
    return {DeviceArea{m_device, m_start, m_context.length}};
}

CryptMetrics CryptTarget::metrics() const
{
    return m_pipeline->metrics();
}

std::vector<TraceEvent> CryptTarget::traceEvents() const
{
    return m_pipeline->trace().events();
}

bool CryptTarget::isAsync() const
{
    return m_pipeline->isAsync();
}

} // namespace cryptstack
