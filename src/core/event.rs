//! The event model: what the agent reports, in the shape of the native wire
//! protocol (`docs/protocol.md`). The agent encodes with the hand-written
//! `encode` methods below; the collector decodes the same bytes with the serde
//! derives (feature `serde`). `tests::round_trip` keeps the two in agreement.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::Attrs;
use super::json::Json;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u32 = 1;

/// One reported thing. `t` (epoch milliseconds) is when it happened.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "k"))]
pub enum Event {
    #[cfg_attr(feature = "serde", serde(rename = "nav"))]
    Nav(NavTiming),
    #[cfg_attr(feature = "serde", serde(rename = "res"))]
    Res(Resource),
    #[cfg_attr(feature = "serde", serde(rename = "error"))]
    Error(ErrorReport),
    #[cfg_attr(feature = "serde", serde(rename = "event"))]
    Custom(Custom),
    #[cfg_attr(feature = "serde", serde(rename = "measure"))]
    Measure(Measure),
    #[cfg_attr(feature = "serde", serde(rename = "vital"))]
    Vital(Vital),
    #[cfg_attr(feature = "serde", serde(rename = "long"))]
    LongTasks(LongTasks),
    #[cfg_attr(feature = "serde", serde(rename = "http"))]
    Http(HttpCall),
    #[cfg_attr(feature = "serde", serde(rename = "split"))]
    Split(LatencySplit),
    /// Only in builds that report actions (and the collector's): the
    /// default wasm carries no action encoder.
    #[cfg(any(feature = "actions", feature = "serde"))]
    #[cfg_attr(feature = "serde", serde(rename = "action"))]
    Action(UserAction),
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Nav(_) => "nav",
            Event::Res(_) => "res",
            Event::Error(_) => "error",
            Event::Custom(_) => "event",
            Event::Measure(_) => "measure",
            Event::Vital(_) => "vital",
            Event::LongTasks(_) => "long",
            Event::Http(_) => "http",
            Event::Split(_) => "split",
            #[cfg(any(feature = "actions", feature = "serde"))]
            Event::Action(_) => "action",
        }
    }

    pub fn time(&self) -> f64 {
        match self {
            Event::Nav(e) => e.t,
            Event::Res(e) => e.t,
            Event::Error(e) => e.t,
            Event::Custom(e) => e.t,
            Event::Measure(e) => e.t,
            Event::Vital(e) => e.t,
            Event::LongTasks(e) => e.t,
            Event::Http(e) => e.t,
            Event::Split(e) => e.t,
            #[cfg(any(feature = "actions", feature = "serde"))]
            Event::Action(e) => e.t,
        }
    }

    /// Native JSON encoding of one event of the page view that started at
    /// `view_start` (epoch ms): a resource whose `t` is `view_start + start`
    /// leaves `t` out (see `Resource::t_implied`).
    pub fn encode_in(&self, j: &mut Json, view_start: f64) {
        j.obj().kstr("k", self.kind());
        if !matches!(self, Event::Res(r) if r.t_implied(view_start)) {
            j.knum("t", self.time(), 1);
        }
        match self {
            Event::Nav(e) => e.encode_fields(j),
            Event::Res(e) => e.encode_fields(j),
            Event::Error(e) => e.encode_fields(j),
            Event::Custom(e) => {
                j.kstr("name", &e.name);
                e.attrs.encode_opt(j, "attrs");
            }
            Event::Measure(e) => {
                j.kstr("name", &e.name).knum("value", e.value, 4);
                e.attrs.encode_opt(j, "attrs");
            }
            Event::Vital(e) => e.encode_fields(j),
            Event::LongTasks(e) => e.encode_fields(j),
            Event::Http(e) => e.encode_fields(j),
            Event::Split(e) => e.encode_fields(j),
            #[cfg(any(feature = "actions", feature = "serde"))]
            Event::Action(e) => e.encode_fields(j),
        }
        j.end_obj();
    }

    /// The decoder's side of `encode_in`: fills what the wire implied.
    pub fn restore_implied(&mut self, view_start: f64) {
        if let Event::Res(r) = self {
            r.restore_t(view_start);
        }
    }

    pub fn to_json(&self) -> String {
        self.to_json_in(f64::NAN)
    }

    pub fn to_json_in(&self, view_start: f64) -> String {
        let mut j = Json::with_capacity(256);
        self.encode_in(&mut j, view_start);
        j.finish()
    }
}

