//! OpenTelemetry OTLP/HTTP JSON: log records to `…/v1/logs`, spans to
//! `…/v1/traces`.
//!
//! The protobuf JSON mapping as OTLP specifies it: lowerCamelCase field
//! names, 64-bit integers (`timeUnixNano`, `intValue`) as decimal strings,
//! enums as integers, trace and span ids as lowercase hex (32 and 16
//! characters), attribute values wrapped in `AnyValue` (`{"stringValue":…}`).
//! Names follow the OpenTelemetry semantic conventions where one exists
//! (`docs/formats.md` has the table).

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::{Attrs, Val};
use super::batch::Item;
use super::event::{
    ErrorReport, Event, HttpCall, LatencySplit, LoafScript, LongTasks, Measure, NavTiming, Resource, Vital,
};
use super::json::{f64_to_u64, round, write_u64, Json};
use super::meta::{Meta, SDK_NAME, SDK_VERSION};
use super::wire::{Channel, Ctx};

/// Two channels, one section each: the envelope's head ends with the
/// opening bracket of `logRecords` / `spans`, so a section is bare items.
/// `application/json`: the OTLP receiver refuses anything else (so these go
/// by keepalive `fetch`, never by beacon).
pub const CHANNELS: &[Channel] = &[
    Channel { path: "/v1/logs", content_type: Some("application/json"), sections: &[("", "")] },
    Channel { path: "/v1/traces", content_type: Some("application/json"), sections: &[("", "")] },
];

const LOGS: u8 = 0;
const TRACES: u8 = 1;

/// SeverityNumber (an enum: an integer on the wire).
const SEVERITY_INFO: u64 = 9;
const SEVERITY_ERROR: u64 = 17;
/// Span.SpanKind and Status.StatusCode.
const SPAN_KIND_INTERNAL: u64 = 1;
const SPAN_KIND_CLIENT: u64 = 3;
const STATUS_ERROR: u64 = 2;

pub fn encode_event(ev: &Event, ctx: &mut Ctx) -> Vec<Item> {
    let m = ctx.meta;
    let log = |f: &dyn Fn(&mut Record)| {
        let mut j = Json::with_capacity(512);
        let mut r = Record { j: &mut j, meta: m };
        f(&mut r);
        r.j.end_arr().end_obj();
        Item { section: LOGS, body: j.finish() }
    };
    match ev {
        Event::Nav(n) => vec![log(&|r| nav(r, n)), document_load(n, ctx)],
        Event::Res(res) => vec![log(&|r| resource(r, res))],
        Event::Error(e) => vec![log(&|r| exception(r, e))],
        Event::Custom(c) => vec![log(&|r| {
            r.start(c.t, &c.name, SEVERITY_INFO, true);
            r.attrs(&c.attrs);
        })],
        Event::Measure(ms) => vec![log(&|r| measure(r, ms))],
        Event::Vital(v) => vec![log(&|r| vital(r, v))],
        Event::LongTasks(l) => vec![log(&|r| long_tasks(r, l))],
        Event::Split(sp) => vec![log(&|r| split(r, sp))],
        Event::Http(h) => vec![http_span(h, ctx)],
        #[cfg(any(feature = "actions", feature = "serde"))]
        Event::Action(a) => vec![log(&|r| action(r, a))],
    }
}

/// The drop counts of a flush, as a log record of their own.
pub fn dropped_item(counts: &Attrs, sent: f64, meta: &Meta) -> Item {
    let mut j = Json::with_capacity(256);
    let mut r = Record { j: &mut j, meta };
    r.start(sent, "rum.dropped", SEVERITY_INFO, false);
    for (k, v) in &counts.0 {
        if let Val::N(n) = v {
            r.int(&["rum.dropped.", k.as_str()].concat(), f64_to_u64(*n));
        }
    }
    r.j.end_arr().end_obj();
    Item { section: LOGS, body: j.finish() }
}

