//! The `alloc` types the std prelude would give us: the wasm build is
//! `no_std` (std's panic machinery drags `core::fmt` into the binary), the
//! host build is not, and this keeps one source for both.

#[allow(unused_imports)]
pub use alloc::boxed::Box;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;
