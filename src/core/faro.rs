//! Grafana Faro wire format: exactly what Grafana Alloy's `faro.receiver`
//! decodes (its Go payload types, `internal/component/faro/receiver/internal/payload`).
//!
//! The receiver rejects a whole batch on one type error, so every value has
//! the Go type of its field: timestamps are RFC 3339 strings (`time.Time`),
//! measurement values numbers (`map[string]float64`), `context` and
//! `attributes` string → string (numbers are written as strings), frame
//! line/column integers. It drops fields it does not know, so we send none.
//! The mapping, field by field, is in `docs/formats.md`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::{Attrs, Val};
use super::batch::Item;
use super::event::{
    ErrorReport, Event, HttpCall, LatencySplit, LoafScript, LongTasks, Measure, NavTiming, Resource, Vital,
};
use super::json::{f64_to_u64, round, write_f64, write_u64, Json};
use super::meta::{Meta, SDK_NAME, SDK_VERSION};
use super::rfc3339;
use super::wire::{Channel, Ctx};

/// One channel (the configured URL, `text/plain`: Alloy does not look at the
/// content type, so beacons work), four sections as the payload names them.
pub const CHANNELS: &[Channel] = &[Channel {
    path: "",
    content_type: None,
    sections: &[("\"measurements\":[", "]"), ("\"exceptions\":[", "]"), ("\"events\":[", "]"), ("\"logs\":[", "]")],
}];

const MEASUREMENTS: u8 = 0;
const EXCEPTIONS: u8 = 1;
const EVENTS: u8 = 2;

/// Measurement types of ours (Faro's own is `web-vitals`).
pub const WEB_VITALS: &str = "web-vitals";
pub const NAVIGATION_TIMING: &str = "navigation-timing";
pub const LONG_TASKS: &str = "long-tasks";
pub const LATENCY_SPLIT: &str = "latency-split";
pub const DROPPED: &str = "rum-agent.dropped";
/// Event names as the Faro web SDK (and its tracing package) sends them.
pub const RESOURCE_EVENT: &str = "faro.performance.resource";
pub const FETCH_EVENT: &str = "faro.tracing.fetch";
pub const XHR_EVENT: &str = "faro.tracing.xml-http-request";
/// The Faro web SDK's user action event (`@grafana/faro-core` `userActionEventName`).
pub const USER_ACTION_EVENT: &str = "faro.user.action";

pub fn encode_event(ev: &Event, _ctx: &mut Ctx) -> Vec<Item> {
    let mut j = Json::with_capacity(256);
    let section = match ev {
        Event::Vital(v) => {
            vital(&mut j, v);
            MEASUREMENTS
        }
        Event::Nav(n) => {
            nav(&mut j, n);
            MEASUREMENTS
        }
        Event::LongTasks(l) => {
            long_tasks(&mut j, l);
            MEASUREMENTS
        }
        Event::Measure(m) => {
            measure(&mut j, m);
            MEASUREMENTS
        }
        Event::Split(sp) => {
            split(&mut j, sp);
            MEASUREMENTS
        }
        Event::Error(e) => {
            exception(&mut j, e);
            EXCEPTIONS
        }
        Event::Custom(c) => {
            j.obj().kstr("name", &c.name);
            let mut a = Map::new(&mut j, "attributes");
            a.attrs(&c.attrs, false);
            a.end();
            timestamp(&mut j, c.t);
            j.end_obj();
            EVENTS
        }
        Event::Res(r) => {
            resource(&mut j, r);
            EVENTS
        }
        Event::Http(h) => {
            http(&mut j, h);
            EVENTS
        }
        #[cfg(any(feature = "actions", feature = "serde"))]
        Event::Action(a) => {
            action(&mut j, a);
            EVENTS
        }
    };
    vec![Item { section, body: j.finish() }]
}