/// `{"resourceLogs":[{"resource":…,"scopeLogs":[{"scope":…,"logRecords":[`
/// … `]}]}]}` (and the same with `resourceSpans`/`scopeSpans`/`spans`).
pub fn envelope(channel: usize, meta: &Meta) -> (String, String) {
    let (outer, scoped, items) = if channel == 0 {
        ("resourceLogs", "scopeLogs", "logRecords")
    } else {
        ("resourceSpans", "scopeSpans", "spans")
    };
    let mut j = Json::with_capacity(768);
    j.obj().key(outer).arr().obj();
    j.key("resource").obj().key("attributes").arr();
    resource_attributes(&mut j, meta);
    j.end_arr().end_obj();
    j.key(scoped).arr().obj();
    j.key("scope").obj().kstr("name", SDK_NAME).kstr("version", SDK_VERSION).end_obj();
    j.key(items).arr();
    (j.finish(), "]}]}]}".into())
}

fn resource_attributes(j: &mut Json, meta: &Meta) {
    let mut a = Attributes(j);
    a.str("service.name", &meta.app.name);
    a.str("service.version", &meta.app.version);
    a.str("deployment.environment.name", &meta.app.environment);
    a.str("telemetry.sdk.name", SDK_NAME);
    a.str("telemetry.sdk.version", SDK_VERSION);
    a.str("telemetry.sdk.language", "webjs");
    let env = &meta.env;
    a.str("user_agent.original", &env.ua);
    if let Some(ch) = &env.uach {
        if !ch.brands.is_empty() {
            // browser.brands: "Brand major" strings, as the conventions show them.
            a.0.obj().kstr("key", "browser.brands").key("value").obj().key("arrayValue").obj().key("values").arr();
            for b in &ch.brands {
                let s: String = b.chars().map(|c| if c == '/' { ' ' } else { c }).collect();
                a.0.obj().kstr("stringValue", &s).end_obj();
            }
            a.0.end_arr().end_obj().end_obj().end_obj();
        }
        a.str("browser.platform", &ch.platform);
        a.0.obj().kstr("key", "browser.mobile").key("value").obj().kbool("boolValue", ch.mobile).end_obj().end_obj();
    }
    a.str("browser.language", &env.lang);
}

/// Writes `{"key":k,"value":{…}}` items of an `attributes` array.
struct Attributes<'a>(&'a mut Json);

impl Attributes<'_> {
    fn open(&mut self, k: &str) -> &mut Json {
        self.0.obj().kstr("key", k).key("value").obj()
    }
    fn str(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.open(k).kstr("stringValue", v).end_obj().end_obj();
        }
    }
    /// `intValue` is an int64: a decimal string in the JSON mapping.
    fn int(&mut self, k: &str, v: u64) {
        let mut s = String::new();
        write_u64(&mut s, v);
        self.open(k).kstr("intValue", &s).end_obj().end_obj();
    }
    /// Non-finite doubles have no JSON form a decoder takes: left out.
    fn double(&mut self, k: &str, v: f64, decimals: u32) {
        if v.is_finite() {
            self.open(k).knum("doubleValue", v, decimals).end_obj().end_obj();
        }
    }
    fn val(&mut self, k: &str, v: &Val) {
        match v {
            Val::S(s) => self.str(k, s),
            Val::N(n) => self.double(k, *n, 4),
        }
    }
    /// LoAF scripts: an array of key/value lists.
    fn scripts(&mut self, k: &str, scripts: &[LoafScript]) {
        if scripts.is_empty() {
            return;
        }
        self.open(k).key("arrayValue").obj().key("values").arr();
        for s in scripts {
            self.0.obj().key("kvlistValue").obj().key("values").arr();
            let mut a = Attributes(self.0);
            a.str("url", &s.url);
            a.str("function", &s.function);
            a.str("invoker", &s.invoker);
            a.double("duration", s.dur, 1);
            self.0.end_arr().end_obj().end_obj();
        }
        self.0.end_arr().end_obj().end_obj().end_obj();
    }
}

