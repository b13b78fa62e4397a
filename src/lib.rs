//! rum-agent: a Real User Monitoring agent for the browser.
//!
//! `core` is pure Rust (host-tested); `web` is the thin browser edge, compiled
//! only for wasm32. See ARCHITECTURE.md for the codemap and invariants.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap,
        clippy::string_slice
    )
)]
// The wasm build is no_std: std's panic handler formats messages, and that
// pulls `core::fmt` (kilobytes) into every binary. Tests of the browser edge
// link std themselves and enable the `std` feature.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

// The `unsafe impl Sync` statics of `web` (RUNNING, PENDING, the page cell,
// the idle options) and the `AssumeSingleThreaded` allocator below are sound
// only because wasm32 without the `atomics` target feature has one thread. A
// threaded build must fail here rather than compile into unsoundness.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!(
    "rum-agent assumes a single thread (unsafe impl Sync statics, AssumeSingleThreaded allocator): \
     build it without the wasm `atomics` target feature"
);

pub mod core;
mod prelude;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod wasm_rt {
    /// No unwinding, no message: the agent is built never to panic (clippy
    /// denies every panicking construct); if it ever does, trapping is what
    /// `panic = "abort"` would do, minus the formatting machinery.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        core::arch::wasm32::unreachable()
    }

    // SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
    #[global_allocator]
    static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
        unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
}
