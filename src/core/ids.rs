//! Identifiers from random bytes (the edge supplies them from
//! `crypto.getRandomValues`, falling back to `Math.random`).

#[allow(unused_imports)]
use crate::prelude::*;

use super::json::hex_digit;

/// Lowercase hex, two characters per byte: W3C trace ids (16 bytes) and span
/// ids (8 bytes) are exactly this.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(hex_digit(u32::from(b >> 4)));
        s.push(hex_digit(u32::from(b & 0xf)));
    }
    s
}

/// A W3C trace id or span id must not be all zeros.
pub fn valid_trace_bytes(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| *b != 0)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #[test]
    fn hex() {
        assert_eq!(super::hex(&[0, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert!(!super::valid_trace_bytes(&[0; 8]));
    }
}
