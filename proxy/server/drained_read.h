#pragma once

// DrainedReader: socket reads that spare the loop a syscall per wait. The proxy is compiled twice (proxy/CMakeLists.txt, PRINCIPLES.md "Event loop"):
// on Asio's epoll reactor, whose internals these operations reach into, and on io_uring,
// where the same interface runs on Asio's own ring operations.
#if defined(FULCRUM_IO_URING)
#include "proxy/server/uring/drained_read.h"
#else
#include "proxy/server/epoll/drained_read.h"
#endif