/// The drop counts of a flush, as a measurement (Faro has no place for them
/// in the envelope): `{"type":"rum-agent.dropped","values":{"queue":2}}`.
pub fn dropped_item(counts: &Attrs, sent: f64) -> Item {
    let mut j = Json::with_capacity(96);
    j.obj().kstr("type", DROPPED);
    let mut v = Map::new(&mut j, "values");
    for (k, val) in &counts.0 {
        if let Val::N(n) = val {
            v.num(k, *n, 0);
        }
    }
    v.end();
    timestamp(&mut j, sent);
    j.end_obj();
    Item { section: MEASUREMENTS, body: j.finish() }
}

/// `{"meta":{…},` … `}`: the batch context once per request.
pub fn envelope(meta: &Meta) -> (String, String) {
    let mut j = Json::with_capacity(768);
    j.obj().key("meta").obj();
    j.key("sdk").obj().kstr("name", SDK_NAME).kstr("version", SDK_VERSION).end_obj();
    let app = &meta.app;
    j.key("app").obj().kstr("name", &app.name).kstr_opt("version", &app.version);
    j.kstr_opt("environment", &app.environment).end_obj();
    j.key("session").obj().kstr("id", &meta.session.id).end_obj();
    let view = &meta.view;
    j.key("page").obj().kstr("id", &view.id).kstr("url", &view.url);
    let mut pa = Map::new(&mut j, "attributes");
    pa.str("referrer", &view.referrer);
    pa.str("navigation_type", &view.nav);
    // A soft navigation's view: the page view it came from.
    pa.str("parent_page_id", &view.parent);
    pa.end();
    j.end_obj();
    browser(&mut j, meta);
    if !view.name.is_empty() {
        j.key("view").obj().kstr("name", &view.name).end_obj();
    }
    user(&mut j, &meta.user);
    j.end_obj();
    let mut head = j.finish();
    head.push(',');
    (head, "}".into())
}

fn browser(j: &mut Json, meta: &Meta) {
    let env = &meta.env;
    j.key("browser").obj();
    if let Some(ch) = &env.uach {
        // "Brand/major": the first brand that is not the engine, else the engine.
        let brand = ch.brands.iter().find(|b| !b.starts_with("Chromium/")).or(ch.brands.first());
        if let Some((name, version)) = brand.and_then(|b| super::json::rsplit_once_byte(b, b'/')) {
            j.kstr_opt("name", name).kstr_opt("version", version);
        }
        j.kstr_opt("os", &ch.platform);
        if ch.mobile {
            j.kbool("mobile", true);
        }
    }
    j.kstr_opt("userAgent", &env.ua).kstr_opt("language", &env.lang);
    if env.vw > 0 && env.vh > 0 {
        // Strings in the Go type.
        j.key("viewportWidth").str(&uint_string(u64::from(env.vw)));
        j.key("viewportHeight").str(&uint_string(u64::from(env.vh)));
    }
    j.end_obj();
}

/// `setUser()` attributes: `id`, `email`, `username` are Faro's own fields,
/// the rest go in `attributes` (strings).
fn user(j: &mut Json, user: &Attrs) {
    if user.is_empty() {
        return;
    }
    j.key("user").obj();
    for k in ["id", "email", "username"] {
        if let Some(v) = user.get(k) {
            j.key(k).str(&val_string(v));
        }
    }
    let mut a = Map::new(j, "attributes");
    for (k, v) in &user.0 {
        if !matches!(k.as_str(), "id" | "email" | "username") {
            a.str(k, &val_string(v));
        }
    }
    a.end();
    j.end_obj();
}

fn vital(j: &mut Json, v: &Vital) {
    j.obj().kstr("type", WEB_VITALS);
    let mut values = Map::new(j, "values");
    let key = v.name.to_ascii_lowercase();
    values.num(&key, v.value, if v.name == "CLS" { 4 } else { 1 });
    // Attribution as Faro names it: numbers in `values`, strings in `context`.
    for (k, a) in &v.attr.0 {
        if let Val::N(n) = a {
            values.num(&snake(k), *n, 4);
        }
    }
    if let Some(s) = v.scripts.first() {
        values.num("longest_script_duration", s.dur, 1);
    }
    values.end();
    timestamp(j, v.t);
    let mut ctx = Map::new(j, "context");
    ctx.str("rating", &v.rating);
    ctx.str("navigation_type", &v.nav);
    for (k, a) in &v.attr.0 {
        if let Val::S(s) = a {
            let key = match k.as_str() {
                "target" => "element".to_string(),
                "url" => "resource_url".to_string(),
                k => snake(k),
            };
            ctx.str(&key, s);
        }
    }
    longest_script(&mut ctx, v.scripts.first());
    ctx.end();
    j.end_obj();
}