/// `mark_values` and `marks_mut` from one list of fields, in `MARK_NAMES` order.
macro_rules! nav_marks {
    ($($f:ident),*) => {
        fn mark_values(&self) -> [f64; 23] {
            [$(self.$f),*]
        }

        /// The marks in `MARK_NAMES` order, to fill them by name.
        pub fn marks_mut(&mut self) -> [&mut f64; 23] {
            [$(&mut self.$f),*]
        }
    };
}

/// The numeric fields of `NavTiming`, as the entry (and the wire) names them.
pub const MARK_NAMES: [&str; 23] = [
    "redirectStart",
    "redirectEnd",
    "workerStart",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "secureConnectionStart",
    "connectEnd",
    "requestStart",
    "responseStart",
    "responseEnd",
    "domInteractive",
    "domContentLoadedEventStart",
    "domContentLoadedEventEnd",
    "domComplete",
    "loadEventStart",
    "loadEventEnd",
    "duration",
    "activationStart",
    "transferSize",
    "encodedBodySize",
    "decodedBodySize",
];

/// The document's navigation timing entry, fields named and valued exactly as
/// `performance.getEntriesByType('navigation')[0]` (ms since `timeOrigin`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase", default))]
pub struct NavTiming {
    pub t: f64,
    /// navigate | reload | back_forward | prerender (as the entry says).
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub nav_type: String,
    pub redirect_count: u32,
    pub redirect_start: f64,
    pub redirect_end: f64,
    pub worker_start: f64,
    pub fetch_start: f64,
    pub domain_lookup_start: f64,
    pub domain_lookup_end: f64,
    pub connect_start: f64,
    pub secure_connection_start: f64,
    pub connect_end: f64,
    pub request_start: f64,
    pub response_start: f64,
    pub response_end: f64,
    pub dom_interactive: f64,
    pub dom_content_loaded_event_start: f64,
    pub dom_content_loaded_event_end: f64,
    pub dom_complete: f64,
    pub load_event_start: f64,
    pub load_event_end: f64,
    pub duration: f64,
    pub activation_start: f64,
    pub transfer_size: f64,
    pub encoded_body_size: f64,
    pub decoded_body_size: f64,
    pub next_hop_protocol: String,
    pub server_timing: Vec<ServerTiming>,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct ServerTiming {
    pub name: String,
    pub duration: f64,
    pub description: String,
}

/// The phases SREs read, derived from the marks. One definition shared by the
/// agent's alternative encoders and the collector.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NavPhases {
    pub redirect: f64,
    pub dns: f64,
    /// TCP connect, excluding TLS.
    pub tcp: f64,
    pub tls: f64,
    /// requestStart → responseStart (server think time plus one round trip).
    pub request: f64,
    /// responseStart → responseEnd.
    pub download: f64,
    /// responseEnd → domComplete: parsing, scripts, subresources.
    pub dom_processing: f64,
    /// responseStart, clamped as web-vitals clamps TTFB (activationStart subtracted).
    pub ttfb: f64,
}

fn span(a: f64, b: f64) -> f64 {
    if a > 0.0 && b >= a {
        b - a
    } else {
        0.0
    }
}

impl NavTiming {
    pub fn phases(&self) -> NavPhases {
        let tls_start = self.secure_connection_start;
        let (tcp, tls) = if tls_start > 0.0 {
            (span(self.connect_start, tls_start), span(tls_start, self.connect_end))
        } else {
            (span(self.connect_start, self.connect_end), 0.0)
        };
        NavPhases {
            redirect: span(self.redirect_start, self.redirect_end),
            dns: span(self.domain_lookup_start, self.domain_lookup_end),
            tcp,
            tls,
            request: span(self.request_start, self.response_start),
            download: span(self.response_start, self.response_end),
            dom_processing: span(self.response_end, self.dom_complete),
            ttfb: (self.response_start - self.activation_start).max(0.0),
        }
    }

