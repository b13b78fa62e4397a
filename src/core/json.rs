//! A tiny JSON writer.
//!
//! Why not serde_json: in the wasm build it pulls in `core::fmt` and float
//! formatting machinery worth several kilobytes brotli, more than the rest of
//! the agent's encoding put together. The agent only ever *writes* JSON, with
//! a fixed set of shapes, so a writer that appends to a `String` is enough.
//! Nothing here allocates beyond the output buffer and nothing can panic.

#[allow(unused_imports)]
use crate::prelude::*;

/// Appends JSON tokens to a buffer. The caller is responsible for calling the
/// methods in a valid order; `begin`/`end` pairs and `key` handle commas.
#[derive(Default, Debug, Clone)]
pub struct Json {
    pub buf: String,
    // true right after `{`, `[` or a key: the next value needs no comma.
    fresh: bool,
}

impl Json {
    pub fn new() -> Self {
        Json { buf: String::new(), fresh: true }
    }

    pub fn with_capacity(n: usize) -> Self {
        Json { buf: String::with_capacity(n), fresh: true }
    }

    fn sep(&mut self) {
        if !self.fresh {
            self.buf.push(',');
        }
        self.fresh = false;
    }

    pub fn obj(&mut self) -> &mut Self {
        self.sep();
        self.buf.push('{');
        self.fresh = true;
        self
    }

    pub fn arr(&mut self) -> &mut Self {
        self.sep();
        self.buf.push('[');
        self.fresh = true;
        self
    }

    pub fn end_obj(&mut self) -> &mut Self {
        self.buf.push('}');
        self.fresh = false;
        self
    }

    pub fn end_arr(&mut self) -> &mut Self {
        self.buf.push(']');
        self.fresh = false;
        self
    }

    /// Writes `"k":` — the next value call fills it.
    pub fn key(&mut self, k: &str) -> &mut Self {
        self.sep();
        write_str(&mut self.buf, k);
        self.buf.push(':');
        self.fresh = true;
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.sep();
        write_str(&mut self.buf, s);
        self
    }

