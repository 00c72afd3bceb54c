#pragma once

// The checks of a raw message head that llhttp 8 leaves to us, in one pass over its bytes.
//
// llhttp (built without LLHTTP_STRICT_MODE, as Debian ships it) tolerates a bare LF as a line
// end, a CR not followed by LF, obs-fold (a line starting with SP or HTAB, joined to the value
// before it), and NUL or other control bytes in field values. Every byte of a head is checked
// here once, 64 at a time: the byte classes of a block become bit masks, and the rules
// become operations on those masks (a CR's LF is the CR mask shifted by one). This replaced two
// walks over the same bytes — a scan for CR, LF and NUL, and a second one over each value for
// control bytes in llhttp's value callback — which together cost more instructions per request
// than anything else of ours (callgrind, tests/bench/RESULTS.md).

#include <cstddef>
#include <cstdint>

namespace fulcrum::proxy::http {

struct HeadScan {
    enum class Status { more, end, bad };
    Status status = Status::more;
    std::size_t end = 0;  // Status::end: the offset just past the LF of the blank line
};

// Checks the bytes [from, to) of the head that starts at `head`; the bytes before `from` were
// checked by earlier calls, and the rules that span bytes look back at them. Refused:
//   * a byte below 0x20 other than HTAB, CR and LF, and DEL (0x7F) — NUL included;
//   * a CR not followed by LF, an LF not preceded by CR;
//   * obs-fold: SP or HTAB right after an LF.
// The head ends at the first empty line that follows a non-empty one (llhttp skips empty lines
// before the start line); nothing after it is looked at.
HeadScan scan_head(const char* head, std::size_t from, std::size_t to);

namespace head_scan_detail {

// What a block of 64 bytes holds, one bit per byte (bit i: byte i).
struct Masks {
    std::uint64_t cr = 0;
    std::uint64_t lf = 0;
    std::uint64_t blank = 0;  // SP or HTAB
    std::uint64_t ctl = 0;    // below 0x20 but not HTAB, CR or LF; or DEL
    bool operator==(const Masks&) const = default;
};

// Byte by byte: where SSE2 is missing, and the reference the SSE2 masks are tested against.
Masks masks_portable(const unsigned char* block);
#if defined(__SSE2__)
Masks masks_sse2(const unsigned char* block);
#endif

}  // namespace head_scan_detail

}  // namespace fulcrum::proxy::http
