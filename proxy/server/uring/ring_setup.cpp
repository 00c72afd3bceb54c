#include "proxy/server/uring/ring_setup.h"

#include <liburing.h>

#include <cerrno>
#include <cstring>

namespace {

constexpr unsigned kLoopRingFlags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;

// Asio asks for 16,384 entries per ring (~1.5 MiB of submission and completion queues). For an
// account without CAP_IPC_LOCK the kernel charges ring memory to RLIMIT_MEMLOCK, 8 MiB by
// default and shared by all the account's processes: five such rings and the sixth failed
// with ENOMEM (a proxy has one per loop thread plus four). 512 entries (~52 KiB) leave room for
// 64 threads; a full submission queue is submitted early by Asio, and completions beyond the
// completion queue wait in the kernel's overflow list (IORING_FEAT_NODROP), not lost.
constexpr unsigned kMaxLoopRingEntries = 512;

}  // namespace

extern "C" int fulcrum_io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags) {
    return io_uring_queue_init(entries < kMaxLoopRingEntries ? entries : kMaxLoopRingEntries, ring,
                               flags | kLoopRingFlags);
}

namespace fulcrum_io_shared {

std::string io_uring_unavailable_reason() {
    io_uring ring{};
    const int result = io_uring_queue_init(8, &ring, kLoopRingFlags);
    if (result == 0) {
        io_uring_queue_exit(&ring);
        return {};
    }
    switch (-result) {
    case ENOSYS:
        return "this kernel has no io_uring (io_uring_setup: ENOSYS)";
    case ENOMEM:
        return "io_uring rings do not fit in this account's locked-memory limit (io_uring_setup: ENOMEM; "
               "see ulimit -l)";
    case EPERM:
        return "io_uring is switched off here (io_uring_setup: EPERM — a container's seccomp filter, "
               "or the sysctl kernel.io_uring_disabled)";
    case EINVAL:
        return "this kernel is older than 5.19 (io_uring_setup rejects IORING_SETUP_COOP_TASKRUN: EINVAL)";
    default:
        return std::string("io_uring_setup failed: ") + std::strerror(-result);
    }
}

}  // namespace fulcrum_io_shared
