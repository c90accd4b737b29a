// cryptstack benchmark: cryptsetup benchmark's table — PBKDF2 iterations per second, Argon2
// parameters for the time target, and cipher throughput measured in-process with the engine's own
// cipher code (1 MiB buffers in 4 KiB units, each direction for a short fixed time). --pbkdf X or
// -h HASH limits it to one KDF line, -c CIPHER [-s BITS] to one cipher row. Unlike cryptsetup,
// --pbkdf pbkdf2 without -h measures sha256 instead of printing "PBKDF2-(null) N/A".
#include "CommandTable.h"
#include "VolumeOptions.h"
#include "formats/CipherBenchmark.h"
#include "formats/CipherNames.h"
#include "formats/Pbkdf.h"

namespace cryptstack::cli {

namespace {

class BenchmarkCommand final : public CryptCommand
{
public:
    QString name() const override { return QStringLiteral("benchmark"); }
    QString synopsis() const override { return QString(); }
    QString summary() const override
    {
        return QStringLiteral("PBKDF and cipher speeds, in cryptsetup's table");
    }
    QList<OptionSpec> verbOptions() const override
    {
        return VolumeOptionSpecs::pbkdf() +
               QList<OptionSpec>{{QStringLiteral("cipher"), u'c', QStringLiteral("SPEC"),
                                  QStringLiteral("only this cipher")},
                                 {QStringLiteral("key-size"), u's', QStringLiteral("BITS"),
                                  QStringLiteral("key size (default 256)")},
                                 {QStringLiteral("hash"), u'h', QStringLiteral("HASH"),
                                  QStringLiteral("only PBKDF2 with this hash")}};
    }
    Status execute(CryptContext& context) override
    {
        const ArgParser& arguments = context.arguments();
        if (Status status = expectPositionals(arguments, 0, 0); !status)
            return status;
        auto bits = numberOption(arguments, QStringLiteral("key-size"), 256);
        if (!bits)
            return bits.status();
        if (*bits % 8 || *bits == 0)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("Key size must be a multiple of 8 bits"));
        const size_t keyBytes = static_cast<size_t>(*bits / 8);
        Console& console = context.console();
        console.printLine(QStringLiteral("# Tests are approximate using memory only (no storage IO)."));
        const QString pbkdf = arguments.value(QStringLiteral("pbkdf")).toLower();
        if (!pbkdf.isEmpty() || arguments.isSet(QStringLiteral("hash"))) {
            const QString hash = arguments.isSet(QStringLiteral("hash"))
                                     ? arguments.value(QStringLiteral("hash")).toLower()
                                     : QStringLiteral("sha256");
            return kdfLine(context, pbkdf.isEmpty() ? QStringLiteral("pbkdf2") : pbkdf, hash, keyBytes);
        }
        if (arguments.isSet(QStringLiteral("cipher")))
            return oneCipher(context, arguments.value(QStringLiteral("cipher")), keyBytes);
        for (const char* hash : {"sha1", "sha256", "sha512", "ripemd160", "whirlpool"})
            (void)kdfLine(context, QStringLiteral("pbkdf2"), QString::fromLatin1(hash), keyBytes);
        (void)kdfLine(context, QStringLiteral("argon2i"), {}, keyBytes);
        (void)kdfLine(context, QStringLiteral("argon2id"), {}, keyBytes);
        console.printLine(QStringLiteral("#     Algorithm |       Key |      Encryption |      Decryption"));
        for (const CipherBenchmarkRow& row : CipherBenchmark::standardRows()) {
            const auto speed = CipherBenchmark::measure(row);
            if (speed)
                console.print(QString::asprintf("%15s  %9zub  %10.1f MiB/s  %10.1f MiB/s\n",
                                                qPrintable(row.label()), row.keyBytes * 8,
                                                speed->encryptMiBps, speed->decryptMiBps));
            else
                console.print(QString::asprintf("%15s  %9zub %17s %17s\n", qPrintable(row.label()),
                                                row.keyBytes * 8, "N/A", "N/A"));
        }
        return Status::ok();
    }

private:
    Status kdfLine(CryptContext& context, const QString& type, const QString& hash, size_t keyBytes)
    {
        Console& console = context.console();
        if (type == u"pbkdf2") {
            auto perSecond = Pbkdf::pbkdf2IterationsPerSecond(hash, keyBytes);
            if (!perSecond) {
                console.print(QString::asprintf("PBKDF2-%-9s     N/A\n", qPrintable(hash)));
                return silentFailure(ErrorCode::InvalidArgument);
            }
            console.print(QString::asprintf("PBKDF2-%-9s %7llu iterations per second for %zu-bit key\n",
                                            qPrintable(hash), static_cast<unsigned long long>(*perSecond),
                                            keyBytes * 8));
            return Status::ok();
        }
        auto request = kdfRequestOption(context.arguments());
        if (!request)
            return request.status();
        request->type = type;
        request->hash.clear();
        auto params = Pbkdf::resolve(*request, type, QStringLiteral("sha256"), keyBytes);
        if (!params) {
            console.print(QString::asprintf("%-10s N/A\n", qPrintable(type)));
            return silentFailure(ErrorCode::InvalidArgument);
        }
        console.print(
            QString::asprintf("%-10s %4u iterations, %5u memory, %1u parallel threads (CPUs) for %zu-bit key "
                              "(requested %u ms time)\n",
                              qPrintable(type), params->iterations, params->memoryKiB, params->parallel,
                              keyBytes * 8, request->iterTimeMs));
        return Status::ok();
    }

    Status oneCipher(CryptContext& context, const QString& spec, size_t keyBytes)
    {
        const auto parts = CipherNames::split(spec);
        if (!parts)
            return Status(ErrorCode::InvalidArgument,
                          QStringLiteral("No known cipher specification pattern detected."));
        const QString cipher = parts->cipher;
        const QString mode = parts->mode.section(u'-', 0, 0);
        const auto speed = CipherBenchmark::measure({cipher, mode, keyBytes});
        if (!speed)
            return Status(
                ErrorCode::InvalidArgument,
                QStringLiteral("Cipher %1 (with %2 bits key) is not available.").arg(spec).arg(keyBytes * 8));
        const int width = std::max<int>(11, static_cast<int>(cipher.size() + mode.size() + 1));
        Console& console = context.console();
        console.print(QString::asprintf("#%*s Algorithm |       Key |      Encryption |      Decryption\n",
                                        width - 11, ""));
        console.print(QString::asprintf(
            "%*s-%s  %9zub  %10.1f MiB/s  %10.1f MiB/s\n", width - static_cast<int>(mode.size()) - 1,
            qPrintable(cipher), qPrintable(mode), keyBytes * 8, speed->encryptMiBps, speed->decryptMiBps));
        return Status::ok();
    }
};

} // namespace

std::unique_ptr<Command> makeBenchmarkCommand()
{
    return std::make_unique<BenchmarkCommand>();
}

} // namespace cryptstack::cli
