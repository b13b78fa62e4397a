//! The collector's own metrics for `/metrics` (written with the
//! `prometheus-client` crate) and `/api/stats`. Label values are fixed sets
//! known here (plus a capped set for the agents' own drop reasons), so a
//! client cannot blow up cardinality. Process-local: they start at 0 on
//! each start (Prometheus' `rate()` handles the reset).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

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

/// One label: `[(name, value)]`.
type Label = Vec<(&'static str, String)>;
type Counters = Family<Label, Counter>;

fn label(name: &'static str, value: &str) -> Label {
    vec![(name, value.to_string())]
}

fn latency() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The collector's own metrics, on a `prometheus-client` registry (the
/// users' metrics, `slo::prom`, follow them on `/metrics`).
pub struct Metrics {
    registry: Registry,
    outcomes: Counters,
    rejected_requests: Counters,
    rejected_events: Counters,
    stored_events: Counters,
    body_bytes: Counter,
    agent_dropped: Counters,
    agent_drop_reasons: Mutex<BTreeSet<String>>,
    ingest_latency: Histogram,
    write_latency: Histogram,
    write_requests: Counter,
    queue_depth: Gauge,
    writer_up: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut r = Registry::default();
        // Every fixed label value exists from the start (at 0).
        let fixed = |r: &mut Registry, name: &str, help: &str, key: &'static str, values: &[&str]| {
            let f = Counters::default();
            for v in values {
                let _ = f.get_or_create(&label(key, v));
            }
            r.register(name, help, f.clone());
            f
        };
        let outcomes = fixed(&mut r, "rum_collector_requests", "Beacon requests by outcome", "outcome", &OUTCOMES);
        let rejected_requests = fixed(
            &mut r,
            "rum_collector_rejected_requests",
            "Requests not stored, by reason (duplicate: already stored)",
            "reason",
            &request_reason::ALL,
        );
        let rejected_events = fixed(
            &mut r,
            "rum_collector_rejected_events",
            "Events refused inside otherwise valid batches, by reason",
            "reason",
            &ev::EVENT_REASONS,
        );
        let stored_events = fixed(&mut r, "rum_collector_events_stored", "Events stored, by kind", "kind", &KINDS);
        let agent_dropped = Counters::default();
        r.register(
            "rum_collector_agent_dropped_events",
            "Events the agents report having dropped before sending, by reason",
            agent_dropped.clone(),
        );
        let body_bytes = Counter::default();
        r.register("rum_collector_request_body_bytes", "Beacon body bytes received (on the wire)", body_bytes.clone());
        let ingest_latency = latency();
        r.register(
            "rum_collector_ingest_duration_seconds",
            "Time from request to answer for POST /collect",
            ingest_latency.clone(),
        );
        let write_latency = latency();
        r.register(
            "rum_collector_write_batch_duration_seconds",
            "Time per database transaction (one group of requests)",
            write_latency.clone(),
        );
        let write_requests = Counter::default();
        r.register("rum_collector_write_requests", "Requests written by the database writer", write_requests.clone());
        let queue_depth = Gauge::default();
        r.register("rum_collector_write_queue_depth", "Requests waiting for the database writer", queue_depth.clone());
        let writer_up = Gauge::default();
        r.register("rum_collector_writer_up", "1 while the database writer runs", writer_up.clone());
        // A gauge at 1 rather than an OpenMetrics `info`, which the text
        // format 0.0.4 (served to clients that do not ask for OpenMetrics) lacks.
        let build = Family::<Vec<(&'static str, String)>, Gauge>::default();
        build
            .get_or_create(&vec![
                ("version", env!("CARGO_PKG_VERSION").to_string()),
                ("protocol", rum_agent::core::event::PROTOCOL_VERSION.to_string()),
                ("schema", crate::store::schema_version().to_string()),
            ])
            .set(1);
        r.register(
            "rum_collector_build_info",
            "The running rum-collector and the protocol and schema versions it speaks",
            build,
        );
        Metrics {
            registry: r,
            outcomes,
            rejected_requests,
            rejected_events,
            stored_events,
            body_bytes,
            agent_dropped,
            agent_drop_reasons: Mutex::new(BTreeSet::new()),
            ingest_latency,
            write_latency,
            write_requests,
            queue_depth,
            writer_up,
        }
    }

    /// Counts `by` under `value` when it is one of `known` (fixed label sets).
    fn bump(f: &Counters, key: &'static str, known: &[&str], value: &str, by: u64) {
        if known.contains(&value) {
            f.get_or_create(&label(key, value)).inc_by(by);
        }
    }

    pub fn outcome(&self, outcome: &str) {
        Self::bump(&self.outcomes, "outcome", &OUTCOMES, outcome, 1);
    }
    pub fn rejected_request(&self, reason: &str) {
        Self::bump(&self.rejected_requests, "reason", &request_reason::ALL, reason, 1);
        if reason != request_reason::DUPLICATE {
            self.outcome("rejected");
        }
    }
    pub fn rejected_event(&self, reason: &str) {
        Self::bump(&self.rejected_events, "reason", &ev::EVENT_REASONS, reason, 1);
    }
    pub fn stored_event(&self, kind: &str) {
        Self::bump(&self.stored_events, "kind", &KINDS, kind, 1);
    }
    pub fn body_bytes(&self, n: usize) {
        self.body_bytes.inc_by(n as u64);
    }
    pub fn ingest_latency(&self, secs: f64) {
        self.ingest_latency.observe(secs);
    }
    pub fn observe_write(&self, secs: f64, requests: usize) {
        self.write_latency.observe(secs);
        self.write_requests.inc_by(requests as u64);
    }
    /// The agent's own drop counts (`dropped` in the batch).
    pub fn agent_dropped(&self, reason: &str, n: u64) {
        let ok = !reason.is_empty()
            && reason.len() <= 32
            && reason.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let key = match self.agent_drop_reasons.lock() {
            Ok(mut seen) if ok && (seen.contains(reason) || seen.len() < MAX_DROP_REASONS) => {
                seen.insert(reason.to_string());
                reason
            }
            _ => "other",
        };
        self.agent_dropped.get_or_create(&label("reason", key)).inc_by(n);
    }

    fn values(f: &Counters, key: &'static str, names: &[&str]) -> serde_json::Map<String, serde_json::Value> {
        names.iter().map(|n| (n.to_string(), f.get_or_create(&label(key, n)).get().into())).collect()
    }

    pub fn stored_events_total(&self) -> u64 {
        KINDS.iter().map(|k| self.stored_events.get_or_create(&label("kind", k)).get()).sum()
    }

    pub fn snapshot(&self) -> serde_json::Value {
        let reasons: Vec<String> =
            self.agent_drop_reasons.lock().map(|s| s.iter().cloned().collect()).unwrap_or_default();
        let mut dropped: BTreeMap<String, u64> =
            reasons.iter().map(|r| (r.clone(), self.agent_dropped.get_or_create(&label("reason", r)).get())).collect();
        let other = self.agent_dropped.get_or_create(&label("reason", "other")).get();
        if other > 0 {
            dropped.insert("other".into(), other);
        }
        serde_json::json!({
            "requests": Self::values(&self.outcomes, "outcome", &OUTCOMES),
            "rejected_requests": Self::values(&self.rejected_requests, "reason", &request_reason::ALL),
            "rejected_events": Self::values(&self.rejected_events, "reason", &ev::EVENT_REASONS),
            "stored_events": Self::values(&self.stored_events, "kind", &KINDS),
            "agent_dropped_events": dropped,
            "body_bytes": self.body_bytes.get(),
        })
    }

    /// The registry in the text format, without the closing `# EOF` (the
    /// users' metrics follow).
    pub fn render(&self, queue_depth: i64, writer_up: bool) -> String {
        self.queue_depth.set(queue_depth);
        self.writer_up.set(i64::from(writer_up));
        let mut o = String::with_capacity(8192);
        let _ = prometheus_client::encoding::text::encode_registry(&mut o, &self.registry);
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