/// A log record being written: `start` opens it up to its attributes, the
/// caller adds attributes, `encode_event` closes it.
struct Record<'a> {
    j: &'a mut Json,
    meta: &'a Meta,
}

impl Record<'_> {
    /// `page`: the record is about the page (its URL is `url.full`).
    fn start(&mut self, t: f64, event: &str, severity: u64, page: bool) {
        self.j.obj();
        time(self.j, "timeUnixNano", t);
        self.j.kuint("severityNumber", severity);
        if severity == SEVERITY_ERROR {
            self.j.kstr("severityText", "ERROR");
        }
        self.j.kstr("eventName", event);
        self.j.key("attributes").arr();
        let meta = self.meta;
        let mut a = Attributes(self.j);
        // The attribute too: receivers older than OTLP 1.5's eventName read it.
        a.str("event.name", event);
        a.str("session.id", &meta.session.id);
        a.str("rum.page_view.id", &meta.view.id);
        // A soft navigation's view: the page view it came from (empty: none).
        a.str("rum.page_view.parent_id", &meta.view.parent);
        if page {
            a.str("url.full", &meta.view.url);
        }
        if let Some(Val::S(id)) = meta.user.get("id") {
            a.str("user.id", id);
        }
    }
    fn a(&mut self) -> Attributes<'_> {
        Attributes(self.j)
    }
    fn str(&mut self, k: &str, v: &str) {
        self.a().str(k, v);
    }
    fn int(&mut self, k: &str, v: u64) {
        self.a().int(k, v);
    }
    fn ms(&mut self, k: &str, v: f64) {
        if v != 0.0 {
            self.a().double(k, v, 1);
        }
    }
    fn attrs(&mut self, attrs: &Attrs) {
        for (k, v) in &attrs.0 {
            self.a().val(k, v);
        }
    }
}

fn nav(r: &mut Record, n: &NavTiming) {
    r.start(n.t, "browser.navigation_timing", SEVERITY_INFO, true);
    r.str("navigation.type", &n.nav_type);
    r.int("navigation.redirect_count", u64::from(n.redirect_count));
    for (k, v) in [
        ("navigation.redirect_start", n.redirect_start),
        ("navigation.redirect_end", n.redirect_end),
        ("navigation.worker_start", n.worker_start),
        ("navigation.fetch_start", n.fetch_start),
        ("navigation.domain_lookup_start", n.domain_lookup_start),
        ("navigation.domain_lookup_end", n.domain_lookup_end),
        ("navigation.connect_start", n.connect_start),
        ("navigation.secure_connection_start", n.secure_connection_start),
        ("navigation.connect_end", n.connect_end),
        ("navigation.request_start", n.request_start),
        ("navigation.response_start", n.response_start),
        ("navigation.response_end", n.response_end),
        ("navigation.dom_interactive", n.dom_interactive),
        ("navigation.dom_content_loaded_event_start", n.dom_content_loaded_event_start),
        ("navigation.dom_content_loaded_event_end", n.dom_content_loaded_event_end),
        ("navigation.dom_complete", n.dom_complete),
        ("navigation.load_event_start", n.load_event_start),
        ("navigation.load_event_end", n.load_event_end),
        ("navigation.duration", n.duration),
        ("navigation.activation_start", n.activation_start),
        ("navigation.transfer_size", n.transfer_size),
        ("navigation.encoded_body_size", n.encoded_body_size),
        ("navigation.decoded_body_size", n.decoded_body_size),
    ] {
        r.ms(k, v);
    }
    r.str("network.protocol.name", &n.next_hop_protocol);
    for st in &n.server_timing {
        r.ms(&["navigation.server_timing.", st.name.as_str()].concat(), st.duration);
    }
}

