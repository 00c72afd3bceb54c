#pragma once

#include <asio/buffer.hpp>

namespace fulcrum::proxy::server {

// Where a lazy read lands; asked for only once the socket is readable (on the loop thread,
// inside the event loop's completion, so it must not block or re-enter the socket).
class ReadTarget {
public:
    virtual asio::mutable_buffer prepare() = 0;  // room to read into, not empty
    virtual void unused() = 0;                   // the read found nothing after all: give it back

protected:
    ~ReadTarget() = default;
};

}  // namespace fulcrum::proxy::server
