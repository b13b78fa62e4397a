//! Prometheus metrics about the users (not the collector): per-SLO event
//! counters, Web Vitals histograms with buckets on the rating thresholds,
//! and JS errors and page views by browser × release. Written with the
//! `prometheus-client` crate; exposed on `/metrics` after the collector's
//! own counters.
//!
//! ## Cardinality (bounded)
//! - `app` × `env`: the first 16 pairs seen by this process; later pairs are
//!   counted as `app="other", env="other"`.
//! - `route`: the view name the page set (`setView`), else the page path;
//!   the first 100 seen, then `other`.
//! - `device`: the collector's device classes (desktop, mobile, tablet, …).
//! - `browser` × `release`: the first 64 pairs, then `other`/`other`.
//! - `slo`: the SLOs defined (a fixed list).
//!
//! ## Counters across restarts
//! Every value here is process-local and starts at 0: the SLO counters count
//! units dated (see `slo`) from the moment the process started, the
//! histograms count what this process received. Prometheus' `rate()` and
//! `increase()` treat the drop to 0 as a counter reset, so burn rates stay
//! right across restarts; the history stays in the database, where
//! `/api/slo` reads it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::eval::{count_by_app_env, Side};
use super::Slo;
use crate::model::Record;
use crate::store::ReadPool;

/// How far behind the clock the SLO counters count: a request's receive
/// time is taken before its body is read (up to 15 s) and written by the
/// batching writer, so a unit dated `t` is surely in the database by
/// `t + LAG`. Prometheus sees an event this much later than `/api/slo`.
pub const LAG_MS: i64 = 20_000;
/// How often the SLO counters advance.
pub const TICK: Duration = Duration::from_secs(5);

const MAX_APP_ENV: usize = 16;
const MAX_ROUTES: usize = 100;
const MAX_BROWSER_RELEASE: usize = 64;
const OTHER: &str = "other";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SloLabels {
    pub slo: String,
    pub app: String,
    pub env: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VitalLabels {
    pub app: String,
    pub env: String,
    pub route: String,
    pub device: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReleaseLabels {
    pub app: String,
    pub env: String,
    pub browser: String,
    pub release: String,
}

type HistFamily = Family<VitalLabels, Histogram, fn() -> Histogram>;

/// Bucket bounds (seconds, CLS unitless) that include both rating
/// thresholds of each vital (good ≤ first, poor > second).
pub const LCP_BUCKETS: [f64; 10] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0];
pub const INP_BUCKETS: [f64; 9] = [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0];
pub const CLS_BUCKETS: [f64; 8] = [0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0];
pub const FCP_BUCKETS: [f64; 9] = [0.5, 1.0, 1.5, 1.8, 2.5, 3.0, 4.0, 6.0, 10.0];
pub const TTFB_BUCKETS: [f64; 9] = [0.1, 0.2, 0.4, 0.8, 1.2, 1.8, 3.0, 5.0, 10.0];

fn lcp() -> Histogram {
    Histogram::new(LCP_BUCKETS)
}
fn inp() -> Histogram {
    Histogram::new(INP_BUCKETS)
}
fn cls() -> Histogram {
    Histogram::new(CLS_BUCKETS)
}
fn fcp() -> Histogram {
    Histogram::new(FCP_BUCKETS)
}
fn ttfb() -> Histogram {
    Histogram::new(TTFB_BUCKETS)
}

/// One capped label dimension: the first `max` values, then `other`.
struct Cap<T> {
    seen: Mutex<HashSet<T>>,
    max: usize,
}

impl<T: std::hash::Hash + Eq + Clone> Cap<T> {
    fn new(max: usize) -> Self {
        Cap { seen: Mutex::new(HashSet::new()), max }
    }
    fn admit(&self, v: &T) -> bool {
        match self.seen.lock() {
            Ok(mut s) => {
                if s.contains(v) {
                    true
                } else if s.len() < self.max {
                    s.insert(v.clone());
                    true
                } else {
                    false
                }
            }
            Err(_) => false,
        }
    }
}

/// What the metrics need from a request, taken before the writer owns it.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub app: String,
    pub env: String,
    /// The view name the page set (`setView`), else the page path.
    pub route: String,
    pub device: String,
    pub browser: String,
    pub release: String,
    /// The page view's first request (seq 1), or an unnumbered one (seq 0).
    pub first_request: bool,
    pub js_errors: i64,
    pub vitals: Vec<(String, f64)>,
}

