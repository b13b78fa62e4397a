//! Service level objectives over RUM data: definitions (a YAML file or the
//! defaults), the closed list of SLI kinds, their evaluation over windows
//! (`eval`), the Prometheus counters and Web Vitals histograms (`prom`) and
//! the Prometheus rule file (`rules`). One definition drives `/api/slo`,
//! `/metrics` and `rum-collector slo rules`, so the three agree.
//!
//! ## Which timestamp puts an event in a window
//! Every SLI counts *events* that the collector can date once and for all,
//! with the collector's receive clock (`received_at` / `first_seen`, server
//! time, epoch ms), never the client's clock:
//! - a unit (page view, session, HTTP call) enters the **total** when the
//!   collector receives the first data that makes it count (its first
//!   request for sessions, its first listed vital for page views, the call
//!   itself for HTTP calls);
//! - it enters **bad** when the collector receives the first data that makes
//!   it bad (the first value over a threshold, the first JS error).
//!
//! So a session that started before a window and has its first JS error
//! inside it is bad in that window but not in its total; over the windows
//! alerts use (≥ 5 min) and with sessions of minutes this edge effect is
//! small, and it is what makes the numbers expressible as Prometheus
//! counters (`rate(bad) / rate(total)`), so `/api/slo` and the rules agree.
//! A unit is counted at most once in total and once in bad, ever.

pub mod eval;
pub mod prom;
pub mod rules;

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Windows the burn rates are computed over (besides the SLO window).
pub const WINDOWS: [(&str, u64); 6] =
    [("5m", 300), ("30m", 1800), ("1h", 3600), ("6h", 21_600), ("1d", 86_400), ("3d", 259_200)];

/// The SRE workbook's multi-window, multi-burn-rate alerts (chapter 5,
/// "Alerting on SLOs", recommended parameters for a 28–30 day window).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertRule {
    pub name: &'static str,
    pub severity: &'static str,
    pub long: &'static str,
    pub short: &'static str,
    /// Fires when the burn rate is above this over both windows.
    pub burn_rate: f64,
    /// Share of a 30-day budget this burn consumes in the long window.
    pub budget_consumed: &'static str,
    /// Default `for:` in the rule file.
    pub for_: &'static str,
}

pub const ALERTS: [AlertRule; 3] = [
    AlertRule {
        name: "page-fast",
        severity: "page",
        long: "1h",
        short: "5m",
        burn_rate: 14.4,
        budget_consumed: "2% of a 30-day budget in 1h",
        for_: "2m",
    },
    AlertRule {
        name: "page-slow",
        severity: "page",
        long: "6h",
        short: "30m",
        burn_rate: 6.0,
        budget_consumed: "5% of a 30-day budget in 6h",
        for_: "15m",
    },
    AlertRule {
        name: "ticket",
        severity: "ticket",
        long: "3d",
        short: "6h",
        burn_rate: 1.0,
        budget_consumed: "10% of a 30-day budget in 3d",
        for_: "1h",
    },
];

pub fn window_secs(name: &str) -> Option<u64> {
    WINDOWS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// A metric a threshold can be put on: a Web Vital (ms, CLS unitless) or
/// the page-load timing (loadEventEnd, ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
pub enum Metric {
    #[serde(rename = "LCP")]
    Lcp,
    #[serde(rename = "INP")]
    Inp,
    #[serde(rename = "CLS")]
    Cls,
    #[serde(rename = "FCP")]
    Fcp,
    #[serde(rename = "TTFB")]
    Ttfb,
    #[serde(rename = "TTI")]
    Tti,
    #[serde(rename = "TBT")]
    Tbt,
    #[serde(rename = "page_load")]
    PageLoad,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Lcp => "LCP",
            Metric::Inp => "INP",
            Metric::Cls => "CLS",
            Metric::Fcp => "FCP",
            Metric::Ttfb => "TTFB",
            Metric::Tti => "TTI",
            Metric::Tbt => "TBT",
            Metric::PageLoad => "page_load",
        }
    }
    /// (events.kind, events.name) of the events carrying this metric.
    pub fn event(self) -> (&'static str, &'static str) {
        match self {
            Metric::PageLoad => ("nav", "page_load"),
            m => ("vital", m.name()),
        }
    }
}

