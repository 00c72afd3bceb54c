#include "proxy/http/head_scan.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fulcrum::proxy::http {

namespace head_scan_detail {

Masks masks_portable(const unsigned char* block) {
    Masks m;
    for (unsigned i = 0; i < 64; ++i) {
        const unsigned char b = block[i];
        const std::uint64_t bit = std::uint64_t{1} << i;
        if (b == '\r') {
            m.cr |= bit;
        } else if (b == '\n') {
            m.lf |= bit;
        } else if (b == ' ' || b == '\t') {
            m.blank |= bit;
        } else if (b < 0x20 || b == 0x7f) {
            m.ctl |= bit;
        }
    }
    return m;
}

namespace {
#if defined(__SSE2__)
// SSE2 is part of x86-64 itself, so every host this runs on has it (no CPU check). Inline in
// the scan: a call per block cost a third of the scan.
struct Masks16 {
    std::uint64_t cr, lf, blank, ctl, tab;
};

inline __attribute__((always_inline)) Masks16 classify16(const unsigned char* block) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    const auto mask = [](__m128i v) {
        return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(v)));
    };
    const __m128i tab = _mm_cmpeq_epi8(b, _mm_set1_epi8('\t'));
    // b <= 0x1F, unsigned: the minimum of b and 0x1F is b itself.
    const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(b, _mm_set1_epi8(0x1f)), b);
    const __m128i del = _mm_cmpeq_epi8(b, _mm_set1_epi8(0x7f));
    return {mask(_mm_cmpeq_epi8(b, _mm_set1_epi8('\r'))), mask(_mm_cmpeq_epi8(b, _mm_set1_epi8('\n'))),
            mask(_mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8(' ')), tab)), mask(_mm_or_si128(low, del)),
            mask(tab)};
}

inline __attribute__((always_inline)) Masks classify(const unsigned char* block) {
    const Masks16 a = classify16(block);
    const Masks16 b = classify16(block + 16);
    const Masks16 c = classify16(block + 32);
    const Masks16 d = classify16(block + 48);
    const auto join = [&](std::uint64_t Masks16::*part) {
        return a.*part | (b.*part << 16) | (c.*part << 32) | (d.*part << 48);
    };
    Masks m;
    m.cr = join(&Masks16::cr);
    m.lf = join(&Masks16::lf);
    m.blank = join(&Masks16::blank);
    m.ctl = join(&Masks16::ctl) & ~(m.cr | m.lf | join(&Masks16::tab));
    return m;
}
#else
inline Masks classify(const unsigned char* block) {
    return masks_portable(block);
}
#endif
}  // namespace

#if defined(__SSE2__)
Masks masks_sse2(const unsigned char* block) {
    return classify(block);
}
#endif

}  // namespace head_scan_detail

HeadScan scan_head(const char* head, std::size_t from, std::size_t to) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(head);
    // What the rules need of the bytes before `from`, as bits just below a block's bit 0:
    // whether the byte before is a CR and an LF (a pair split between calls, obs-fold), and which
    // of the four before are LFs (the end of the head). For that last test, bytes before the head
    // count as LFs: "an empty line before", so an empty line at the start is no end.
    std::uint64_t cr_before = 0;
    std::uint64_t lf_before = 0;
    std::uint64_t lf_history = 0xF;  // bit j: byte from - 4 + j is an LF (or before the head)
    if (from > 0) {
        cr_before = bytes[from - 1] == '\r' ? 1 : 0;
        lf_before = bytes[from - 1] == '\n' ? 1 : 0;
        for (std::size_t back = 1; back <= 4 && back <= from; ++back) {
            if (bytes[from - back] != '\n') lf_history &= ~(std::uint64_t{1} << (4 - back));
        }
    }
    for (std::size_t at = from; at < to; at += 64) {
        const std::size_t n = to - at < 64 ? to - at : 64;
        head_scan_detail::Masks m;
        if (n == 64) {
            m = head_scan_detail::classify(bytes + at);
        } else if (to >= 64) {
            // The last bytes: only the head's may be read, so the 64 that end where it ends, with
            // those already scanned shifted out.
            m = head_scan_detail::classify(bytes + to - 64);
            const auto seen = static_cast<unsigned>(64 - n);
            m.cr >>= seen;
            m.lf >>= seen;
            m.blank >>= seen;
            m.ctl >>= seen;
        } else {
            unsigned char block[64] = {};  // a short head: its zeros are masked off below
            std::memcpy(block, bytes + at, n);
            m = head_scan_detail::classify(block);
        }
        std::uint64_t valid = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
        // Bit i of each: byte i - 2, byte i - 4 is an LF.
        const std::uint64_t lf_minus2 = (m.lf << 2) | (lf_history >> 2);
        const std::uint64_t lf_minus4 = (m.lf << 4) | lf_history;
        const std::uint64_t end = m.lf & lf_minus2 & ~lf_minus4 & valid;
        if (end != 0) valid &= ((end & (0 - end)) << 1) - 1;  // up to the first end, inclusive
        const std::uint64_t after_cr = (m.cr << 1) | cr_before;
        const std::uint64_t after_lf = (m.lf << 1) | lf_before;
        // An LF without a CR before it or a CR without an LF after it; SP or HTAB starting a line.
        const std::uint64_t bad = ((m.lf ^ after_cr) | (after_lf & m.blank) | m.ctl) & valid;
        if (bad != 0) return {HeadScan::Status::bad, 0};
        if (end != 0) return {HeadScan::Status::end, at + static_cast<std::size_t>(__builtin_ctzll(end)) + 1};
        cr_before = m.cr >> 63;
        lf_before = m.lf >> 63;
        lf_history = m.lf >> 60;
    }
    return {HeadScan::Status::more, 0};
}

}  // namespace fulcrum::proxy::http
