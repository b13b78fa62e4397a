//! Sessions: one id across page views until 30 minutes without activity or 4
//! hours in all (the industry's common definition: GA, Datadog, Faro), with
//! the sampling decision made once per session so a session is either fully
//! in or fully out.
//!
//! Stored as `id|start|last|sampled` (localStorage when the page allows it;
//! the edge falls back to memory when storage is blocked).

#[allow(unused_imports)]
use crate::prelude::*;

use super::json::{f64_to_u64, write_u64};

pub const INACTIVITY_MS: f64 = 30.0 * 60.0 * 1000.0;
pub const MAX_DURATION_MS: f64 = 4.0 * 60.0 * 60.0 * 1000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub start: f64,
    pub last: f64,
    pub sampled: bool,
}

impl Session {
    pub fn parse(s: &str) -> Option<Session> {
        let mut it = s.split('|');
        let id = it.next()?;
        let start = parse_ms(it.next()?)?;
        let last = parse_ms(it.next()?)?;
        let sampled = match it.next()? {
            "1" => true,
            "0" => false,
            _ => return None,
        };
        if id.is_empty() || id.len() > 64 || it.next().is_some() {
            return None;
        }
        Some(Session { id: id.to_string(), start, last, sampled })
    }

    pub fn serialize(&self) -> String {
        let mut s = String::with_capacity(48);
        s.push_str(&self.id);
        s.push('|');
        write_u64(&mut s, f64_to_u64(self.start));
        s.push('|');
        write_u64(&mut s, f64_to_u64(self.last));
        s.push('|');
        s.push(if self.sampled { '1' } else { '0' });
        s
    }

    pub fn expired(&self, now: f64) -> bool {
        now - self.last > INACTIVITY_MS || now - self.start > MAX_DURATION_MS || now < self.start
    }
}

fn parse_ms(s: &str) -> Option<f64> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n = 0.0f64;
    for b in s.bytes() {
        n = n * 10.0 + f64::from(b - b'0');
    }
    Some(n)
}

/// The session for a page view starting at `now`: the stored one if still
/// alive (touched), else a new one with a fresh id and sampling decision.
/// `random` is uniform in [0, 1).
pub fn resolve(stored: Option<&str>, now: f64, new_id: impl FnOnce() -> String, random: f64, rate: f64) -> Session {
    match stored.and_then(Session::parse) {
        Some(mut s) if !s.expired(now) => {
            s.last = now;
            s
        }
        _ => Session { id: new_id(), start: now, last: now, sampled: random < rate },
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const T0: f64 = 1_700_000_000_000.0;

    #[test]
    fn round_trip() {
        let s = Session { id: "abc".into(), start: T0, last: T0 + 5.0, sampled: true };
        assert_eq!(Session::parse(&s.serialize()), Some(s));
        for bad in ["", "a|1|2", "a|1|2|x", "|1|2|1", "a|x|2|1", "a|1|2|1|extra"] {
            assert_eq!(Session::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn continues_until_inactive_or_too_long() {
        let stored = Session { id: "old".into(), start: T0, last: T0, sampled: false }.serialize();
        let s = resolve(Some(&stored), T0 + 29.0 * 60_000.0, || "new".into(), 0.0, 1.0);
        assert_eq!((s.id.as_str(), s.sampled), ("old", false), "kept, with its sampling decision");
        let s = resolve(Some(&stored), T0 + 31.0 * 60_000.0, || "new".into(), 0.0, 1.0);
        assert_eq!(s.id, "new");
        let busy = Session { id: "old".into(), start: T0, last: T0 + 4.0 * 3_600_000.0, sampled: true }.serialize();
        assert_eq!(resolve(Some(&busy), T0 + 4.0 * 3_600_000.0 + 1.0, || "new".into(), 0.0, 1.0).id, "new");
        // A clock that went backwards does not resurrect a session.
        assert_eq!(resolve(Some(&stored), T0 - 1000.0, || "new".into(), 0.0, 1.0).id, "new");
    }

    #[test]
    fn sampling_decided_once() {
        assert!(resolve(None, T0, || "a".into(), 0.49, 0.5).sampled);
        assert!(!resolve(None, T0, || "a".into(), 0.5, 0.5).sampled);
        assert!(!resolve(None, T0, || "a".into(), 0.0, 0.0).sampled);
    }
}