fn longest_script(ctx: &mut Map, s: Option<&LoafScript>) {
    if let Some(s) = s {
        ctx.str("longest_script_invoker", &s.invoker);
        ctx.str("longest_script_source_url", &s.url);
        ctx.str("longest_script_source_function_name", &s.function);
    }
}

fn nav(j: &mut Json, n: &NavTiming) {
    j.obj().kstr("type", NAVIGATION_TIMING);
    let mut values = Map::new(j, "values");
    // The entry's own names and values (ms since the navigation started).
    let marks = n.marks().into_iter().chain([("redirectCount", f64::from(n.redirect_count))]);
    for (k, v) in marks {
        if v != 0.0 {
            values.num(k, v, 1);
        }
    }
    for st in &n.server_timing {
        values.num(&["serverTiming.", st.name.as_str()].concat(), st.duration, 1);
    }
    values.end();
    timestamp(j, n.t);
    let mut ctx = Map::new(j, "context");
    ctx.str("navigation_type", &n.nav_type);
    ctx.str("protocol", &n.next_hop_protocol);
    for st in &n.server_timing {
        ctx.str(&["serverTiming.", st.name.as_str()].concat(), &st.description);
    }
    ctx.end();
    j.end_obj();
}

fn long_tasks(j: &mut Json, l: &LongTasks) {
    j.obj().kstr("type", LONG_TASKS);
    let mut values = Map::new(j, "values");
    values.num("count", f64::from(l.count), 0);
    values.num("total", l.total, 1);
    values.num("max", l.max, 1);
    if let Some(s) = l.scripts.first() {
        values.num("longest_script_duration", s.dur, 1);
    }
    values.end();
    timestamp(j, l.t);
    let mut ctx = Map::new(j, "context");
    ctx.str("source", &l.src);
    longest_script(&mut ctx, l.scripts.first());
    ctx.end();
    j.end_obj();
}

fn split(j: &mut Json, sp: &LatencySplit) {
    j.obj().kstr("type", LATENCY_SPLIT);
    let mut values = Map::new(j, "values");
    if let Some(s) = sp.server {
        values.num("server", s, 1);
    }
    values.num("network", sp.network, 1);
    values.num("frontend", sp.frontend, 1);
    if let Some(l) = sp.frontend_lcp {
        values.num("frontend_lcp", l, 1);
    }
    values.end();
    timestamp(j, sp.t);
    let mut ctx = Map::new(j, "context");
    ctx.str("server_name", &sp.server_name);
    ctx.end();
    j.end_obj();
}

fn measure(j: &mut Json, m: &Measure) {
    j.obj().kstr("type", &m.name);
    let mut values = Map::new(j, "values");
    values.num("value", m.value, 4);
    values.end();
    timestamp(j, m.t);
    let mut ctx = Map::new(j, "context");
    ctx.attrs(&m.attrs, false);
    ctx.end();
    j.end_obj();
}

fn exception(j: &mut Json, e: &ErrorReport) {
    let ty = if e.error_type.is_empty() { "Error" } else { e.error_type.as_str() };
    j.obj().kstr("type", ty).kstr("value", &message_value(ty, &e.msg));
    timestamp(j, e.t);
    let one;
    let frames: &[super::event::Frame] = if e.frames.is_empty() && !e.file.is_empty() {
        // No stack, but the event said where: one frame, so source maps apply.
        one = [super::event::Frame { file: e.file.clone(), function: String::new(), line: e.line, col: e.col }];
        &one
    } else {
        &e.frames
    };
    if !frames.is_empty() {
        j.key("stacktrace").obj().key("frames").arr();
        for f in frames {
            j.obj().kstr_opt("filename", &f.file).kstr_opt("function", &f.function);
            if f.line != 0 {
                j.kuint("lineno", u64::from(f.line));
            }
            if f.col != 0 {
                j.kuint("colno", u64::from(f.col));
            }
            j.end_obj();
        }
        j.end_arr().end_obj();
    }
    let mut ctx = Map::new(j, "context");
    ctx.str("source", &e.src);
    if e.count > 1 {
        ctx.str("count", &uint_string(u64::from(e.count)));
    }
    ctx.str("stack", &e.stack);
    ctx.str("element", &e.tag);
    ctx.attrs(&e.ctx, true);
    ctx.end();
    j.end_obj();
}

