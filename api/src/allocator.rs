//! The global allocator's settings for a long-running server: what `rsdk serve` runs with, and
//! the in-process benchmarks with it, so that their figures are the server's.

/// mimalloc's `purge_delay` option (`mi_option_purge_delay` in mimalloc.h).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// How long freed memory stays with the allocator before going back to the system.
const PURGE_DELAY_MS: std::os::raw::c_long = 100;
/// mimalloc's `allow_thp` option (`mi_option_allow_thp` in mimalloc.h).
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

/// Sets mimalloc's options for a long-running server, each unless its `MIMALLOC_*` environment
/// variable sets it (mimalloc reads those at load, before `main`):
/// - `MIMALLOC_PURGE_DELAY=100`: memory a burst freed (a compaction, a large read) goes back to
///   the system after 100 ms unused. mimalloc's default (1 s) let a thread that then went idle
///   (most of tokio's blocking pool, before it was bounded) keep it: the soak's resident memory
///   stayed at its peak (640 MiB at 150 s, 371 MiB once idle) instead of following the working
///   set (346 MiB peak, 261 MiB idle with 0). But at 0 every large read gives its buffers back
///   and faults them in again: a series read of a running 1,000,000-point run took 54 ms against
///   20 ms at 100 (and 45 ms at 10), for 191 MiB of peak soak memory against 160 MiB at 0
///   (bench/RESULTS.md, eighteenth session).
/// - `MIMALLOC_ALLOW_THP=0`: no transparent huge pages. With them (Linux's `madvise` mode, which
///   mimalloc opts into) memory is committed and purged 2 MiB at a time, so a huge page that
///   holds one live object stays resident: without them the 10-minute soak's peak fell from
///   365 to 233 MiB and its last minute's median from 311 to 217 MiB (bench/RESULTS.md, tenth
///   session). The process flag covers what mimalloc mapped before `main`.
///
/// Call it first thing in `main`, before any other thread exists.
#[allow(unsafe_code)]
pub fn tune() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists (options are
        // not thread-safe); 15 is the option's number in the mimalloc (v3) that
        // libmimalloc-sys builds.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: as above; 43 is `allow_thp`'s number there.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ALLOW_THP, 0) };
        #[cfg(target_os = "linux")]
        if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
            eprintln!("rsdk: cannot turn transparent huge pages off ({error}); memory use may be higher");
        }
    }
}
