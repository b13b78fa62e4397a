//! The bounded queue of encoded events, and the splitting of a flush into
//! requests that each fit the beacon limit.
//!
//! Invariants (property-tested below):
//! - no request is longer than the limit;
//! - every queued event lands in exactly one request, in order;
//! - when the queue must drop, it counts what it dropped (`Dropped`), and the
//!   counts ride in the next batch.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::{Attrs, Val};

/// One encoded event and the envelope section it belongs in (formats like
/// Faro sort events into `measurements`, `exceptions`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub section: u8,
    pub body: String,
}

/// Drop counters by reason, reported in the next batch's `dropped`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dropped(pub Vec<(&'static str, u64)>);

pub mod reason {
    /// The in-memory queue was full (maxQueueEvents or its byte cap).
    pub const QUEUE: &str = "queue";
    /// More distinct errors in one page view than maxErrors.
    pub const ERRORS: &str = "errors";
    /// More resources in one page view than maxResources.
    pub const RESOURCES: &str = "resources";
    /// Retries exhausted, or the retry store was full.
    pub const SEND: &str = "send";
    /// A stored batch expired before a later page view could send it.
    pub const EXPIRED: &str = "expired";
    /// An event too large for any request.
    pub const OVERSIZE: &str = "oversize";
    /// Re-entrant call while the agent was busy (e.g. from beforeSend).
    pub const BUSY: &str = "busy";
    /// Caught by the loader snippet beyond its queue bound, before the agent was ready.
    pub const SNIPPET: &str = "snippet";
    /// More user actions in one page view than `core::action::MAX_PER_VIEW`.
    pub const ACTIONS: &str = "actions";
}

impl Dropped {
    pub fn add(&mut self, why: &'static str, n: u64) {
        if n == 0 {
            return;
        }
        match self.0.iter_mut().find(|(k, _)| *k == why) {
            Some(slot) => slot.1 = slot.1.saturating_add(n),
            None => self.0.push((why, n)),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, why: &str) -> u64 {
        self.0.iter().find(|(k, _)| *k == why).map_or(0, |(_, n)| *n)
    }
    pub fn take(&mut self) -> Dropped {
        core::mem::take(self)
    }
    pub fn to_attrs(&self) -> Attrs {
        Attrs(self.0.iter().map(|(k, n)| ((*k).to_string(), Val::N(super::json::f64_from_u64(*n)))).collect())
    }
    pub fn merge(&mut self, other: Dropped) {
        for (k, n) in other.0 {
            self.add(k, n);
        }
    }
}

#[derive(Debug)]
pub struct Queue {
    items: Vec<Item>,
    bytes: usize,
    /// Flush triggers.
    pub flush_events: usize,
    pub flush_bytes: usize,
    /// Hard caps: beyond them events are dropped and counted.
    pub cap_events: usize,
    pub cap_bytes: usize,
    pub dropped: Dropped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// Queued, and a flush trigger was reached.
    FlushNow,
    Dropped,
}

/// Total bytes the queue may hold whatever `maxQueueEvents` says.
pub const CAP_BYTES: usize = 512 * 1024;

impl Queue {
    pub fn new(flush_events: usize, flush_bytes: usize, cap_events: usize) -> Self {
        Queue {
            items: Vec::new(),
            bytes: 0,
            flush_events: flush_events.max(1),
            flush_bytes: flush_bytes.max(1),
            cap_events: cap_events.max(flush_events),
            cap_bytes: CAP_BYTES,
            dropped: Dropped::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn push(&mut self, item: Item) -> Push {
        self.push_weighted(item, 1)
    }

    /// `push` for an item standing for `weight` occurrences (an error report
    /// with a count): dropped, it is counted as that many.
    pub fn push_weighted(&mut self, item: Item, weight: u64) -> Push {
        if self.items.len() >= self.cap_events || self.bytes + item.body.len() > self.cap_bytes {
            self.dropped.add(reason::QUEUE, weight.max(1));
            return Push::Dropped;
        }
        self.bytes += item.body.len();
        self.items.push(item);
        if self.items.len() >= self.flush_events || self.bytes >= self.flush_bytes {
            Push::FlushNow
        } else {
            Push::Queued
        }
    }

    /// Takes everything queued (and the drop counts) for a flush.
    pub fn drain(&mut self) -> (Vec<Item>, Dropped) {
        self.bytes = 0;
        // A Vec, taken whole: items only ever join at the end and leave all
        // at once. (A VecDeque's `drain(..)` or `Vec::from` costs ~1 KB of wasm.)
        (core::mem::take(&mut self.items), self.dropped.take())
    }
}

/// How a format wraps items: a head, then for each non-empty section
/// `open` + items joined by `,` + `close` (sections joined by `,`), then a
/// tail. `split` needs only the lengths of the head and tail: the caller
/// writes each request's own head (a native head carries its `seq`).
pub struct Envelope<'a> {
    /// Length (at most) of the first request's head (it carries the drop counts).
    pub first_head: usize,
    /// Length (at most) of the following requests' heads.
    pub head: usize,
    pub tail: usize,
    pub sections: &'a [(&'a str, &'a str)],
}

/// Splits items into requests of at most `limit` bytes each (head and tail
/// included), in order, and returns what goes between each request's head
/// and tail. Items that cannot fit even alone are dropped and counted in
/// `dropped`.
pub fn split(env: &Envelope, items: &[Item], limit: usize, dropped: &mut Dropped) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<Vec<&str>> = vec![Vec::new(); env.sections.len()];
    let mut size = 0usize;
    let mut count = 0usize;