/// The closed list of SLI kinds. Each says once what its unit is, when the
/// unit enters the total and when it turns bad (see `eval` for the SQL).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Sli {
    /// Unit: a page view. Total: its first value of any listed metric.
    /// Bad: its first value above that metric's threshold.
    PageViewThreshold {
        #[serde(deserialize_with = "thresholds")]
        thresholds: Vec<(Metric, f64)>,
    },
    /// Unit: a session. Total: the first value of any listed metric in any
    /// of its page views. Bad: the first value above its threshold (so a
    /// session is good when all its page loads are).
    SessionAllGood {
        #[serde(deserialize_with = "thresholds")]
        thresholds: Vec<(Metric, f64)>,
    },
    /// Unit: a session. Total: its first request. Bad: its first JavaScript
    /// error (uncaught exception or unhandled rejection).
    ErrorFreeSessions,
    /// Unit: an HTTP call (fetch/XHR). Total: the call. Bad: a 5xx status
    /// or any failure the agent reports in `fail` (network, abort, timeout,
    /// cors, or `http`: a status at or above the page's `httpErrorStatus`),
    /// as the summary's HTTP error rate counts them.
    HttpSuccess,
    /// Unit: a user action (click, key, submit; the `full` build's
    /// `actions`), optionally only those named `action` ("Add to cart").
    /// Total: the action. Bad: it took longer than `threshold` ms to settle,
    /// or it failed (an HTTP call it started failed, or an error happened
    /// in it): "Add to cart settles within 1 s, without a failure".
    ActionDuration {
        #[serde(default)]
        action: Option<String>,
        #[serde(deserialize_with = "positive_ms")]
        threshold: f64,
    },
}

fn positive_ms<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v: f64 = Deserialize::deserialize(d)?;
    if !v.is_finite() || v <= 0.0 {
        return Err(serde::de::Error::custom("threshold must be a number of milliseconds above 0, e.g. 1000"));
    }
    Ok(v)
}

impl Sli {
    pub fn kind(&self) -> &'static str {
        match self {
            Sli::PageViewThreshold { .. } => "page_view_threshold",
            Sli::SessionAllGood { .. } => "session_all_good",
            Sli::ErrorFreeSessions => "error_free_sessions",
            Sli::HttpSuccess => "http_success",
            Sli::ActionDuration { .. } => "action_duration",
        }
    }
    pub fn unit(&self) -> &'static str {
        match self {
            Sli::PageViewThreshold { .. } => "page view",
            Sli::SessionAllGood { .. } | Sli::ErrorFreeSessions => "session",
            Sli::HttpSuccess => "HTTP call",
            Sli::ActionDuration { .. } => "user action",
        }
    }
    /// One line for people: "page views with LCP ≤ 2500 ms, …".
    pub fn describe(&self) -> String {
        let th = |t: &[(Metric, f64)]| {
            t.iter()
                .map(|(m, v)| if *m == Metric::Cls { format!("CLS ≤ {v}") } else { format!("{} ≤ {v} ms", m.name()) })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Sli::PageViewThreshold { thresholds } => format!("page views with {}", th(thresholds)),
            Sli::SessionAllGood { thresholds } => format!("sessions whose page loads all have {}", th(thresholds)),
            Sli::ErrorFreeSessions => "sessions without a JavaScript error".into(),
            Sli::HttpSuccess => "HTTP calls without a network failure or 5xx".into(),
            Sli::ActionDuration { action, threshold } => format!(
                "{} settled within {threshold} ms, without a failure",
                action.as_deref().map_or_else(|| "user actions".to_string(), |a| format!("\"{a}\" actions"))
            ),
        }
    }
}