fn resource(r: &mut Record, res: &Resource) {
    r.start(res.t, "browser.resource.timing", SEVERITY_INFO, false);
    r.str("browser.resource.url", &res.url);
    r.str("browser.resource.initiator_type", &res.initiator);
    r.ms("browser.resource.fetch_start", res.start);
    r.a().double("browser.resource.duration", res.dur, 1);
    for (k, v) in [
        ("browser.resource.dns_duration", res.dns),
        ("browser.resource.tcp_duration", res.tcp),
        ("browser.resource.tls_duration", res.tls),
        ("browser.resource.wait_duration", res.wait),
        ("browser.resource.download_duration", res.dl),
        ("browser.resource.transfer_size", res.size),
        ("browser.resource.encoded_body_size", res.enc),
        ("browser.resource.decoded_body_size", res.dec),
    ] {
        r.ms(k, v);
    }
    if res.status != 0 {
        r.int("http.response.status_code", u64::from(res.status));
    }
    if res.blocking {
        r.str("browser.resource.render_blocking_status", "blocking");
    }
    r.str("browser.resource.next_hop_protocol", &res.proto);
}

fn exception(r: &mut Record, e: &ErrorReport) {
    r.start(e.t, "exception", SEVERITY_ERROR, true);
    r.str("exception.type", &e.error_type);
    r.str("exception.message", &e.msg);
    r.str("exception.stacktrace", &stacktrace(e));
    r.str("rum.error.source", &e.src);
    if e.count > 1 {
        r.int("rum.error.count", u64::from(e.count));
    }
    r.str("code.file.path", &e.file);
    if e.line != 0 {
        r.int("code.line.number", u64::from(e.line));
    }
    if e.col != 0 {
        r.int("code.column.number", u64::from(e.col));
    }
    r.str("rum.error.element", &e.tag);
    r.attrs(&e.ctx);
}

/// The raw stack when the parser kept it, else the frames in V8's form
/// (`Type: message` then `    at fn (file:line:col)`), which every stack
/// tooling reads.
fn stacktrace(e: &ErrorReport) -> String {
    if !e.stack.is_empty() {
        return e.stack.clone();
    }
    if e.frames.is_empty() {
        return String::new();
    }
    let mut s = String::with_capacity(64 * e.frames.len());
    s.push_str(&e.error_type);
    s.push_str(": ");
    s.push_str(&e.msg);
    for f in &e.frames {
        s.push_str("\n    at ");
        if !f.function.is_empty() {
            s.push_str(&f.function);
            s.push_str(" (");
        }
        s.push_str(&f.file);
        for n in [f.line, f.col] {
            if n != 0 {
                s.push(':');
                write_u64(&mut s, u64::from(n));
            }
        }
        if !f.function.is_empty() {
            s.push(')');
        }
    }
    s
}

fn measure(r: &mut Record, m: &Measure) {
    r.start(m.t, "rum.measure", SEVERITY_INFO, true);
    r.str("rum.measure.name", &m.name);
    r.a().double("rum.measure.value", m.value, 4);
    r.attrs(&m.attrs);
}

fn vital(r: &mut Record, v: &Vital) {
    r.start(v.t, "browser.web_vital", SEVERITY_INFO, true);
    r.str("browser.web_vital.name", &v.name);
    r.a().double("browser.web_vital.value", v.value, if v.name == "CLS" { 4 } else { 1 });
    r.str("browser.web_vital.rating", &v.rating);
    r.str("browser.web_vital.navigation_type", &v.nav);
    for (k, a) in &v.attr.0 {
        r.a().val(&["browser.web_vital.attribution.", k.as_str()].concat(), a);
    }
    r.a().scripts("browser.web_vital.attribution.scripts", &v.scripts);
}

/// user latency = frontend + network + server, per page view.
fn split(r: &mut Record, sp: &LatencySplit) {
    r.start(sp.t, "rum.latency_split", SEVERITY_INFO, true);
    if let Some(s) = sp.server {
        r.a().double("rum.latency.server", s, 1);
        r.str("rum.latency.server_name", &sp.server_name);
    }
    r.a().double("rum.latency.network", sp.network, 1);
    r.a().double("rum.latency.frontend", sp.frontend, 1);
    if let Some(l) = sp.frontend_lcp {
        r.a().double("rum.latency.frontend_lcp", l, 1);
    }
}