impl Observed {
    pub fn of(r: &Record) -> Observed {
        let pv = &r.page_view;
        Observed {
            app: pv.app_name.clone(),
            env: pv.app_env.clone(),
            route: if pv.view_name.is_empty() { pv.page.clone() } else { pv.view_name.clone() },
            device: pv.client.device.clone(),
            browser: pv.client.browser.clone(),
            release: pv.app_version.clone(),
            first_request: r.seq <= 1,
            js_errors: pv.js_errors,
            vitals: r
                .events
                .iter()
                .filter(|e| e.kind == "vital")
                .filter_map(|e| Some((e.name.clone(), e.value?)))
                .collect(),
        }
    }
}

pub struct SloMetrics {
    pub registry: Registry,
    pub slos: Arc<Vec<Slo>>,
    events: Family<SloLabels, Counter>,
    bad: Family<SloLabels, Counter>,
    vitals: [(&'static str, f64, HistFamily); 5],
    page_views: Family<ReleaseLabels, Counter>,
    js_errors: Family<ReleaseLabels, Counter>,
    app_env: Cap<(String, String)>,
    routes: Cap<String>,
    releases: Cap<(String, String)>,
}

impl SloMetrics {
    pub fn new(slos: Arc<Vec<Slo>>) -> SloMetrics {
        let mut registry = Registry::default();
        let events = Family::<SloLabels, Counter>::default();
        let bad = Family::<SloLabels, Counter>::default();
        registry.register(
            "rum_slo_events",
            "Units (page views, sessions, HTTP calls) entering each SLO's total, dated by receive time",
            events.clone(),
        );
        registry.register(
            "rum_slo_bad_events",
            "Units turning bad for each SLO (good = total - bad), dated by receive time",
            bad.clone(),
        );
        let mk = |f: fn() -> Histogram| HistFamily::new_with_constructor(f);
        let vitals = [
            ("LCP", 1e-3, mk(lcp)),
            ("INP", 1e-3, mk(inp)),
            ("CLS", 1.0, mk(cls)),
            ("FCP", 1e-3, mk(fcp)),
            ("TTFB", 1e-3, mk(ttfb)),
        ];
        for (name, _, fam) in &vitals {
            let (metric, help) = match *name {
                "CLS" => ("rum_cls".to_string(), "Cumulative Layout Shift values reported (unitless)".to_string()),
                n => (format!("rum_{}_seconds", n.to_ascii_lowercase()), format!("{n} values reported, seconds")),
            };
            registry.register(metric, help, fam.clone());
        }
        let page_views = Family::<ReleaseLabels, Counter>::default();
        let js_errors = Family::<ReleaseLabels, Counter>::default();
        registry.register("rum_page_views", "Page views received (first request of each)", page_views.clone());
        registry.register("rum_js_errors", "JavaScript errors (uncaught and unhandled rejections)", js_errors.clone());
        SloMetrics {
            registry,
            slos,
            events,
            bad,
            vitals,
            page_views,
            js_errors,
            app_env: Cap::new(MAX_APP_ENV),
            routes: Cap::new(MAX_ROUTES),
            releases: Cap::new(MAX_BROWSER_RELEASE),
        }
    }

    fn app_env(&self, app: &str, env: &str) -> (String, String) {
        let k = (app.to_string(), env.to_string());
        if self.app_env.admit(&k) {
            k
        } else {
            (OTHER.into(), OTHER.into())
        }
    }

    /// Adds what the database dated in `[lo, hi)` to the SLO counters.
    pub fn add_slo_counts(&self, slo: &str, side: Side, rows: &[(String, String, u64)]) {
        let fam = if side == Side::Total { &self.events } else { &self.bad };
        for (app, env, n) in rows {
            let (app, env) = self.app_env(app, env);
            fam.get_or_create(&SloLabels { slo: slo.to_string(), app, env }).inc_by(*n);
        }
    }

    /// Makes every SLO's series exist (at 0) for this app/env, so that
    /// `rate()` sees the counters start at 0 rather than appear mid-window.
    fn touch(&self, app: &str, env: &str) {
        let (app, env) = self.app_env(app, env);
        for s in self.slos.iter() {
            let l = SloLabels { slo: s.name.clone(), app: app.clone(), env: env.clone() };
            let _ = self.events.get_or_create(&l);
            let _ = self.bad.get_or_create(&l);
        }
    }

    /// A stored request: its vitals, page view and JS errors.
    pub fn observe(&self, o: &Observed) {
        self.touch(&o.app, &o.env);
        let (app, env) = self.app_env(&o.app, &o.env);
        let route = if self.routes.admit(&o.route) { o.route.clone() } else { OTHER.into() };
        let labels = VitalLabels { app: app.clone(), env: env.clone(), route, device: o.device.clone() };
        for (name, v) in &o.vitals {
            if let Some((_, scale, fam)) = self.vitals.iter().find(|(n, _, _)| n == name) {
                fam.get_or_create(&labels).observe(v * scale);
            }
        }
        let rel = (o.browser.clone(), o.release.clone());
        let (browser, release) = if self.releases.admit(&rel) { rel } else { (OTHER.into(), OTHER.into()) };
        let labels = ReleaseLabels { app, env, browser, release };
        if o.first_request {
            self.page_views.get_or_create(&labels).inc();
        }
        let js = u64::try_from(o.js_errors).unwrap_or(0);
        let errors = self.js_errors.get_or_create(&labels);
        if js > 0 {
            errors.inc_by(js);
        }
    }

    /// The registry in the text format, without the closing `# EOF` (it
    /// follows the collector's own metrics in one exposition).
    pub fn render(&self) -> String {
        let mut s = String::new();
        if prometheus_client::encoding::text::encode_registry(&mut s, &self.registry).is_err() {
            return String::new();
        }
        s
    }
}

/// Advances the SLO counters every `TICK` over `[last, now − LAG)`, with the
/// same SQL as `/api/slo`: consecutive intervals never overlap, so the
/// counters' increase over any span equals what `/api/slo` counts for it.
pub fn spawn_ticker(m: Arc<SloMetrics>, reads: ReadPool, ch: Option<crate::clickhouse::Client>) {
    let start = crate::now_ms() - LAG_MS;
    tokio::spawn(async move {
        let mut last = start;
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let hi = crate::now_ms() - LAG_MS;
            if hi <= last {
                continue;
            }
            let slos = m.slos.clone();
            let lo = last;
            let ch = ch.clone();
            let res = reads
                .run(move |conn| {
                    let mut out = Vec::new();
                    for s in slos.iter() {
                        for side in [Side::Total, Side::Bad] {
                            let rows = match &ch {
                                Some(ch) => crate::clickhouse::query::count_by_app_env(ch, s, side, lo, hi)?,
                                None => count_by_app_env(conn, s, side, lo, hi)?,
                            };
                            out.push((s.name.clone(), side, rows));
                        }
                    }
                    Ok(out)
                })
                .await;
            match res {
                Ok(all) => {
                    for (slo, side, rows) in all {
                        m.add_slo_counts(&slo, side, &rows);
                    }
                    last = hi;
                }
                // Retried over the same interval next tick: nothing is lost.
                Err(e) => tracing::warn!("slo counters: {e}"),
            }
        }
    });
}
