#include "ChildProcess.h"

#include <QFile>

#include <chrono>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace cryptstack::perf {

ChildRun runChild(const QString& program, const QStringList& arguments, const QString& stdinPath)
{
    ChildRun run;
    std::vector<QByteArray> words{program.toLocal8Bit()};
    for (const QString& argument : arguments)
        words.push_back(argument.toLocal8Bit());
    std::vector<char*> argv;
    for (QByteArray& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);

    char errorPath[] = "/tmp/cryptstack-perf-stderr.XXXXXX";
    const int errorFd = mkstemp(errorPath);
    if (errorFd < 0) {
        run.errorText = QStringLiteral("cannot create a file for the child's stderr");
        return run;
    }
    unlink(errorPath);
    const QByteArray input = stdinPath.isEmpty() ? QByteArrayLiteral("/dev/null") : stdinPath.toLocal8Bit();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, input.constData(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, errorFd, 2);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        close(errorFd);
        run.errorText = QStringLiteral("cannot start %1").arg(program);
        return run;
    }
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.maxRssKiB = usage.ru_maxrss;
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (run.exitCode != 0) {
        QFile errors;
        lseek(errorFd, 0, SEEK_SET);
        if (errors.open(errorFd, QIODevice::ReadOnly))
            run.errorText = QString::fromLocal8Bit(errors.readAll()).trimmed().right(400);
    }
    close(errorFd);
    return run;
}

} // namespace cryptstack::perf