/// A user action as a log event `browser.user_action` (docs/formats.md).
#[cfg(any(feature = "actions", feature = "serde"))]
fn action(r: &mut Record, a: &super::event::UserAction) {
    r.start(a.t, "browser.user_action", SEVERITY_INFO, true);
    r.str("browser.user_action.type", &a.kind);
    r.str("browser.user_action.name", &a.name);
    r.str("browser.user_action.target", &a.target);
    r.a().double("browser.user_action.duration", a.dur, 1);
    for (k, v) in [
        ("browser.user_action.http_calls", a.http),
        ("browser.user_action.http_failures", a.http_fail),
        ("browser.user_action.errors", a.errors),
        ("browser.user_action.long_tasks", a.long),
        ("browser.user_action.clicks", a.clicks),
    ] {
        r.int(k, u64::from(v));
    }
    if let Some(i) = a.inp {
        r.a().double("browser.user_action.inp", i, 1);
    }
    r.str("browser.user_action.frustration", &a.frust.join(","));
}

fn long_tasks(r: &mut Record, l: &LongTasks) {
    r.start(l.t, "rum.long_tasks", SEVERITY_INFO, true);
    r.str("rum.long_tasks.source", &l.src);
    r.int("rum.long_tasks.count", u64::from(l.count));
    r.a().double("rum.long_tasks.total", l.total, 1);
    r.a().double("rum.long_tasks.max", l.max, 1);
    r.a().scripts("rum.long_tasks.scripts", &l.scripts);
}

/// `{"traceId":…,"spanId":…` of a span: the given ids when they are valid
/// W3C ids, else random ones.
fn ids(j: &mut Json, trace_id: &str, span_id: &str, ctx: &mut Ctx) {
    let trace = if is_hex_id(trace_id, 32) { trace_id.to_string() } else { (ctx.random_id)(16) };
    let span = if is_hex_id(span_id, 16) { span_id.to_string() } else { (ctx.random_id)(8) };
    j.obj().kstr("traceId", &trace).kstr("spanId", &span);
}

/// Lowercase hex of exactly `len` characters, not all zeros (W3C Trace Context).
pub fn is_hex_id(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b != b'0')
}

