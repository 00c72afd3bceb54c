#pragma once

// Included by every io_uring-only header: they are only meaningful in the io_uring copy of the
// proxy (proxy/CMakeLists.txt), whose Asio runs on the ring instead of epoll.

#include <asio/detail/config.hpp>
#include <asio/detail/io_uring_service.hpp>
#include <asio/version.hpp>

#if !defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#error "proxy/server/uring/ is for the io_uring copy of the proxy (ASIO_HAS_IO_URING + ASIO_DISABLE_EPOLL)"
#endif

// ring_setup.cpp stands in for the io_uring_queue_init() call in Asio 1.22.1's
// io_uring_service::init_ring() (the copy is compiled with io_uring_queue_init renamed):
// another Asio may create its ring elsewhere or differently — read its io_uring_service.ipp
// before moving this on.
static_assert(ASIO_VERSION == 102201, "the io_uring copy's ring set-up is written against Asio 1.22.1");

// The copy must be built against the patched io_uring_service (proxy/CMakeLists.txt): without it,
// cancelling an operation corrupts other connections' reads.
#if !defined(FULCRUM_ASIO_IO_URING_CANCEL_FIXED)
#error "the io_uring copy must include proxy/server/uring/asio-1.22.1-io_uring-cancel.patch's Asio files"
#endif
