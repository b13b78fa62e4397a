//! Counters for `/metrics` (Prometheus text format 0.0.4) and `/api/stats`.
//! Label values are fixed sets known here (plus a capped set for the
//! agents' own drop reasons), so a client cannot blow up cardinality.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::decode::reason as ev;

/// Why a whole request was not stored. `duplicate` is not an error (a
/// resent request already stored), but it is counted like the others.
pub mod request_reason {
    pub const MALFORMED_JSON: &str = "malformed_json";
    pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
    pub const INVALID_ENVELOPE: &str = "invalid_envelope";
    pub const BODY_TOO_LARGE: &str = "body_too_large";
    pub const BAD_ENCODING: &str = "bad_encoding";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const ORIGIN_NOT_ALLOWED: &str = "origin_not_allowed";
    pub const BODY_READ_FAILED: &str = "body_read_failed";
    pub const OVERLOADED: &str = "overloaded";
    pub const STORAGE_ERROR: &str = "storage_error";
    pub const DUPLICATE: &str = "duplicate";
    pub const ALL: [&str; 12] = [
        MALFORMED_JSON,
        UNSUPPORTED_VERSION,
        INVALID_ENVELOPE,
        BODY_TOO_LARGE,
        BAD_ENCODING,
        UNSUPPORTED_MEDIA_TYPE,
        UNAUTHORIZED,
        ORIGIN_NOT_ALLOWED,
        BODY_READ_FAILED,
        OVERLOADED,
        STORAGE_ERROR,
        DUPLICATE,
    ];
}

pub const KINDS: [&str; 8] = ["nav", "res", "error", "event", "measure", "vital", "long", "http"];
/// stored: 204; partial: 200 with some events rejected; duplicate; rejected: 4xx/5xx.
pub const OUTCOMES: [&str; 4] = ["stored", "partial", "duplicate", "rejected"];

const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
const MAX_DROP_REASONS: usize = 32;

