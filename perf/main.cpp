// cryptstack-perf: the benchmark suite scripts/bench runs (not part of scripts/test).
//   cryptstack-perf [--dir DIR] [--image-mib N] [--volume-mib N] [--seconds S] [--repeats N]
//                   [--quick] [--report FILE]
#include "PerfReport.h"
#include "PerfSuite.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QTextStream>

using namespace cryptstack::perf;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("CryptStack's side-by-side benchmark"));
    parser.addHelpOption();
    const QString tmpfs = QStringLiteral("/dev/shm");
    const QCommandLineOption dir(
        QStringLiteral("dir"), QStringLiteral("scratch directory (default: /dev/shm, a tmpfs)"),
        QStringLiteral("DIR"), QFileInfo(tmpfs).isWritable() ? tmpfs : QDir::tempPath());
    const QCommandLineOption imageMiB(QStringLiteral("image-mib"), QStringLiteral("workload image size"),
                                      QStringLiteral("MIB"), QStringLiteral("1024"));
    const QCommandLineOption volumeMiB(QStringLiteral("volume-mib"),
                                       QStringLiteral("volume copied for peak memory"), QStringLiteral("MIB"),
                                       QStringLiteral("4096"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("length of each workload run"),
                                     QStringLiteral("S"), QStringLiteral("2"));
    const QCommandLineOption repeats(QStringLiteral("repeats"),
                                     QStringLiteral("runs per configuration (median)"), QStringLiteral("N"),
                                     QStringLiteral("3"));
    const QCommandLineOption quick(QStringLiteral("quick"),
                                   QStringLiteral("skip the peer, memory and unlock rows"));
    const QCommandLineOption report(QStringLiteral("report"),
                                    QStringLiteral("rewrite the measured part of this Markdown file"),
                                    QStringLiteral("FILE"));
    parser.addOptions({dir, imageMiB, volumeMiB, seconds, repeats, quick, report});
    parser.process(app);

    QTextStream err(stderr);
    const auto positive = [&](const QCommandLineOption& option, double minimum) {
        bool ok = false;
        const double value = parser.value(option).toDouble(&ok);
        if (!ok || value < minimum) {
            err << "cryptstack-perf: --" << option.names().first() << " must be a number ≥ " << minimum
                << "\n";
            std::exit(1);
        }
        return value;
    };
    PerfOptions options;
    options.workDir = QDir(parser.value(dir)).filePath(QStringLiteral("cryptstack-perf"));
    options.cryptstackBinary = QStringLiteral(CRYPTSTACK_BINARY);
    options.imageMiB = static_cast<uint64_t>(positive(imageMiB, 16));
    options.volumeMiB = static_cast<uint64_t>(positive(volumeMiB, 16));
    options.secondsPerRun = positive(seconds, 0.1);
    options.repeats = static_cast<int>(positive(repeats, 1));
    options.quick = parser.isSet(quick);

    PerfSuite suite(options, [&](const QString& line) {
        err << "cryptstack-perf: " << line << "\n";
        err.flush();
    });
    const PerfResults results = suite.run();
    QDir(options.workDir).removeRecursively();
    const QString text = renderReport(results);
    QTextStream(stdout) << text;
    if (parser.isSet(report) && !writeReportInto(parser.value(report), text)) {
        err << "cryptstack-perf: cannot write " << parser.value(report) << "\n";
        return 1;
    }
    return results.problems.isEmpty() ? 0 : 1;
}