    /// Every numeric field under its `PerformanceNavigationTiming` name, in
    /// the entry's order (marks, duration, activationStart, sizes): one list
    /// for every encoder.
    pub fn marks(&self) -> [(&'static str, f64); 23] {
        let values = self.mark_values();
        core::array::from_fn(|i| (MARK_NAMES.get(i).copied().unwrap_or(""), values.get(i).copied().unwrap_or(0.0)))
    }

    nav_marks!(
        redirect_start,
        redirect_end,
        worker_start,
        fetch_start,
        domain_lookup_start,
        domain_lookup_end,
        connect_start,
        secure_connection_start,
        connect_end,
        request_start,
        response_start,
        response_end,
        dom_interactive,
        dom_content_loaded_event_start,
        dom_content_loaded_event_end,
        dom_complete,
        load_event_start,
        load_event_end,
        duration,
        activation_start,
        transfer_size,
        encoded_body_size,
        decoded_body_size
    );

    fn encode_fields(&self, j: &mut Json) {
        j.kstr("type", &self.nav_type).kuint("redirectCount", u64::from(self.redirect_count));
        let marks = self.marks();
        for (k, v) in marks {
            // Zero is the spec's "did not happen": omitting it saves bytes and
            // the decoder's default restores it.
            if v != 0.0 {
                j.kms(k, v);
            }
        }
        j.kstr_opt("nextHopProtocol", &self.next_hop_protocol);
        if !self.server_timing.is_empty() {
            j.key("serverTiming").arr();
            for st in &self.server_timing {
                j.obj().kstr("name", &st.name);
                if st.duration != 0.0 {
                    j.kms("duration", st.duration);
                }
                j.kstr_opt("description", &st.description);
                j.end_obj();
            }
            j.end_arr();
        }
    }
}

/// One Resource Timing entry, reduced to what explains a slow resource.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Resource {
    pub t: f64,
    /// Scrubbed URL.
    pub url: String,
    /// initiatorType: img, script, link, css, fetch, xmlhttprequest, …
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub initiator: String,
    /// startTime, ms since timeOrigin.
    pub start: f64,
    pub dur: f64,
    pub dns: f64,
    pub tcp: f64,
    pub tls: f64,
    /// requestStart → responseStart.
    pub wait: f64,
    /// responseStart → responseEnd.
    pub dl: f64,
    /// transferSize (0 for cache hits and for cross-origin without Timing-Allow-Origin).
    pub size: f64,
    pub enc: f64,
    pub dec: f64,
    /// renderBlockingStatus == "blocking".
    pub blocking: bool,
    /// responseStatus where the browser exposes it (0 = unknown).
    pub status: u32,
    pub proto: String,
}

impl Resource {
    /// The native wire leaves `t` out when it is the view's start plus the
    /// entry's `startTime` (to the wire's 0.1 ms): ~5 B of gzip per resource,
    /// 40-odd resources a view. Every view starts at the document's time
    /// origin except a back/forward-cache restore, whose resources still
    /// count from the original origin: their `t` does not match and is sent.
    pub fn t_implied(&self, view_start: f64) -> bool {
        view_start > 0.0 && (view_start + self.start - self.t).abs() < 0.05
    }

    /// The decoder's side: a `res` event without `t` happened at the view's
    /// start plus its `start`.
    pub fn restore_t(&mut self, view_start: f64) {
        if self.t == 0.0 {
            self.t = view_start + self.start;
        }
    }

    fn encode_fields(&self, j: &mut Json) {
        j.kstr("url", &self.url).kstr("type", &self.initiator).kms("start", self.start).kms("dur", self.dur);
        for (k, v) in [
            ("dns", self.dns),
            ("tcp", self.tcp),
            ("tls", self.tls),
            ("wait", self.wait),
            ("dl", self.dl),
            ("size", self.size),
            ("enc", self.enc),
            ("dec", self.dec),
        ] {
            if v != 0.0 {
                j.kms(k, v);
            }
        }
        if self.blocking {
            j.kbool("blocking", true);
        }
        if self.status != 0 {
            j.kuint("status", u64::from(self.status));
        }
        j.kstr_opt("proto", &self.proto);
    }
}

