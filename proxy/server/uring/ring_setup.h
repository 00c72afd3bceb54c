#pragma once

// The io_uring ring every loop of the io_uring copy runs on, and the probe that decides whether
// this host can run that copy at all. Compiled once, outside both copies of the proxy (their
// names are renamed, these are not): the epoll copy's command asks the probe, the io_uring
// copy's Asio creates its rings through fulcrum_io_uring_queue_init.

#include <string>

struct io_uring;

namespace fulcrum_io_shared {

// Empty when a ring with the flags the loops need can be created here; otherwise why not,
// in words a person can act on (a seccomp filter or kernel.io_uring_disabled, a kernel
// without io_uring or older than 5.19).
std::string io_uring_unavailable_reason();

}  // namespace fulcrum_io_shared

// Asio 1.22 creates its ring with io_uring_queue_init(entries, ring, 0); the io_uring copy is
// compiled with that name replaced by this one, which adds IORING_SETUP_COOP_TASKRUN |
// IORING_SETUP_TASKRUN_FLAG. Without them every completion's task_work interrupts the loop
// thread with an IPI, which on a paravirtualised VM cost more than epoll saved
// (tests/bench/RESULTS.md, "Asio on io_uring").
extern "C" int fulcrum_io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags);
