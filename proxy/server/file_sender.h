#pragma once

// FileSender: sendfile() run by the event loop. The proxy is compiled twice (proxy/CMakeLists.txt, PRINCIPLES.md "Event loop"):
// on Asio's epoll reactor, whose internals these operations reach into, and on io_uring,
// where the same interface runs on Asio's own ring operations.
#if defined(FULCRUM_IO_URING)
#include "proxy/server/uring/file_sender.h"
#else
#include "proxy/server/epoll/file_sender.h"
#endif