/// The `traceparent` a server put in `Server-Timing`
/// (`00-<trace id>-<span id>-<flags>`): (trace id, span id).
fn server_traceparent(n: &NavTiming) -> Option<(&str, &str)> {
    let st = n.server_timing.iter().find(|s| s.name == "traceparent")?;
    let mut parts = st.description.split('-');
    let (_, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    (is_hex_id(trace, 32) && is_hex_id(span, 16)).then_some((trace, span))
}

/// The page load as one span (`documentLoad`, as OpenTelemetry's
/// document-load instrumentation names it), its marks as span events. A
/// `traceparent` in the document's Server-Timing makes it a child of the
/// server's span: the page load and the backend in one trace.
fn document_load(n: &NavTiming, ctx: &mut Ctx) -> Item {
    let m = ctx.meta;
    let mut j = Json::with_capacity(1024);
    let parent = server_traceparent(n);
    ids(&mut j, parent.map_or("", |p| p.0), "", ctx);
    if let Some((_, span)) = parent {
        j.kstr("parentSpanId", span);
    }
    j.kstr("name", "documentLoad").kuint("kind", SPAN_KIND_INTERNAL);
    let end = [n.load_event_end, n.dom_complete, n.dom_content_loaded_event_end, n.response_end, n.duration]
        .into_iter()
        .fold(0.0, f64::max);
    time(&mut j, "startTimeUnixNano", n.t + n.fetch_start);
    time(&mut j, "endTimeUnixNano", n.t + end.max(n.fetch_start));
    j.key("attributes").arr();
    let mut a = Attributes(&mut j);
    a.str("session.id", &m.session.id);
    a.str("rum.page_view.id", &m.view.id);
    a.str("url.full", &m.view.url);
    a.str("navigation.type", &n.nav_type);
    a.str("network.protocol.name", &n.next_hop_protocol);
    j.end_arr();
    j.key("events").arr();
    // fetchStart … loadEventEnd: the marks that are points in time.
    for (name, v) in n.marks().into_iter().skip(3).take(15) {
        if v != 0.0 {
            j.obj();
            time(&mut j, "timeUnixNano", n.t + v);
            j.kstr("name", name).end_obj();
        }
    }
    j.end_arr().end_obj();
    Item { section: TRACES, body: j.finish() }
}

/// One CLIENT span per fetch / XMLHttpRequest, with the trace and span ids
/// the agent propagated in its `traceparent` header (so the backend's spans
/// are its children), or random ones when none was sent.
fn http_span(h: &HttpCall, ctx: &mut Ctx) -> Item {
    let m = ctx.meta;
    let mut j = Json::with_capacity(512);
    ids(&mut j, &h.trace_id, &h.span_id, ctx);
    // The conventions' span name for an HTTP client: the method.
    j.kstr("name", if h.method.is_empty() { "HTTP" } else { &h.method }).kuint("kind", SPAN_KIND_CLIENT);
    time(&mut j, "startTimeUnixNano", h.t);
    time(&mut j, "endTimeUnixNano", h.t + h.dur);
    j.key("attributes").arr();
    let mut a = Attributes(&mut j);
    a.str("http.request.method", &h.method);
    a.str("url.full", &h.url);
    if h.status != 0 {
        a.int("http.response.status_code", u64::from(h.status));
    }
    let status_text;
    let error_type = match (h.fail.as_str(), h.status) {
        ("http", s) if s != 0 => {
            let mut s2 = String::new();
            write_u64(&mut s2, u64::from(s));
            status_text = s2;
            status_text.as_str()
        }
        (f, _) => f,
    };
    a.str("error.type", error_type);
    for (k, v) in [("http.request.body.size", h.req_size), ("http.response.body.size", h.res_size)] {
        if v > 0.0 {
            a.int(k, f64_to_u64(round(v)));
        }
    }
    a.str("rum.http.api", &h.api);
    for (k, v) in [
        ("rum.http.dns_duration", h.dns),
        ("rum.http.tcp_duration", h.tcp),
        ("rum.http.tls_duration", h.tls),
        ("rum.http.wait_duration", h.wait),
        ("rum.http.download_duration", h.dl),
    ] {
        if v != 0.0 {
            a.double(k, v, 1);
        }
    }
    a.str("session.id", &m.session.id);
    a.str("rum.page_view.id", &m.view.id);
    j.end_arr();
    if !h.fail.is_empty() {
        j.key("status").obj().kuint("code", STATUS_ERROR).kstr("message", error_type).end_obj();
    }
    j.end_obj();
    Item { section: TRACES, body: j.finish() }
}

/// `"k":"<epoch ns>"` (a fixed64: a decimal string). Times are kept at the
/// browser's 0.1 ms resolution, so the nanoseconds are exact multiples.
fn time(j: &mut Json, k: &str, epoch_ms: f64) {
    let tenths = f64_to_u64(round(epoch_ms * 10.0));
    let mut s = String::with_capacity(20);
    write_u64(&mut s, tenths.saturating_mul(100_000));
    j.kstr(k, &s);
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::event::{Frame, ServerTiming};
    use serde_json::Value;

    fn enc(ev: Event) -> Vec<(u8, Value)> {
        let mut meta = Meta::default();
        meta.session.id = "s1".into();
        meta.view.id = "v1".into();
        let mut n = 0u8;
        let mut rid = |len: usize| {
            n += 1;
            format!("{n:x}").repeat(len * 2)
        };
        encode_event(&ev, &mut Ctx { meta: &meta, random_id: &mut rid })
            .into_iter()
            .map(|it| (it.section, serde_json::from_str(&it.body).unwrap()))
            .collect()
    }

    fn attr<'a>(rec: &'a Value, key: &str) -> &'a Value {
        rec["attributes"].as_array().unwrap().iter().find(|a| a["key"] == key).map_or(&Value::Null, |a| &a["value"])
    }

    #[test]
    fn times_are_nanosecond_strings() {
        let mut j = Json::new();
        j.obj();
        time(&mut j, "t", 1_795_610_469_180.3);
        j.end_obj();
        assert_eq!(j.finish(), r#"{"t":"1795610469180300000"}"#);
    }

    #[test]
    fn http_call_is_a_client_span_with_its_ids() {
        let h = HttpCall {
            t: 1000.0,
            api: "fetch".into(),
            method: "POST".into(),
            url: "https://api/x".into(),
            status: 503,
            dur: 12.5,
            fail: "http".into(),
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            span_id: "b7ad6b7169203331".into(),
            ..Default::default()
        };
        let out = enc(Event::Http(h));
        assert_eq!(out.len(), 1);
        let (s, span) = &out[0];
        assert_eq!(*s, TRACES);
        assert_eq!(span["traceId"], "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(span["kind"], 3);
        assert_eq!(span["endTimeUnixNano"], "1012500000");
        assert_eq!(attr(span, "http.response.status_code"), &serde_json::json!({"intValue": "503"}));
        assert_eq!(attr(span, "error.type"), &serde_json::json!({"stringValue": "503"}));
        assert_eq!(span["status"]["code"], 2);
    }

    #[test]
    fn bad_ids_are_replaced() {
        let h = HttpCall { trace_id: "XYZ".into(), span_id: "0000000000000000".into(), ..Default::default() };
        let out = enc(Event::Http(h));
        assert_eq!(out[0].1["traceId"], "1".repeat(32));
        assert_eq!(out[0].1["spanId"], "2".repeat(16));
        assert!(is_hex_id("0af7651916cd43dd8448eb211c80319c", 32));
        assert!(!is_hex_id("0AF7651916CD43DD8448EB211C80319C", 32));
    }

    #[test]
    fn nav_is_a_log_record_and_a_document_load_span() {
        let n = NavTiming {
            t: 1000.0,
            nav_type: "navigate".into(),
            fetch_start: 1.5,
            response_start: 20.0,
            load_event_end: 400.0,
            server_timing: vec![ServerTiming {
                name: "traceparent".into(),
                duration: 0.0,
                description: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
            }],
            ..Default::default()
        };
        let out = enc(Event::Nav(n));
        assert_eq!(out.len(), 2);
        let (s, rec) = &out[0];
        assert_eq!(*s, LOGS);
        assert_eq!(rec["eventName"], "browser.navigation_timing");
        assert_eq!(attr(rec, "navigation.load_event_end"), &serde_json::json!({"doubleValue": 400}));
        let (s, span) = &out[1];
        assert_eq!(*s, TRACES);
        assert_eq!(span["traceId"], "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(span["parentSpanId"], "b7ad6b7169203331");
        assert_eq!(span["startTimeUnixNano"], "1001500000");
        assert_eq!(span["endTimeUnixNano"], "1400000000");
    }

    #[test]
    fn exceptions_carry_a_stacktrace() {
        let e = ErrorReport {
            t: 1.0,
            src: "js".into(),
            error_type: "TypeError".into(),
            msg: "boom".into(),
            frames: vec![
                Frame { file: "https://x/a.js".into(), function: "f".into(), line: 3, col: 9 },
                Frame { file: "https://x/b.js".into(), function: String::new(), line: 7, col: 1 },
            ],
            ..Default::default()
        };
        let rec = &enc(Event::Error(e))[0].1;
        assert_eq!(rec["severityNumber"], 17);
        assert_eq!(
            attr(rec, "exception.stacktrace")["stringValue"],
            "TypeError: boom\n    at f (https://x/a.js:3:9)\n    at https://x/b.js:7:1"
        );
    }
}