fn thresholds<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Metric, f64)>, D::Error> {
    let m: std::collections::BTreeMap<Metric, f64> = Deserialize::deserialize(d)?;
    if m.is_empty() {
        return Err(serde::de::Error::custom("at least one threshold is needed, e.g. {LCP: 2500}"));
    }
    for (k, v) in &m {
        if !v.is_finite() || *v < 0.0 {
            return Err(serde::de::Error::custom(format!("threshold for {} must be a number ≥ 0", k.name())));
        }
    }
    Ok(m.into_iter().collect())
}

/// Optional restrictions; each matches one stored dimension exactly
/// (`route` is a glob on the page path, `*` and `?`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    pub app: Option<String>,
    #[serde(alias = "environment")]
    pub env: Option<String>,
    pub release: Option<String>,
    pub route: Option<String>,
    pub device: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    #[serde(deserialize_with = "slo_name")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub sli: Sli,
    #[serde(deserialize_with = "objective")]
    pub objective: f64,
    #[serde(default = "default_window", deserialize_with = "window")]
    pub window: Duration,
    #[serde(default)]
    pub filters: Filters,
}

impl Slo {
    /// The error budget: the share of bad events the objective allows.
    /// Rounded to 12 decimals, so that 1 − 0.9999 is 0.0001 in the rule
    /// file and in `/api/slo` alike.
    pub fn budget(&self) -> f64 {
        ((1.0 - self.objective) * 1e12).round() / 1e12
    }
    /// `28d`, `36h`: the window as a Prometheus duration.
    pub fn window_label(&self) -> String {
        let s = self.window.as_secs();
        if s.is_multiple_of(86_400) {
            format!("{}d", s / 86_400)
        } else {
            format!("{}h", s / 3600)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SloFile {
    slos: Vec<Slo>,
}

fn default_window() -> Duration {
    Duration::from_secs(28 * 86_400)
}

fn slo_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(s)
    } else {
        Err(serde::de::Error::custom(format!(
            "{s:?}: a name is 1 to 64 characters among a-z, 0-9, '-' and '_' (it becomes a Prometheus label)"
        )))
    }
}

fn objective<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!("{v}: an objective is a ratio strictly between 0 and 1, e.g. 0.999")))
    }
}

fn window<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let w = humantime::parse_duration(&s)
        .map_err(|e| serde::de::Error::custom(format!("{s:?}: not a duration ({e}); e.g. 28d, 30d, 7d")))?;
    if w.as_secs() < 86_400 || w.as_secs() > 90 * 86_400 || !w.as_secs().is_multiple_of(3600) {
        return Err(serde::de::Error::custom(format!("{s:?}: a window is whole hours between 1d and 90d")));
    }
    Ok(w)
}

/// The SLOs used without `--slo`, each with the reason for its numbers.
pub fn defaults() -> Vec<Slo> {
    let w = default_window();
    vec![
        Slo {
            name: "web-vitals".into(),
            // The Core Web Vitals program calls a page good when its 75th
            // percentile is in the "good" range: 75 % of page views good.
            description: "Page views with good Core Web Vitals (LCP ≤ 2.5 s, INP ≤ 200 ms, CLS ≤ 0.1) — the \
                          Core Web Vitals program's p75 assessment"
                .into(),
            sli: Sli::PageViewThreshold {
                thresholds: vec![(Metric::Lcp, 2500.0), (Metric::Inp, 200.0), (Metric::Cls, 0.1)],
            },
            objective: 0.75,
            window: w,
            filters: Filters::default(),
        },
        Slo {
            name: "tti".into(),
            // The product document's first client-side SLI: TTI < 3 s in 95 % of sessions.
            description: "Sessions whose page loads all reach TTI ≤ 3 s".into(),
            sli: Sli::SessionAllGood { thresholds: vec![(Metric::Tti, 3000.0)] },
            objective: 0.95,
            window: w,
            filters: Filters::default(),
        },
        Slo {
            name: "js-errors".into(),
            // The product document's second SLI: no JS error in 99.99 % of sessions.
            description: "Sessions without a JavaScript error (uncaught exception or unhandled rejection)".into(),
            sli: Sli::ErrorFreeSessions,
            objective: 0.9999,
            window: w,
            filters: Filters::default(),
        },
        Slo {
            name: "http".into(),
            // Three nines: a common availability target for the API calls a page depends on.
            description: "HTTP calls (fetch/XHR) without a network failure or a 5xx answer".into(),
            sli: Sli::HttpSuccess,
            objective: 0.999,
            window: w,
            filters: Filters::default(),
        },
    ]
}