/// Where an error came from.
pub mod source {
    /// `error` event on window (uncaught exception).
    pub const JS: &str = "js";
    /// `unhandledrejection`.
    pub const PROMISE: &str = "promise";
    /// A failed img/script/link/media load (capture-phase `error`).
    pub const RESOURCE: &str = "resource";
    /// `rum.pushError()`.
    pub const API: &str = "api";
    /// A Content-Security-Policy violation (`securitypolicyviolation`).
    pub const CSP: &str = "csp";
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Frame {
    pub file: String,
    #[cfg_attr(feature = "serde", serde(rename = "fn"))]
    pub function: String,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct ErrorReport {
    pub t: f64,
    /// js | promise | resource | api | csp
    pub src: String,
    /// Error name (TypeError, …), or ResourceError / UnhandledRejection.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub error_type: String,
    pub msg: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub frames: Vec<Frame>,
    /// The raw stack, when it had frames the parser did not understand.
    pub stack: String,
    /// How many identical errors this report stands for (1 = just this one).
    pub count: u32,
    pub ctx: Attrs,
    /// For resource errors: the element's tag name (lowercase).
    pub tag: String,
}

impl ErrorReport {
    fn encode_fields(&self, j: &mut Json) {
        j.kstr("src", &self.src).kstr("type", &self.error_type).kstr("msg", &self.msg);
        j.kstr_opt("file", &self.file);
        if self.line != 0 {
            j.kuint("line", u64::from(self.line));
        }
        if self.col != 0 {
            j.kuint("col", u64::from(self.col));
        }
        if !self.frames.is_empty() {
            j.key("frames").arr();
            for f in &self.frames {
                j.obj().kstr("file", &f.file).kstr_opt("fn", &f.function);
                if f.line != 0 {
                    j.kuint("line", u64::from(f.line));
                }
                if f.col != 0 {
                    j.kuint("col", u64::from(f.col));
                }
                j.end_obj();
            }
            j.end_arr();
        }
        j.kstr_opt("stack", &self.stack);
        j.kuint("count", u64::from(self.count.max(1)));
        self.ctx.encode_opt(j, "ctx");
        j.kstr_opt("tag", &self.tag);
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Custom {
    pub t: f64,
    pub name: String,
    pub attrs: Attrs,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Measure {
    pub t: f64,
    pub name: String,
    pub value: f64,
    pub attrs: Attrs,
}

/// A Web Vital (LCP, CLS, INP, FCP, TTFB) or TTI/TBT, final for its page view
/// unless `reportAllChanges` is set.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Vital {
    pub t: f64,
    pub name: String,
    pub value: f64,
    /// good | needs-improvement | poor (empty for metrics without thresholds).
    pub rating: String,
    /// Navigation type as web-vitals names it: navigate, reload,
    /// back-forward, back-forward-cache, prerender, restore.
    pub nav: String,
    /// Attribution: what to fix.
    pub attr: Attrs,
    /// INP: the scripts of the long animation frames that overlapped the
    /// interaction (Chromium's LoAF API), longest first.
    pub scripts: Vec<LoafScript>,
}

impl Vital {
    fn encode_fields(&self, j: &mut Json) {
        let decimals = if self.name == "CLS" { 4 } else { 1 };
        j.kstr("name", &self.name).knum("value", self.value, decimals);
        j.kstr_opt("rating", &self.rating).kstr_opt("nav", &self.nav);
        self.attr.encode_opt(j, "attr");
        encode_scripts(j, &self.scripts);
    }
}

fn encode_scripts(j: &mut Json, scripts: &[LoafScript]) {
    if scripts.is_empty() {
        return;
    }
    j.key("scripts").arr();
    for s in scripts {
        j.obj().kstr_opt("url", &s.url).kstr_opt("fn", &s.function).kstr_opt("invoker", &s.invoker);
        j.kms("dur", s.dur).end_obj();
    }
    j.end_arr();
}

/// Long tasks and long animation frames of one page view, aggregated.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct LongTasks {
    pub t: f64,
    /// longtask | loaf
    pub src: String,
    pub count: u32,
    pub total: f64,
    pub max: f64,
    /// Scripts that ran in the longest frames (LoAF only), capped.
    pub scripts: Vec<LoafScript>,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct LoafScript {
    pub url: String,
    #[cfg_attr(feature = "serde", serde(rename = "fn"))]
    pub function: String,
    pub invoker: String,
    pub dur: f64,
}

impl LongTasks {
    fn encode_fields(&self, j: &mut Json) {
        j.kstr("src", &self.src).kuint("count", u64::from(self.count)).kms("total", self.total).kms("max", self.max);
        encode_scripts(j, &self.scripts);
    }
}

/// A fetch or XMLHttpRequest made by the page.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct HttpCall {
    pub t: f64,
    /// fetch | xhr
    pub api: String,
    pub method: String,
    pub url: String,
    /// 0 when no response arrived.
    pub status: u32,
    pub dur: f64,
    /// network | abort | timeout | cors (empty on success)
    pub fail: String,
    pub req_size: f64,
    pub res_size: f64,
    pub trace_id: String,
    pub span_id: String,
    /// Resource Timing phases of the matching entry, when found.
    pub dns: f64,
    pub tcp: f64,
    pub tls: f64,
    pub wait: f64,
    pub dl: f64,
}

impl HttpCall {
    fn encode_fields(&self, j: &mut Json) {
        j.kstr("api", &self.api).kstr("method", &self.method).kstr("url", &self.url);
        j.kuint("status", u64::from(self.status)).kms("dur", self.dur);
        j.kstr_opt("fail", &self.fail);
        for (k, v) in [
            ("req_size", self.req_size),
            ("res_size", self.res_size),
            ("dns", self.dns),
            ("tcp", self.tcp),
            ("tls", self.tls),
            ("wait", self.wait),
            ("dl", self.dl),
        ] {
            if v != 0.0 {
                j.kms(k, v);
            }
        }
        j.kstr_opt("trace_id", &self.trace_id).kstr_opt("span_id", &self.span_id);
    }
}

/// Where a page view's time went: "user latency = frontend + network +
/// server" (README, docs/protocol.md). Milliseconds; `None` where unknown.
///
/// - `server`: the `Server-Timing` entry named by `serverTimingName`, else
///   `total`, else `app`; `None` when the response has none.
/// - `network`: redirect + DNS + TCP + TLS + request→first byte, minus
///   `server` when known (else it includes the server's time).
/// - `frontend`: first byte → `loadEventEnd`.
/// - `frontend_lcp`: first byte → LCP (when the page had an LCP).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct LatencySplit {
    pub t: f64,
    pub server: Option<f64>,
    /// Which Server-Timing entry gave `server`.
    pub server_name: String,
    pub network: f64,
    pub frontend: f64,
    pub frontend_lcp: Option<f64>,
}

impl LatencySplit {
    pub fn compute(nav: &NavTiming, server_timing_name: &str, lcp: Option<f64>) -> LatencySplit {
        let p = nav.phases();
        let wanted: &[&str] = if server_timing_name.is_empty() { &["total", "app"] } else { &[server_timing_name] };
        let server = wanted
            .iter()
            .find_map(|w| nav.server_timing.iter().find(|s| s.name.eq_ignore_ascii_case(w) && s.duration > 0.0));
        let to_first_byte = p.redirect + p.dns + p.tcp + p.tls + p.request;
        let network = (to_first_byte - server.map_or(0.0, |s| s.duration)).max(0.0);
        let first_byte = nav.response_start;
        LatencySplit {
            t: nav.t,
            server: server.map(|s| s.duration),
            server_name: server.map(|s| s.name.clone()).unwrap_or_default(),
            network,
            frontend: (nav.load_event_end - first_byte).max(0.0),
            frontend_lcp: lcp.map(|l| (l + nav.activation_start - first_byte).max(0.0)),
        }
    }

    fn encode_fields(&self, j: &mut Json) {
        if let Some(s) = self.server {
            j.kms("server", s).kstr_opt("server_name", &self.server_name);
        }
        j.kms("network", self.network).kms("frontend", self.frontend);
        if let Some(l) = self.frontend_lcp {
            j.kms("frontend_lcp", l);
        }
    }
}

/// A user action (`docs/protocol.md`, "action"): a click, an activating key
/// or a form submit, how long the page took to settle after it, what it
/// caused and whether it frustrated the user. Decided in `core::action`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct UserAction {
    /// When the input happened (the event's `timeStamp`).
    pub t: f64,
    /// click | key | submit
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: String,
    /// `data-rum-name`, else the accessible name (never an input's value).
    pub name: String,
    /// CSS selector of the actionable element.
    pub target: String,
    /// Input → the page settled (ms): processing, paint, HTTP calls, long frames, DOM changes.
    pub dur: f64,
    /// HTTP calls started during the action, and how many of them failed.
    pub http: u32,
    pub http_fail: u32,
    /// Errors (uncaught, rejections) during the action.
    pub errors: u32,
    /// Long animation frames (or long tasks) overlapping it.
    pub long: u32,
    /// The interaction's latency (Event Timing) when it was an INP candidate (≥ 40 ms).
    pub inp: Option<f64>,
    /// Clicks merged into this action (a rage click has ≥ 3).
    pub clicks: u32,
    /// Frustration signals: rage, dead, error.
    pub frust: Vec<String>,
}

impl UserAction {
    #[cfg(any(feature = "actions", feature = "serde"))]
    fn encode_fields(&self, j: &mut Json) {
        j.kstr("type", &self.kind).kstr_opt("name", &self.name).kstr_opt("target", &self.target);
        j.kms("dur", self.dur);
        for (k, v) in [("http", self.http), ("http_fail", self.http_fail), ("errors", self.errors), ("long", self.long)]
        {
            if v != 0 {
                j.kuint(k, u64::from(v));
            }
        }
        if let Some(i) = self.inp {
            j.kms("inp", i);
        }
        if self.clicks > 1 {
            j.kuint("clicks", u64::from(self.clicks));
        }
        if !self.frust.is_empty() {
            j.key("frust").arr();
            for f in &self.frust {
                j.str(f);
            }
            j.end_arr();
        }
    }
}