/// Faro's `value` is the message without the type (Alloy prints
/// `type: value`): Chrome's `Uncaught TypeError: x` becomes `x`.
fn message_value(ty: &str, msg: &str) -> String {
    let m = msg.strip_prefix("Uncaught ").unwrap_or(msg);
    match m.strip_prefix(ty).and_then(|r| r.strip_prefix(": ")) {
        Some(rest) => rest.to_string(),
        None => m.to_string(),
    }
}

fn resource(j: &mut Json, r: &Resource) {
    j.obj().kstr("name", RESOURCE_EVENT);
    let mut a = Map::new(j, "attributes");
    a.str("name", &r.url);
    a.str("initiatorType", &r.initiator);
    a.num_str("duration", r.dur);
    // Faro's TCP time is connectStart → connectEnd, TLS included.
    for (k, v) in [
        ("dnsLookupTime", r.dns),
        ("tcpHandshakeTime", r.tcp + r.tls),
        ("tlsNegotiationTime", r.tls),
        ("requestTime", r.wait),
        ("responseTime", r.dl),
        ("transferSize", r.size),
        ("encodedBodySize", r.enc),
        ("decodedBodySize", r.dec),
        ("responseStatus", f64::from(r.status)),
    ] {
        if v != 0.0 {
            a.num_str(k, v);
        }
    }
    if r.blocking {
        a.str("renderBlockingStatus", "blocking");
    }
    a.str("protocol", &r.proto);
    a.end();
    timestamp(j, r.t);
    j.end_obj();
}

fn http(j: &mut Json, h: &HttpCall) {
    // Faro's tracing package sends a call as the event of its client span,
    // at the span's end, with the span's (OpenTelemetry) attributes.
    let name = if h.api == "xhr" { XHR_EVENT } else { FETCH_EVENT };
    j.obj().kstr("name", name);
    let mut a = Map::new(j, "attributes");
    a.str("http.method", &h.method);
    a.str("http.url", &h.url);
    if h.status != 0 {
        a.str("http.status_code", &uint_string(u64::from(h.status)));
    }
    a.str("duration_ns", &uint_string(f64_to_u64(round(h.dur * 1_000_000.0))));
    a.str("error.type", &h.fail);
    for (k, v) in [
        ("http.request_content_length", h.req_size),
        ("http.response_content_length", h.res_size),
        ("dnsLookupTime", h.dns),
        ("tcpHandshakeTime", h.tcp + h.tls),
        ("tlsNegotiationTime", h.tls),
        ("requestTime", h.wait),
        ("responseTime", h.dl),
    ] {
        if v != 0.0 {
            a.num_str(k, v);
        }
    }
    a.end();
    timestamp(j, h.t + h.dur);
    if !h.trace_id.is_empty() {
        j.key("trace").obj().kstr("trace_id", &h.trace_id).kstr("span_id", &h.span_id).end_obj();
    }
    j.end_obj();
}

