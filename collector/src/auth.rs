//! Keys: who may send, who may read, who may administer.
//!
//! - the ingest key (`--ingest-key`) rides in `?key=` on `POST /collect`
//!   (`sendBeacon` cannot set headers);
//! - the admin key (`--admin-key`) is sent as `Authorization: Bearer KEY` on
//!   upload and delete endpoints (source maps): never the public ingest key,
//!   which every visitor's browser holds.
//!
//! Keys are compared in constant time and never logged.

use axum::http::{header, HeaderMap};

/// Constant-time comparison, so a key cannot be guessed byte by byte.
pub fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// Whether the request carries `key` as its bearer token.
pub fn has_bearer(headers: &HeaderMap, key: &str) -> bool {
    bearer(headers).is_some_and(|t| same_key(t, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer s3cret"));
        assert_eq!(bearer(&h), Some("s3cret"));
        assert!(has_bearer(&h, "s3cret"));
        assert!(!has_bearer(&h, "s3cre"));
        assert!(!has_bearer(&h, "s3cret2"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer  s3cret "));
        assert!(has_bearer(&h, "s3cret"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic s3cret"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn constant_time_compare_is_exact() {
        assert!(same_key("", ""));
        assert!(same_key("abc", "abc"));
        assert!(!same_key("abc", "abd"));
        assert!(!same_key("abc", "ab"));
    }
}
