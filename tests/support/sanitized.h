#pragma once

// Whether this build runs under AddressSanitizer (the asan preset), which makes every process
// several times slower: tests that wait for processes to start or answer scale their waits by
// kTimeScale, and budgets meant for a normal build are skipped. Detected from the compiler, so
// the preset needs no extra flag.
#if defined(__SANITIZE_ADDRESS__)
#define FULCRUM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FULCRUM_SANITIZED 1
#endif
#endif

namespace fulcrum::test_support {
#ifdef FULCRUM_SANITIZED
inline constexpr int kTimeScale = 4;
#else
inline constexpr int kTimeScale = 1;
#endif
}  // namespace fulcrum::test_support