    let section_overhead = |s: usize| env.sections.get(s).map_or(0, |(o, c)| o.len() + c.len() + 1);
    let head_len = |first: bool| if first { env.first_head } else { env.head } + env.tail;

    for item in items {
        let s = usize::from(item.section);
        if s >= env.sections.len() {
            dropped.add(reason::OVERSIZE, 1);
            continue;
        }
        let first = out.is_empty();
        let is_empty_section = current.get(s).is_none_or(|v| v.is_empty());
        let cost = item.body.len() + 1 + if is_empty_section { section_overhead(s) } else { 0 };
        if count > 0 && head_len(first) + size + cost > limit {
            out.push(assemble(env, &current));
            current.iter_mut().for_each(Vec::clear);
            size = 0;
            count = 0;
        }
        let first = out.is_empty();
        let alone = item.body.len() + 1 + section_overhead(s);
        if head_len(first) + alone > limit {
            dropped.add(reason::OVERSIZE, 1);
            continue;
        }
        let is_empty_section = current.get(s).is_none_or(|v| v.is_empty());
        size += item.body.len() + 1 + if is_empty_section { section_overhead(s) } else { 0 };
        if let Some(v) = current.get_mut(s) {
            v.push(&item.body);
        }
        count += 1;
    }
    if count > 0 {
        out.push(assemble(env, &current));
    }
    out
}

fn assemble(env: &Envelope, sections: &[Vec<&str>]) -> String {
    let mut s = String::new();
    let mut any = false;
    for (items, (open, close)) in sections.iter().zip(env.sections) {
        if items.is_empty() {
            continue;
        }
        if any {
            s.push(',');
        }
        any = true;
        s.push_str(open);
        for (i, body) in items.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(body);
        }
        s.push_str(close);
    }
    s
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn item(s: u8, body: &str) -> Item {
        Item { section: s, body: body.to_string() }
    }