/// Parses an SLO file; errors name the line and the field.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Slo>, String> {
    let de = serde_norway::Deserializer::from_str(text);
    let file: SloFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // The parser's position is the field's for syntax and type errors
        // but the enclosing mapping's for our own checks, and the path stops
        // at a tagged enum (`sli`): both are at or before the culprit, so
        // the later of the two lines is the one to show.
        let mut line = line_of(text, &path).max(inner.location().map(|l| l.line()));
        let mut msg = inner.to_string();
        // "unknown variant `LCPP`": the line that spells it, from there on.
        if let (Some(l), Some(token)) = (line, msg.split('`').nth(1)) {
            let token = token.to_string();
            if let Some(i) = text.lines().skip(l.saturating_sub(1)).position(|t| t.contains(token.as_str())) {
                line = Some(l + i);
            }
        }
        if let Some(i) = msg.rfind(" at line ") {
            msg.truncate(i);
        }
        let msg = msg.split_once(": ").filter(|(p, _)| p.starts_with("slos")).map_or(msg.as_str(), |(_, m)| m);
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        let field = if path.is_empty() || path == "." { String::new() } else { format!(" {path}") };
        format!("{origin}{at}:{field}: {msg}")
    })?;
    if file.slos.is_empty() {
        return Err(format!("{origin}: `slos` is empty: define at least one SLO (or drop --slo for the defaults)"));
    }
    for (i, s) in file.slos.iter().enumerate() {
        if file.slos.iter().take(i).any(|o| o.name == s.name) {
            return Err(format!("{origin}: slos[{i}].name: {:?} is defined twice", s.name));
        }
    }
    Ok(file.slos)
}

/// The line (1-based) of the field `path` (`slos[2].sli.kind`) names, found
/// by its key after the start of its list item; `None` when not found.
fn line_of(text: &str, path: &str) -> Option<usize> {
    let mut segs = path.split('.');
    let first = segs.next()?;
    let idx: usize = first.strip_prefix("slos[")?.strip_suffix(']')?.parse().ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let slos_at = lines.iter().position(|l| l.trim_start().starts_with("slos:"))?;
    let items: Vec<usize> = (slos_at + 1..lines.len())
        .filter(|&i| lines.get(i).is_some_and(|l| l.trim_start().starts_with("- ") || l.trim() == "-"))
        .collect();
    let item_indent = |i: usize| lines.get(i).map_or(0, |l| l.len() - l.trim_start().len());
    let top = items.first().map(|&i| item_indent(i))?;
    let items: Vec<usize> = items.into_iter().filter(|&i| item_indent(i) == top).collect();
    let start = *items.get(idx)?;
    let end = items.get(idx + 1).copied().unwrap_or(lines.len());
    let mut from = start;
    let mut found = None;
    for key in segs {
        let key = key.split('[').next().unwrap_or(key);
        let pat = |l: &str| {
            l.match_indices(key).any(|(i, _)| {
                let before = l.get(..i).and_then(|b| b.chars().last());
                let after = l.get(i + key.len()..).map(str::trim_start);
                before.is_none_or(|c| c == ' ' || c == '{' || c == ',' || c == '-')
                    && after.is_some_and(|a| a.starts_with(':'))
            })
        };
        let i = (from..end).find(|&i| lines.get(i).is_some_and(|l| pat(l)))?;
        found = Some(i + 1);
        from = i;
    }
    found.or(Some(start + 1))
}

