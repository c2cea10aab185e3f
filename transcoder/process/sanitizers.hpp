#pragma once
// Whether this build runs under a sanitizer whose runtime changes what a process may be limited to
// (scripts/build-sanitize). GCC says so with __SANITIZE_*__, clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define FESTIVAL_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FESTIVAL_ADDRESS_SANITIZER 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define FESTIVAL_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FESTIVAL_THREAD_SANITIZER 1
#endif
#endif