/// A user action as the Faro SDK's `faro.user.action` event: its
/// `userAction*` attributes (times in epoch ms, as strings), stamped at the
/// action's start, plus ours (what it caused, frustration). Faro's trigger
/// is the DOM event type (`pointerdown`, `keydown`); ours are `click`,
/// `key`, `submit`.
#[cfg(any(feature = "actions", feature = "serde"))]
fn action(j: &mut Json, ac: &super::event::UserAction) {
    j.obj().kstr("name", USER_ACTION_EVENT);
    let mut a = Map::new(j, "attributes");
    a.str("userActionName", &ac.name);
    a.str("userActionStartTime", &uint_string(f64_to_u64(round(ac.t))));
    a.str("userActionEndTime", &uint_string(f64_to_u64(round(ac.t + ac.dur))));
    a.num_str("userActionDuration", ac.dur);
    a.str("userActionTrigger", &ac.kind);
    a.str("userActionImportance", "normal");
    a.str("target", &ac.target);
    for (k, v) in [("http", ac.http), ("httpFailed", ac.http_fail), ("errors", ac.errors), ("longTasks", ac.long)] {
        if v != 0 {
            a.str(k, &uint_string(u64::from(v)));
        }
    }
    if let Some(i) = ac.inp {
        a.num_str("inp", i);
    }
    if ac.clicks > 1 {
        a.str("clicks", &uint_string(u64::from(ac.clicks)));
    }
    a.str("frustration", &ac.frust.join(","));
    a.end();
    timestamp(j, ac.t);
    j.end_obj();
}

fn timestamp(j: &mut Json, t: f64) {
    let mut s = String::with_capacity(24);
    rfc3339::write(&mut s, t);
    j.kstr("timestamp", &s);
}

fn uint_string(n: u64) -> String {
    let mut s = String::new();
    write_u64(&mut s, n);
    s
}

/// A number as Faro's string maps carry it (at most 4 decimals).
fn num_string(v: f64, decimals: u32) -> String {
    let mut s = String::new();
    write_f64(&mut s, v, decimals);
    s
}

fn val_string(v: &Val) -> String {
    match v {
        Val::S(s) => s.clone(),
        Val::N(n) => num_string(*n, 4),
    }
}

/// `largestShiftTarget` → `largest_shift_target`, `firstByteToFCP` →
/// `first_byte_to_fcp`: Faro's names for web-vitals' attribution.
pub fn snake(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 4);
    let mut prev_lower = false;
    for c in k.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// A JSON object written only if something goes in it (`"context":{…}`):
/// the Go maps are optional, and empty ones are bytes for nothing.
struct Map<'a> {
    j: &'a mut Json,
    name: &'static str,
    open: bool,
}