struct Histogram {
    buckets: [AtomicU64; 12],
    count: AtomicU64,
    /// Sum in microseconds (atomic integer).
    sum_us: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Histogram { buckets: Default::default(), count: AtomicU64::new(0), sum_us: AtomicU64::new(0) }
    }
    fn observe(&self, secs: f64) {
        for (b, le) in self.buckets.iter().zip(LATENCY_BUCKETS) {
            if secs <= le {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let us = crate::sat_u64((secs * 1e6).clamp(0.0, 1e15));
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }
    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, le) in self.buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {}", b.load(Ordering::Relaxed));
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_us.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

pub struct Metrics {
    outcomes: [AtomicU64; 4],
    rejected_requests: [AtomicU64; 12],
    rejected_events: [AtomicU64; 5],
    stored_events: [AtomicU64; 8],
    body_bytes: AtomicU64,
    agent_dropped: Mutex<BTreeMap<String, u64>>,
    ingest_latency: Histogram,
    write_latency: Histogram,
    write_requests: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn bump<const N: usize>(arr: &[AtomicU64; N], names: &[&str; N], name: &str, by: u64) {
    if let Some(i) = names.iter().position(|n| *n == name) {
        if let Some(c) = arr.get(i) {
            c.fetch_add(by, Ordering::Relaxed);
        }
    }
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            outcomes: Default::default(),
            rejected_requests: Default::default(),
            rejected_events: Default::default(),
            stored_events: Default::default(),
            body_bytes: AtomicU64::new(0),
            agent_dropped: Mutex::new(BTreeMap::new()),
            ingest_latency: Histogram::new(),
            write_latency: Histogram::new(),
            write_requests: AtomicU64::new(0),
        }
    }

    pub fn outcome(&self, outcome: &str) {
        bump(&self.outcomes, &OUTCOMES, outcome, 1);
    }
    pub fn rejected_request(&self, reason: &str) {
        bump(&self.rejected_requests, &request_reason::ALL, reason, 1);
        if reason != request_reason::DUPLICATE {
            self.outcome("rejected");
        }
    }
    pub fn rejected_event(&self, reason: &str) {
        bump(&self.rejected_events, &ev::EVENT_REASONS, reason, 1);
    }
    pub fn stored_event(&self, kind: &str) {
        bump(&self.stored_events, &KINDS, kind, 1);
    }
    pub fn body_bytes(&self, n: usize) {
        self.body_bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn ingest_latency(&self, secs: f64) {
        self.ingest_latency.observe(secs);
    }
    pub fn observe_write(&self, secs: f64, requests: usize) {
        self.write_latency.observe(secs);
        self.write_requests.fetch_add(requests as u64, Ordering::Relaxed);
    }
    /// The agent's own drop counts (`dropped` in the batch).
    pub fn agent_dropped(&self, reason: &str, n: u64) {
        let ok = !reason.is_empty()
            && reason.len() <= 32
            && reason.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if let Ok(mut m) = self.agent_dropped.lock() {
            let key = if ok && (m.contains_key(reason) || m.len() < MAX_DROP_REASONS) { reason } else { "other" };
            *m.entry(key.to_string()).or_insert(0) += n;
        }
    }

    pub fn stored_events_total(&self) -> u64 {
        self.stored_events.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    pub fn snapshot(&self) -> serde_json::Value {
        let map = |names: &[&str], vals: &[AtomicU64]| -> serde_json::Map<String, serde_json::Value> {
            names.iter().zip(vals).map(|(n, v)| (n.to_string(), v.load(Ordering::Relaxed).into())).collect()
        };
        serde_json::json!({
            "requests": map(&OUTCOMES, &self.outcomes),
            "rejected_requests": map(&request_reason::ALL, &self.rejected_requests),
            "rejected_events": map(&ev::EVENT_REASONS, &self.rejected_events),
            "stored_events": map(&KINDS, &self.stored_events),
            "agent_dropped_events": self.agent_dropped.lock().map(|m| m.clone()).unwrap_or_default(),
            "body_bytes": self.body_bytes.load(Ordering::Relaxed),
        })
    }

    pub fn render(&self, queue_depth: i64, writer_up: bool) -> String {
        let mut o = String::with_capacity(4096);
        let _ = writeln!(
            o,
            "# HELP rum_collector_build_info The running rum-collector and the protocol and schema versions it speaks.\n# TYPE rum_collector_build_info gauge\nrum_collector_build_info{{version=\"{}\",protocol=\"{}\",schema=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            rum_agent::core::event::PROTOCOL_VERSION,
            crate::store::schema_version()
        );
        let counter = |o: &mut String, name: &str, help: &str, label: &str, names: &[&str], vals: &[AtomicU64]| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} counter");
            for (n, v) in names.iter().zip(vals) {
                let _ = writeln!(o, "{name}{{{label}=\"{n}\"}} {}", v.load(Ordering::Relaxed));
            }
        };
        counter(
            &mut o,
            "rum_collector_requests_total",
            "Beacon requests by outcome.",
            "outcome",
            &OUTCOMES,
            &self.outcomes,
        );
        counter(
            &mut o,
            "rum_collector_rejected_requests_total",
            "Requests not stored, by reason (duplicate: already stored).",
            "reason",
            &request_reason::ALL,
            &self.rejected_requests,
        );
        counter(
            &mut o,
            "rum_collector_rejected_events_total",
            "Events refused inside otherwise valid batches, by reason.",
            "reason",
            &ev::EVENT_REASONS,
            &self.rejected_events,
        );
        counter(
            &mut o,
            "rum_collector_events_stored_total",
            "Events stored, by kind.",
            "kind",
            &KINDS,
            &self.stored_events,
        );
        let _ = writeln!(
            o,
            "# HELP rum_collector_agent_dropped_events_total Events the agents report having dropped before sending, by reason.\n# TYPE rum_collector_agent_dropped_events_total counter"
        );
        if let Ok(m) = self.agent_dropped.lock() {
            for (k, v) in m.iter() {
                let _ = writeln!(o, "rum_collector_agent_dropped_events_total{{reason=\"{k}\"}} {v}");
            }
        }
        let _ = writeln!(
            o,
            "# HELP rum_collector_request_body_bytes_total Beacon body bytes received (on the wire).\n# TYPE rum_collector_request_body_bytes_total counter\nrum_collector_request_body_bytes_total {}",
            self.body_bytes.load(Ordering::Relaxed)
        );
        self.ingest_latency.render(
            &mut o,
            "rum_collector_ingest_duration_seconds",
            "Time from request to answer for POST /collect.",
        );
        self.write_latency.render(
            &mut o,
            "rum_collector_write_batch_duration_seconds",
            "Time per database transaction (one group of requests).",
        );
        let _ = writeln!(
            o,
            "# HELP rum_collector_write_queue_depth Requests waiting for the database writer.\n# TYPE rum_collector_write_queue_depth gauge\nrum_collector_write_queue_depth {queue_depth}"
        );
        let _ = writeln!(
            o,
            "# HELP rum_collector_writer_up 1 while the database writer runs.\n# TYPE rum_collector_writer_up gauge\nrum_collector_writer_up {}",
            u8::from(writer_up)
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        m.rejected_request(request_reason::MALFORMED_JSON);
        m.rejected_event(ev::UNKNOWN_KIND);
        m.stored_event("vital");
        m.agent_dropped("queue", 3);
        m.agent_dropped("bad label\"", 1);
        m.ingest_latency(0.004);
        let t = m.render(2, true);
        assert!(t.contains("rum_collector_rejected_requests_total{reason=\"malformed_json\"} 1"));
        assert!(t.contains("rum_collector_requests_total{outcome=\"rejected\"} 1"));
        assert!(t.contains("rum_collector_rejected_events_total{reason=\"unknown_kind\"} 1"));
        assert!(t.contains("rum_collector_events_stored_total{kind=\"vital\"} 1"));
        assert!(t.contains("rum_collector_agent_dropped_events_total{reason=\"other\"} 1"));
        assert!(t.contains("rum_collector_ingest_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(t.contains("rum_collector_ingest_duration_seconds_bucket{le=\"0.0025\"} 0"));
        assert!(t.contains("rum_collector_write_queue_depth 2"));
        // Every sample line is `name{labels} number` or `name number`.
        for line in t.lines().filter(|l| !l.starts_with('#')) {
            let (_, v) = line.rsplit_once(' ').unwrap();
            assert!(v.parse::<f64>().is_ok(), "{line}");
        }
    }
}