    const FIRST: &str = r#"{"v":1,"dropped":{"queue":1},"#;
    const HEAD: &str = r#"{"v":1,"#;
    const ENV: Envelope =
        Envelope { first_head: FIRST.len(), head: HEAD.len(), tail: 1, sections: &[(r#""events":["#, "]")] };

    /// The requests, heads and tail around what `split` returns.
    fn bodies(out: Vec<String>, first: &str, head: &str) -> Vec<String> {
        out.iter().enumerate().map(|(i, m)| [if i == 0 { first } else { head }, m, "}"].concat()).collect()
    }

    #[test]
    fn single_request() {
        let mut d = Dropped::default();
        let out = bodies(split(&ENV, &[item(0, "1"), item(0, "2")], 1000, &mut d), FIRST, HEAD);
        assert_eq!(out, vec![r#"{"v":1,"dropped":{"queue":1},"events":[1,2]}"#.to_string()]);
    }

    #[test]
    fn multi_section_skips_empty_sections() {
        let env = Envelope { first_head: 1, head: 1, tail: 1, sections: &[(r#""a":["#, "]"), (r#""b":["#, "]")] };
        let mut d = Dropped::default();
        let out = bodies(split(&env, &[item(1, "1"), item(1, "2")], 1000, &mut d), "{", "{");
        assert_eq!(out, vec![r#"{"b":[1,2]}"#]);
        let out = bodies(split(&env, &[item(1, "1"), item(0, "2")], 1000, &mut d), "{", "{");
        assert_eq!(out, vec![r#"{"a":[2],"b":[1]}"#]);
    }

    #[test]
    fn oversize_item_dropped_and_counted() {
        let mut d = Dropped::default();
        let big = "x".repeat(200);
        let out = bodies(split(&ENV, &[item(0, "1"), item(0, &big), item(0, "2")], 100, &mut d), FIRST, HEAD);
        assert_eq!(d.get(reason::OVERSIZE), 1);
        let all: String = out.concat();
        assert!(all.contains("[1") && all.contains("2]"));
    }

    #[test]
    fn queue_caps_and_counts() {
        let mut q = Queue::new(3, 1_000_000, 5);
        assert_eq!(q.push(item(0, "a")), Push::Queued);
        assert_eq!(q.push(item(0, "b")), Push::Queued);
        assert_eq!(q.push(item(0, "c")), Push::FlushNow);
        q.push(item(0, "d"));
        q.push(item(0, "e"));
        assert_eq!(q.push(item(0, "f")), Push::Dropped);
        // An error report standing for 40 identical errors: 40 dropped.
        assert_eq!(q.push_weighted(item(0, "g"), 40), Push::Dropped);
        let (items, dropped) = q.drain();
        assert_eq!(items.len(), 5);
        assert_eq!(dropped.get(reason::QUEUE), 41);
        assert!(q.is_empty());
        assert_eq!(q.bytes(), 0);
        assert!(q.dropped.is_empty());
    }

    #[test]
    fn queue_flushes_on_bytes() {
        let mut q = Queue::new(100, 10, 200);
        assert_eq!(q.push(item(0, "12345")), Push::Queued);
        assert_eq!(q.push(item(0, "67890")), Push::FlushNow);
    }

    proptest! {
        #[test]
        fn split_respects_limit_and_keeps_every_item_once(
            sizes in proptest::collection::vec((0u8..3, 1usize..400), 0..200),
            limit in 200usize..2000,
        ) {
            let (first, head) = (r#"{"v":1,"dropped":{"x":1},"#, r#"{"v":1,"#);
            let env = Envelope {
                first_head: first.len(),
                head: head.len(),
                tail: 1,
                sections: &[(r#""a":["#, "]"), (r#""bb":["#, "]"), (r#""ccc":["#, "]")],
            };
            // Unique, parseable bodies: `"<index>:<padding>"`.
            let items: Vec<Item> = sizes.iter().enumerate().map(|(i, (s, n))| {
                let mut body = format!("\"{i}:");
                while body.len() < *n { body.push('x'); }
                body.push('"');
                Item { section: *s, body }
            }).collect();
            let mut d = Dropped::default();
            let out = bodies(split(&env, &items, limit, &mut d), first, head);
            let mut seen = Vec::new();
            for req in &out {
                prop_assert!(req.len() <= limit, "{} > {}", req.len(), limit);
                let v: serde_json::Value = serde_json::from_str(req).unwrap();
                for key in ["a", "bb", "ccc"] {
                    if let Some(arr) = v.get(key) {
                        let arr = arr.as_array().unwrap();
                        prop_assert!(!arr.is_empty());
                        for x in arr {
                            let s = x.as_str().unwrap();
                            let idx: usize = s.split(':').next().unwrap().parse().unwrap();
                            seen.push(idx);
                        }
                    }
                }
            }
            seen.sort_unstable();
            let expected: Vec<usize> = (0..items.len())
                .filter(|i| {
                    let it = &items[*i];
                    let sec = env.sections[usize::from(it.section)];
                    env.first_head.max(env.head) + env.tail + it.body.len() + 1 + sec.0.len() + sec.1.len() < limit
                })
                .collect();
            // Every item that can fit is sent exactly once; the rest are counted.
            let expected_set: std::collections::BTreeSet<usize> = expected.iter().copied().collect();
            let seen_set: std::collections::BTreeSet<usize> = seen.iter().copied().collect();
            prop_assert_eq!(seen.len(), seen_set.len());
            prop_assert!(expected_set.is_subset(&seen_set));
            prop_assert_eq!(seen.len() as u64 + d.get(reason::OVERSIZE), items.len() as u64);
        }
    }
}