    /// A pre-encoded JSON value (an already encoded event, say).
    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.sep();
        self.buf.push_str(s);
        self
    }

    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.sep();
        self.buf.push_str(if b { "true" } else { "false" });
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.push_str("null");
        self
    }

    pub fn uint(&mut self, n: u64) -> &mut Self {
        self.sep();
        write_u64(&mut self.buf, n);
        self
    }

    /// A number with at most `decimals` fraction digits (trailing zeros
    /// trimmed). Non-finite values become `null`, the only valid JSON for them.
    pub fn num(&mut self, v: f64, decimals: u32) -> &mut Self {
        self.sep();
        write_f64(&mut self.buf, v, decimals);
        self
    }

    // Convenience `key + value` pairs: they make encoders read like the wire format.
    pub fn kstr(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k).str(v)
    }
    pub fn kstr_opt(&mut self, k: &str, v: &str) -> &mut Self {
        if !v.is_empty() {
            self.key(k).str(v);
        }
        self
    }
    pub fn knum(&mut self, k: &str, v: f64, decimals: u32) -> &mut Self {
        self.key(k).num(v, decimals)
    }
    pub fn kuint(&mut self, k: &str, v: u64) -> &mut Self {
        self.key(k).uint(v)
    }
    pub fn kbool(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k).bool(v)
    }
    /// Time in milliseconds: one decimal is exactly the 0.1 ms resolution browsers expose.
    pub fn kms(&mut self, k: &str, v: f64) -> &mut Self {
        self.key(k).num(v, 1)
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

pub fn write_str(buf: &mut String, s: &str) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            // U+2028/2029 are valid JSON but break some JS eval-based parsers.
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                buf.push_str("\\u");
                let n = c as u32;
                for shift in [12u32, 8, 4, 0] {
                    buf.push(hex_digit((n >> shift) & 0xf));
                }
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

pub fn hex_digit(n: u32) -> char {
    char::from_digit(n & 0xf, 16).unwrap_or('0')
}

pub fn write_u64(buf: &mut String, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i = i.saturating_sub(1);
        if let Some(slot) = tmp.get_mut(i) {
            // n % 10 < 10, so the narrowing is exact.
            *slot = b'0' + u8::try_from(n % 10).unwrap_or(0);
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &b in tmp.get(i..).unwrap_or(&[]) {
        buf.push(char::from(b));
    }
}

/// Byte offset of `needle` in `hay`. A plain scan: `str::find` with a `&str`
/// pattern brings the two-way searcher (kilobytes of wasm) for strings that
/// are a few dozen bytes long. Offsets of a UTF-8 needle in UTF-8 text are
/// always char boundaries.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `s.rsplit_once(b)` for an ASCII byte. The `char` pattern's reverse
/// searcher is ~0.6 KB of wasm; an ASCII byte's offset is a char boundary.
pub fn rsplit_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = last_byte(s, |x| x == b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s.trim_end_matches(b)` for an ASCII byte (see `rsplit_once_byte`).
pub fn trim_end_byte(s: &str, b: u8) -> &str {
    s.get(..last_byte(s, |x| x != b).map_or(0, |i| i + 1)).unwrap_or(s)
}

/// Offset of the last byte of `s` that `hit`s.
fn last_byte(s: &str, hit: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = s.len();
    while i > 0 {
        i -= 1;
        if s.as_bytes().get(i).is_some_and(|x| hit(*x)) {
            return Some(i);
        }
    }
    None
}

/// Largest integer f64 represents exactly; above it we print the integer part only.
const EXACT: f64 = 9_007_199_254_740_992.0;

pub fn write_f64(buf: &mut String, v: f64, decimals: u32) {
    if !v.is_finite() {
        buf.push_str("null");
        return;
    }
    let decimals = decimals.min(9);
    let scale = 10u64.pow(decimals);
    let scaled = round(v.abs() * f64_from_u64(scale));
    if scaled >= EXACT {
        // Far beyond any timing or size we send: print the rounded integer part.
        if v < 0.0 {
            buf.push('-');
        }
        write_u64(buf, f64_to_u64(round(v.abs())));
        return;
    }
    let n = f64_to_u64(scaled);
    if n == 0 {
        buf.push('0');
        return;
    }
    if v < 0.0 {
        buf.push('-');
    }
    write_u64(buf, n / scale);
    let mut frac = n % scale;
    if frac == 0 {
        return;
    }
    buf.push('.');
    let mut div = scale / 10;
    while frac > 0 && div > 0 {
        let d = frac / div;
        buf.push(char::from(b'0' + u8::try_from(d).unwrap_or(0)));
        frac -= d * div;
        div /= 10;
    }
}

/// Saturating f64 → u64 (negative and NaN give 0). The one audited place
/// where a float becomes an integer.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn f64_to_u64(v: f64) -> u64 {
    if v.is_nan() || v <= 0.0 {
        0
    } else {
        v as u64
    }
}

/// `f64::round` (half away from zero) without std: `core` has no libm.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
pub fn round(v: f64) -> f64 {
    if !v.is_finite() || v.abs() >= EXACT {
        return v;
    }
    let t = v as i64 as f64; // truncates toward zero; exact below 2^53
    let d = v - t;
    if d >= 0.5 {
        t + 1.0
    } else if d <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// True when `v` is a whole number.
pub fn is_integer(v: f64) -> bool {
    v.is_finite() && round(v) == v
}

#[allow(clippy::cast_precision_loss)]
pub fn f64_from_u64(v: u64) -> f64 {
    v as f64
}

/// Decimal digits (surrounding whitespace allowed) as a u64; None for
/// anything else or on overflow. One parser for headers and stored lines:
/// each `str::parse::<uN>` is its own copy in the wasm.
pub fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn byte_helpers_match_str_methods() {
        for s in ["", "/", "a/b/c", "x://h/p///", "no-slash", "é/ü/", "//"] {
            assert_eq!(rsplit_once_byte(s, b'/'), s.rsplit_once('/'), "{s:?}");
            assert_eq!(trim_end_byte(s, b'/'), s.trim_end_matches('/'), "{s:?}");
        }
    }

    #[test]
    fn parse_u64_digits_only() {
        assert_eq!(parse_u64(" 120 "), Some(120));
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64("18446744073709551616"), None);
        for bad in ["", " ", "-1", "1.5", "12a", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
    }

    fn f(v: f64, d: u32) -> String {
        let mut s = String::new();
        write_f64(&mut s, v, d);
        s
    }

    #[test]
    fn numbers() {
        assert_eq!(f(0.0, 1), "0");
        assert_eq!(f(-0.0, 1), "0");
        assert_eq!(f(1234.5678, 1), "1234.6");
        assert_eq!(f(1234.04, 1), "1234");
        assert_eq!(f(0.123456, 4), "0.1235");
        assert_eq!(f(0.05, 4), "0.05");
        assert_eq!(f(-12.25, 2), "-12.25");
        assert_eq!(f(-0.00001, 2), "0");
        assert_eq!(f(f64::NAN, 2), "null");
        assert_eq!(f(f64::INFINITY, 2), "null");
        assert_eq!(f(1.0e300, 2), "18446744073709551615");
        assert_eq!(f(1_700_000_000_123.4, 1), "1700000000123.4");
        assert_eq!(f(7.0, 0), "7");
    }

    #[test]
    fn strings_escape() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}\u{2028}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001\\u2028é\"");
    }

    #[test]
    fn round_matches_std() {
        for v in [0.0, 0.49, 0.5, 1.5, 2.5, -0.5, -1.49, -2.5, 1e15 + 0.5, 123456.789, f64::NAN, 1e300] {
            let (a, b) = (round(v), v.round());
            assert!(a == b || (a.is_nan() && b.is_nan()), "{v}: {a} vs {b}");
        }
        assert!(is_integer(3.0) && !is_integer(3.5) && !is_integer(f64::NAN));
    }

    #[test]
    fn find_matches_std() {
        for (h, n) in [("abc", "bc"), ("abc", "x"), ("", ""), ("aé://b", "://"), ("aaa", "aa"), ("x", "xy")] {
            assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
        }
    }

    #[test]
    fn structure() {
        let mut j = Json::new();
        j.obj().kstr("a", "x").key("b").arr().uint(1).uint(2).end_arr().kbool("c", true).end_obj();
        assert_eq!(j.finish(), r#"{"a":"x","b":[1,2],"c":true}"#);
    }

    proptest::proptest! {
        #[test]
        fn floats_parse_back(v in -1.0e12f64..1.0e12, d in 0u32..6) {
            let s = f(v, d);
            let back: f64 = s.parse().unwrap();
            let tol = 0.5 * 10f64.powi(-(d as i32)) + 1e-9 * v.abs();
            proptest::prop_assert!((back - v).abs() <= tol, "{} -> {}", v, s);
        }
    }
}
