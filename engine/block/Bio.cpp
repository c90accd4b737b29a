#include "Bio.h"

namespace cryptstack {

const char* bioStatusText(BioStatus status)
{
    switch (status) {
    case BioStatus::Ok:
        return "success";
    case BioStatus::IoError:
        return "I/O error";
    case BioStatus::NotSupported:
        return "operation not supported";
    case BioStatus::OutOfRange:
        return "access beyond end of device";
    case BioStatus::ReadOnly:
        return "write to a read-only device";
    }
    return "unknown status";
}

const char* bioOpName(BioOp op)
{
    switch (op) {
    case BioOp::Read:
        return "read";
    case BioOp::Write:
        return "write";
    case BioOp::Flush:
        return "flush";
    case BioOp::Discard:
        return "discard";
    }
    return "unknown";
}

bool BioCompletionGroup::pieceDone(BioStatus status, uint64_t failedSector)
{
    if (status != BioStatus::Ok) {
        std::lock_guard lock(m_errorMutex);
        if (m_status == BioStatus::Ok || failedSector < m_errorSector) {
            m_status = status;
            m_errorSector = failedSector;
        }
    }
    // acq_rel: the last finisher must see the status written by every piece that failed.
    return m_remaining.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

} // namespace cryptstack
