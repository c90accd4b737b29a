#include "Command.h"

namespace cryptstack::cli {

int exitCodeFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Ok:
        return 0;
    case ErrorCode::InvalidArgument:
    case ErrorCode::NotSupported:
    case ErrorCode::Corruption:
    case ErrorCode::IOError:
        return 1;
    case ErrorCode::WrongPassphrase:
    case ErrorCode::PermissionDenied:
        return 2;
    case ErrorCode::NoMemory:
        return 3;
    case ErrorCode::NoSuchDevice:
        return 4;
    case ErrorCode::Busy:
        return 5;
    }
    return 1;
}

int CliContext::fail(const Status& status)
{
    m_console.error(status.message());
    return exitCodeFor(status.code());
}

} // namespace cryptstack::cli
