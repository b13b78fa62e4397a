//! Error deduplication and caps for one page view.
//!
//! An error thrown in a loop must not become thousands of events: identical
//! errors (same source, type, message and location) within one flush window
//! are held as one report with a count. The fingerprint is computed from the
//! cheap fields of the `error` event, *before* the stack is read and parsed,
//! so an error storm costs a hash and a lookup per error.

#[allow(unused_imports)]
use crate::prelude::*;

use super::batch::{reason, Dropped};
use super::event::ErrorReport;

/// FNV-1a: tiny, no std hasher machinery in the wasm.
pub fn fingerprint(parts: &[&str], nums: &[u32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for p in parts {
        p.bytes().for_each(&mut eat);
        eat(0xff);
    }
    for n in nums {
        n.to_le_bytes().into_iter().for_each(&mut eat);
    }
    h
}

#[derive(Debug, Default)]
pub struct ErrorBook {
    pending: Vec<(u64, ErrorReport)>,
    /// Fingerprints reported earlier in this page view (bounded by `max`).
    seen: Vec<u64>,
    /// Failures reported from a second witness (Resource Timing) whose own
    /// `error` event has not come yet (bounded by `max`).
    found: Vec<u64>,
    pub max: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Counted into a pending report: nothing more to do.
    Counted,
    /// Over the cap: dropped (and counted in `Dropped`).
    Dropped,
    /// New in this window: build the report and `add` it.
    New,
}

impl ErrorBook {
    pub fn new(max: usize) -> Self {
        ErrorBook { pending: Vec::new(), seen: Vec::new(), found: Vec::new(), max }
    }

    pub fn observe(&mut self, fp: u64, dropped: &mut Dropped) -> Seen {
        // The `error` event of a failure Resource Timing already reported:
        // the same failure, seen twice (the loader snippet replays events
        // from before the agent started, which also finds them by status).
        if let Some(i) = self.found.iter().position(|f| *f == fp) {
            self.found.swap_remove(i);
            return Seen::Counted;
        }
        self.count(fp, dropped)
    }

    /// A failure found by a second witness, Resource Timing (a failed
    /// resource's entry, read at start for what happened before it): one
    /// failure, counted once. Already reported by its `error` event → nothing
    /// to do; else reported, and the `error` event that may still come (a
    /// replay) is taken as this same failure.
    pub fn observe_found(&mut self, fp: u64, dropped: &mut Dropped) -> Seen {
        if self.seen.contains(&fp) || self.pending.iter().any(|(f, _)| *f == fp) {
            return Seen::Counted;
        }
        let s = self.count(fp, dropped);
        if s == Seen::New && self.found.len() < self.max {
            self.found.push(fp);
        }
        s
    }

    fn count(&mut self, fp: u64, dropped: &mut Dropped) -> Seen {
        if let Some((_, r)) = self.pending.iter_mut().find(|(f, _)| *f == fp) {
            r.count = r.count.saturating_add(1);
            return Seen::Counted;
        }
        if !self.seen.contains(&fp) && self.seen.len() >= self.max {
            dropped.add(reason::ERRORS, 1);
            return Seen::Dropped;
        }
        Seen::New
    }

    pub fn add(&mut self, fp: u64, mut report: ErrorReport) {
        report.count = report.count.max(1);
        if !self.seen.contains(&fp) {
            self.seen.push(fp);
        }
        self.pending.push((fp, report));
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn drain(&mut self) -> Vec<ErrorReport> {
        self.pending.drain(..).map(|(_, r)| r).collect()
    }

    /// A new page view starts with a clean slate (after a final drain).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.seen.clear();
        self.found.clear();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn rep(msg: &str) -> ErrorReport {
        ErrorReport { msg: msg.into(), ..Default::default() }
    }

    #[test]
    fn identical_errors_become_one_report_with_count() {
        let mut b = ErrorBook::new(10);
        let mut d = Dropped::default();
        let fp = fingerprint(&["js", "TypeError", "boom", "a.js"], &[1, 2]);
        assert_eq!(b.observe(fp, &mut d), Seen::New);
        b.add(fp, rep("boom"));
        for _ in 0..9999 {
            assert_eq!(b.observe(fp, &mut d), Seen::Counted);
        }
        let out = b.drain();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].count, 10_000);
        // Next window: the same error is reported again with a fresh count.
        assert_eq!(b.observe(fp, &mut d), Seen::New);
    }

    #[test]
    fn distinct_errors_capped_per_page_view() {
        let mut b = ErrorBook::new(3);
        let mut d = Dropped::default();
        for i in 0..5u32 {
            let fp = fingerprint(&["x"], &[i]);
            if b.observe(fp, &mut d) == Seen::New {
                b.add(fp, rep("x"));
            }
        }
        assert_eq!(b.drain().len(), 3);
        assert_eq!(d.get(reason::ERRORS), 2);
        // An already-seen error is still reported after the cap.
        let fp0 = fingerprint(&["x"], &[0]);
        assert_eq!(b.observe(fp0, &mut d), Seen::New);
        b.reset();
        assert_eq!(b.observe(fingerprint(&["x"], &[9]), &mut d), Seen::New);
    }

    #[test]
    fn a_failure_seen_by_its_event_and_by_resource_timing_counts_once() {
        let fp = fingerprint(&["resource", "img", "https://shop.example/missing.png"], &[]);
        let mut d = Dropped::default();
        // Event first (the snippet's replay), then Resource Timing.
        let mut b = ErrorBook::new(10);
        assert_eq!(b.observe(fp, &mut d), Seen::New);
        b.add(fp, rep("img failed"));
        assert_eq!(b.observe_found(fp, &mut d), Seen::Counted);
        assert_eq!(b.drain().iter().map(|r| r.count).collect::<Vec<_>>(), [1]);
        // Resource Timing first, then the replayed event.
        let mut b = ErrorBook::new(10);
        assert_eq!(b.observe_found(fp, &mut d), Seen::New);
        b.add(fp, rep("img failed"));
        assert_eq!(b.observe(fp, &mut d), Seen::Counted);
        assert_eq!(b.drain().iter().map(|r| r.count).collect::<Vec<_>>(), [1]);
        // …also across a flush: the event after the drain makes no new report.
        let mut b = ErrorBook::new(10);
        assert_eq!(b.observe_found(fp, &mut d), Seen::New);
        b.add(fp, rep("img failed"));
        assert_eq!(b.drain().len(), 1);
        assert_eq!(b.observe(fp, &mut d), Seen::Counted);
        assert!(!b.has_pending());
        // A second real failure of the same URL still counts.
        assert_eq!(b.observe(fp, &mut d), Seen::New);
        // Two events and one entry: two failures.
        let mut b = ErrorBook::new(10);
        assert_eq!(b.observe(fp, &mut d), Seen::New);
        b.add(fp, rep("img failed"));
        assert_eq!(b.observe_found(fp, &mut d), Seen::Counted);
        assert_eq!(b.observe(fp, &mut d), Seen::Counted);
        assert_eq!(b.drain().iter().map(|r| r.count).collect::<Vec<_>>(), [2]);
        assert_eq!(d.0.len(), 0, "nothing dropped");
    }

    #[test]
    fn fingerprint_separates_fields() {
        assert_ne!(fingerprint(&["ab", "c"], &[]), fingerprint(&["a", "bc"], &[]));
        assert_ne!(fingerprint(&["a"], &[1, 2]), fingerprint(&["a"], &[2, 1]));
    }
}