/// The file's SLOs, or the defaults without a file.
pub fn load(path: Option<&Path>) -> Result<Vec<Slo>, String> {
    match path {
        None => Ok(defaults()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("--slo {}: {e}", p.display()))?;
            parse(&text, &p.display().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_file_with_defaults_filled() {
        let y = "slos:\n  - name: checkout-lcp\n    objective: 0.9\n    sli:\n      kind: page_view_threshold\n      thresholds: {LCP: 2500}\n    filters: {app: shop, route: \"/checkout/*\"}\n  - name: api\n    objective: 0.999\n    window: 7d\n    sli: {kind: http_success}\n";
        let s = parse(y, "f.yaml").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].window, Duration::from_secs(28 * 86_400));
        assert_eq!(s[0].sli, Sli::PageViewThreshold { thresholds: vec![(Metric::Lcp, 2500.0)] });
        assert_eq!(s[0].filters.route.as_deref(), Some("/checkout/*"));
        assert_eq!(s[1].window, Duration::from_secs(7 * 86_400));
        assert_eq!(s[1].window_label(), "7d");
    }

    #[test]
    fn errors_name_line_and_field() {
        let bad_objective = "slos:\n  - name: a\n    sli: {kind: http_success}\n    objective: 1.5\n";
        let e = parse(bad_objective, "f.yaml").unwrap_err();
        assert_eq!(e, "f.yaml:4: slos[0].objective: 1.5: an objective is a ratio strictly between 0 and 1, e.g. 0.999");
        let bad_metric = "slos:\n  - name: a\n    objective: 0.9\n    sli:\n      kind: session_all_good\n      thresholds: {LCPP: 1}\n";
        let e = parse(bad_metric, "f.yaml").unwrap_err();
        assert!(e.contains("f.yaml:6:") && e.contains("slos[0].sli") && e.contains("LCPP"), "{e}");
        let unknown_kind = "slos:\n  - name: a\n    objective: 0.9\n    sli: {kind: apdex}\n";
        let e = parse(unknown_kind, "f.yaml").unwrap_err();
        assert!(e.contains(":4:") && e.contains("apdex"), "{e}");
        let typo = "slos:\n  - name: a\n    objective: 0.9\n    sli: {kind: http_success}\n    filter: {app: x}\n";
        let e = parse(typo, "f.yaml").unwrap_err();
        assert!(e.contains(":5:") && e.contains("filter"), "{e}");
        let name = "slos:\n  - name: Bad Name\n    objective: 0.9\n    sli: {kind: http_success}\n";
        let e = parse(name, "f.yaml").unwrap_err();
        assert!(e.contains(":2:") && e.contains("slos[0].name"), "{e}");
        let window = "slos:\n  - name: a\n    objective: 0.9\n    window: 5m\n    sli: {kind: http_success}\n";
        let e = parse(window, "f.yaml").unwrap_err();
        assert!(e.contains(":4:") && e.contains("slos[0].window"), "{e}");
        let dup = "slos:\n  - {name: a, objective: 0.9, sli: {kind: http_success}}\n  - {name: a, objective: 0.9, sli: {kind: http_success}}\n";
        assert!(parse(dup, "f.yaml").unwrap_err().contains("slos[1].name"));
        assert!(parse("slos: []\n", "f.yaml").unwrap_err().contains("empty"));
    }

    #[test]
    fn defaults_are_the_documented_four() {
        let d = defaults();
        let names: Vec<_> = d.iter().map(|s| (s.name.as_str(), s.objective)).collect();
        assert_eq!(names, [("web-vitals", 0.75), ("tti", 0.95), ("js-errors", 0.9999), ("http", 0.999)]);
        assert!(d.iter().all(|s| s.window == Duration::from_secs(28 * 86_400) && s.window_label() == "28d"));
    }
}