impl<'a> Map<'a> {
    fn new(j: &'a mut Json, name: &'static str) -> Self {
        Map { j, name, open: false }
    }
    fn key(&mut self, k: &str) -> &mut Json {
        if !self.open {
            self.j.key(self.name).obj();
            self.open = true;
        }
        self.j.key(k)
    }
    /// A string value; empty ones are left out.
    fn str(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.key(k).str(v);
        }
    }
    /// A number value (`map[string]float64`); non-finite ones are left out.
    fn num(&mut self, k: &str, v: f64, decimals: u32) {
        if v.is_finite() {
            self.key(k).num(v, decimals);
        }
    }
    /// A number in a string map.
    fn num_str(&mut self, k: &str, v: f64) {
        if v.is_finite() {
            self.key(k).str(&num_string(v, 1));
        }
    }
    /// Page attributes, numbers as strings. `keep`: skip keys already written.
    fn attrs(&mut self, attrs: &Attrs, keep: bool) {
        for (k, v) in &attrs.0 {
            if keep && matches!(k.as_str(), "source" | "count" | "stack" | "element") {
                continue;
            }
            self.str(k, &val_string(v));
        }
    }
    fn end(self) {
        if self.open {
            self.j.end_obj();
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::event::{Custom, Frame};
    use serde_json::Value;

    fn enc(ev: Event) -> (u8, Value) {
        let meta = Meta::default();
        let mut rid = |n: usize| "ab".repeat(n);
        let mut items = encode_event(&ev, &mut Ctx { meta: &meta, random_id: &mut rid });
        assert_eq!(items.len(), 1);
        let it = items.remove(0);
        (it.section, serde_json::from_str(&it.body).unwrap())
    }

    #[test]
    fn snake_case_like_faro() {
        assert_eq!(snake("largestShiftTarget"), "largest_shift_target");
        assert_eq!(snake("firstByteToFCP"), "first_byte_to_fcp");
        assert_eq!(snake("timeToFirstByte"), "time_to_first_byte");
        assert_eq!(snake("loadState"), "load_state");
        assert_eq!(snake("already_snake"), "already_snake");
    }

    #[test]
    fn vitals_are_web_vitals_measurements() {
        let mut attr = Attrs::new();
        attr.s("target", "img.hero").n("elementRenderDelay", 12.5).s("url", "https://x/a.png");
        let v = Vital {
            t: 1_700_000_000_000.0,
            name: "LCP".into(),
            value: 1234.56,
            rating: "good".into(),
            nav: "navigate".into(),
            attr,
            scripts: vec![],
        };
        let (s, j) = enc(Event::Vital(v));
        assert_eq!(s, MEASUREMENTS);
        assert_eq!(j["type"], "web-vitals");
        assert_eq!(j["values"]["lcp"], 1234.6);
        assert_eq!(j["values"]["element_render_delay"], 12.5);
        assert_eq!(j["timestamp"], "2023-11-14T22:13:20.000Z");
        assert_eq!(j["context"]["rating"], "good");
        assert_eq!(j["context"]["element"], "img.hero");
        assert_eq!(j["context"]["resource_url"], "https://x/a.png");
    }

    #[test]
    fn exceptions_strip_the_type_from_the_message() {
        let e = ErrorReport {
            t: 1.0,
            src: "js".into(),
            error_type: "TypeError".into(),
            msg: "Uncaught TypeError: boom".into(),
            frames: vec![Frame { file: "https://x/a.js".into(), function: "f".into(), line: 3, col: 9 }],
            count: 2,
            ..Default::default()
        };
        let (s, j) = enc(Event::Error(e));
        assert_eq!(s, EXCEPTIONS);
        assert_eq!((j["type"].as_str(), j["value"].as_str()), (Some("TypeError"), Some("boom")));
        assert_eq!(j["stacktrace"]["frames"][0]["lineno"], 3);
        assert_eq!(j["context"]["count"], "2");
        assert_eq!(message_value("Error", "Error: x: y"), "x: y");
        assert_eq!(message_value("Error", "rejected"), "rejected");
    }

    #[test]
    fn attributes_are_strings() {
        let mut attrs = Attrs::new();
        attrs.s("step", "pay").n("items", 3.0).n("ratio", 0.125);
        let (s, j) = enc(Event::Custom(Custom { t: 5.0, name: "checkout".into(), attrs }));
        assert_eq!(s, EVENTS);
        assert_eq!(j["attributes"], serde_json::json!({"step": "pay", "items": "3", "ratio": "0.125"}));
        let (_, j) = enc(Event::Custom(Custom { t: 5.0, name: "bare".into(), attrs: Attrs::new() }));
        assert!(j.get("attributes").is_none());
    }

    #[test]
    fn envelope_is_the_meta() {
        let mut m = Meta::default();
        m.app.name = "shop".into();
        m.session.id = "s1".into();
        m.view.id = "v1".into();
        m.view.url = "https://x/".into();
        m.env.vw = 1280;
        m.env.vh = 720;
        m.env.uach = Some(crate::core::meta::ClientHints {
            brands: vec!["Chromium/156".into(), "Google Chrome/156".into()],
            mobile: false,
            platform: "Linux".into(),
        });
        m.user.s("id", "u1").s("plan", "pro").n("seats", 4.0);
        let (head, tail) = envelope(&m);
        let j: Value = serde_json::from_str(&[head.trim_end_matches(','), tail.as_str()].concat()).unwrap();
        let meta = &j["meta"];
        assert_eq!(meta["browser"]["name"], "Google Chrome");
        assert_eq!(meta["browser"]["version"], "156");
        assert_eq!(meta["browser"]["viewportWidth"], "1280");
        assert_eq!(meta["user"], serde_json::json!({"id": "u1", "attributes": {"plan": "pro", "seats": "4"}}));
        assert_eq!(meta["page"], serde_json::json!({"id": "v1", "url": "https://x/"}));
    }
}
