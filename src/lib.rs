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
        clippy::cast_possible_wrap
    )
)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;
