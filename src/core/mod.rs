//! The pure core: no browser, no I/O. Everything that decides — config
//! validation, the event model and its encodings, batching and splitting,
//! stack parsing, URL scrubbing, sessions, error dedup, metric logic — lives
//! here and is tested with plain `cargo test` on the host.

pub mod action;
pub mod attrs;
pub mod batch;
pub mod config;
pub mod dedup;
pub mod event;
#[cfg(feature = "faro")]
pub mod faro;
pub mod ids;
pub mod json;
pub mod meta;
#[cfg(feature = "otlp")]
pub mod otlp;
pub mod props;
pub mod rating;
pub mod rfc3339;
pub mod scrub;
pub mod session;
pub mod stack;
pub mod vitals;
pub mod wire;

#[cfg(all(test, feature = "serde", not(target_arch = "wasm32")))]
mod round_trip;
