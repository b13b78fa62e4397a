//! `POST /faro/collect`: Grafana Faro payloads (from rum-agent with
//! `format: 'faro'`, or from the Faro web SDK) into the same rows as native
//! batches. The payload is read with the Go receiver's own types
//! (`payload.rs`); then each item becomes a native event (`docs/formats.md`
//! has the mapping), with the native path's rules for bad input: a bad
//! envelope refuses the request, a bad item only itself.

pub mod payload;

use std::collections::BTreeMap;

use rum_agent::core::attrs::Attrs;
use rum_agent::core::event::{
    source, Custom, ErrorReport, Event, Frame, HttpCall, LatencySplit, LoafScript, LongTasks, Measure, NavTiming,
    Resource, ServerTiming, UserAction, Vital,
};
use rum_agent::core::faro as names;
use rum_agent::core::meta::{App, Batch, ClientHints, Env, Sdk, SessionRef, View};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::decode::{self, reason, Decoded, GoodEvent, Rejection, RequestError, MAX_ID};
use payload::lenient;

/// The sections of a payload, in the order their items are numbered.
const SECTIONS: [&str; 4] = ["measurements", "exceptions", "events", "logs"];

/// The vitals a `web-vitals` measurement may carry (Faro's five, keyed in
/// lowercase, and ours).
const VITALS: [&str; 7] = ["lcp", "cls", "inp", "fcp", "ttfb", "tti", "tbt"];

/// Decodes one Faro payload (already decompressed).
pub fn decode_faro(body: &[u8]) -> Result<Decoded, RequestError> {
    let value = decode::parse_json(body)?;
    let Value::Object(mut obj) = value else {
        return Err(decode::envelope_error(
            format!("expected a JSON object (a Faro payload), got {}", decode::kind_of(&value)),
            ".",
        ));
    };
    let meta: lenient::Meta = match obj.remove("meta") {
        None => return Err(decode::envelope_error("missing field `meta`", "meta")),
        Some(v) => typed(&v, "meta").map_err(|(path, e)| decode::envelope_error(format!("invalid meta: {e}"), path))?,
    };
    let mut sections: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for name in SECTIONS {
        match obj.remove(name) {
            None | Some(Value::Null) => sections.push((name, Vec::new())),
            Some(Value::Array(items)) => sections.push((name, items)),
            Some(other) => {
                return Err(decode::envelope_error(
                    format!("`{name}` must be an array, got {}", decode::kind_of(&other)),
                    name,
                ))
            }
        }
    }
    if meta.app.name.trim().is_empty() {
        return Err(decode::envelope_error("meta.app.name must not be empty", "meta.app.name"));
    }
    if meta.session.id.is_empty() {
        return Err(decode::envelope_error(
            "meta.session.id must not be empty (enable Faro's session tracking)",
            "meta.session.id",
        ));
    }
    let view_id = if meta.page.id.is_empty() {
        // The Faro SDK names no page view: one per (session, page URL).
        format!("{:016x}", fnv1a(format!("{}\n{}", meta.session.id, meta.page.url).as_bytes()))
    } else {
        meta.page.id.clone()
    };
    for (path, id) in [("meta.session.id", &meta.session.id), ("meta.page.id", &view_id)] {
        if id.len() > MAX_ID {
            return Err(decode::envelope_error(format!("{path} is longer than {MAX_ID} bytes"), path));
        }
    }

    let mut events = Vec::new();
    let mut rejected = Vec::new();
    let mut dropped = Attrs::new();
    for (name, items) in sections {
        for (index, raw) in items.into_iter().enumerate() {
            let at = format!("{name}[{index}]");
            match item(name, &raw, &at, &mut dropped) {
                Ok(evs) => {
                    for event in evs {
                        if let Err((field, error)) = decode::check(&event) {
                            rejected.push(Rejection {
                                index,
                                reason: reason::INVALID_VALUE,
                                error,
                                path: format!("{at}.{field}"),
                            });
                            continue;
                        }
                        let raw = native_raw(&event);
                        events.push(GoodEvent { index, event, raw });
                    }
                }
                Err((reason, error, path)) => rejected.push(Rejection { index, reason, error, path }),
            }
        }
    }

    let start = events.iter().map(|e| e.event.time()).filter(|t| *t > 0.0).fold(f64::INFINITY, f64::min);
    let batch = Batch {
        v: rum_agent::core::event::PROTOCOL_VERSION,
        // Identical bodies are one request (a resent beacon); a Faro payload has no sequence number.
        seq: u32::try_from(fnv1a(body) & 0x7fff_ffff).unwrap_or(1).max(1),
        sdk: Sdk { name: meta.sdk.name.clone(), version: meta.sdk.version.clone() },
        app: App {
            name: meta.app.name.clone(),
            version: if meta.app.version.is_empty() { meta.app.release.clone() } else { meta.app.version.clone() },
            environment: meta.app.environment.clone(),
        },
        session: SessionRef { id: meta.session.id.clone(), start: 0.0 },
        view: View {
            id: view_id,
            name: meta.view.name.clone(),
            url: meta.page.url.clone(),
            referrer: meta.page.attributes.get("referrer").cloned().unwrap_or_default(),
            nav: meta.page.attributes.get("navigation_type").cloned().unwrap_or_default(),
            start: if start.is_finite() { start } else { 0.0 },
            parent: meta.page.attributes.get("parent_page_id").cloned().unwrap_or_default(),
        },
        user: user(&meta.user),
        env: env(&meta.browser),
        sent: 0.0,
        dropped,
        events: Vec::new(),
    };
    Ok(Decoded { batch, events, rejected })
}

/// 64-bit FNV-1a: stable ids from content.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn typed<T: DeserializeOwned>(v: &Value, at: &str) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize::<_, T>(v)
        .map_err(|e| (decode::join(at, &decode::path_string(e.path())), e.into_inner().to_string()))
}

type ItemError = (&'static str, String, String);

/// One item of a section → zero or more native events.
fn item(section: &str, raw: &Value, at: &str, dropped: &mut Attrs) -> Result<Vec<Event>, ItemError> {
    if !raw.is_object() {
        return Err((
            reason::NOT_AN_OBJECT,
            format!("expected an object, got {}", decode::kind_of(raw)),
            at.to_string(),
        ));
    }
    let bad = |(path, error): (String, String)| (reason::INVALID_FIELD, error, path);
    Ok(match section {
        "measurements" => {
            let m: lenient::Measurement = typed(raw, at).map_err(bad)?;
            measurement(m, at, dropped)?
        }
        "exceptions" => vec![Event::Error(exception(typed(raw, at).map_err(bad)?))],
        "events" => vec![event(typed(raw, at).map_err(bad)?)],
        _ => {
            let l: lenient::Log = typed(raw, at).map_err(bad)?;
            let mut attrs = Attrs::new();
            attrs.s("level", &l.level).s("message", &l.message);
            context_attrs(&mut attrs, &l.context, &[]);
            vec![Event::Custom(Custom { t: time(l.timestamp), name: "log".into(), attrs })]
        }
    })
}

fn time(t: payload::Time) -> f64 {
    t.0.unwrap_or(0.0)
}

fn context_attrs(attrs: &mut Attrs, ctx: &BTreeMap<String, String>, skip: &[&str]) {
    for (k, v) in ctx {
        if !skip.contains(&k.as_str()) {
            attrs.s(k, v);
        }
    }
}

fn measurement(m: lenient::Measurement, at: &str, dropped: &mut Attrs) -> Result<Vec<Event>, ItemError> {
    let t = time(m.timestamp);
    let v = |k: &str| m.values.get(k).copied().unwrap_or(0.0);
    let c = |k: &str| m.context.get(k).cloned().unwrap_or_default();
    Ok(match m.kind.as_str() {
        names::WEB_VITALS => {
            let Some(key) = VITALS.iter().find(|k| m.values.contains_key(**k)) else {
                return Err((
                    reason::INVALID_VALUE,
                    format!("a web-vitals measurement names one of {} in its values", VITALS.join(", ")),
                    format!("{at}.values"),
                ));
            };
            let mut attr = Attrs::new();
            for (k, n) in &m.values {
                if k != key && k != "delta" && !k.starts_with("longest_script_") {
                    attr.n(k, *n);
                }
            }
            context_attrs(&mut attr, &m.context, &["rating", "navigation_type"]);
            vec![Event::Vital(Vital {
                t,
                name: key.to_ascii_uppercase(),
                value: v(key),
                rating: c("rating"),
                nav: c("navigation_type"),
                attr,
                scripts: longest_script(&m),
            })]
        }
        names::NAVIGATION_TIMING => {
            let server_timing = m
                .values
                .iter()
                .filter_map(|(k, d)| {
                    let name = k.strip_prefix("serverTiming.")?;
                    Some(ServerTiming { name: name.into(), duration: *d, description: c(k) })
                })
                .collect();
            vec![Event::Nav(NavTiming {
                t,
                nav_type: c("navigation_type"),
                redirect_count: u32::try_from(crate::sat_u64(v("redirectCount"))).unwrap_or(u32::MAX),
                redirect_start: v("redirectStart"),
                redirect_end: v("redirectEnd"),
                worker_start: v("workerStart"),
                fetch_start: v("fetchStart"),
                domain_lookup_start: v("domainLookupStart"),
                domain_lookup_end: v("domainLookupEnd"),
                connect_start: v("connectStart"),
                secure_connection_start: v("secureConnectionStart"),
                connect_end: v("connectEnd"),
                request_start: v("requestStart"),
                response_start: v("responseStart"),
                response_end: v("responseEnd"),
                dom_interactive: v("domInteractive"),
                dom_content_loaded_event_start: v("domContentLoadedEventStart"),
                dom_content_loaded_event_end: v("domContentLoadedEventEnd"),
                dom_complete: v("domComplete"),
                load_event_start: v("loadEventStart"),
                load_event_end: v("loadEventEnd"),
                duration: v("duration"),
                activation_start: v("activationStart"),
                transfer_size: v("transferSize"),
                encoded_body_size: v("encodedBodySize"),
                decoded_body_size: v("decodedBodySize"),
                next_hop_protocol: c("protocol"),
                server_timing,
            })]
        }
        names::LONG_TASKS => vec![Event::LongTasks(LongTasks {
            t,
            src: c("source"),
            count: u32::try_from(crate::sat_u64(v("count"))).unwrap_or(u32::MAX),
            total: v("total"),
            max: v("max"),
            scripts: longest_script(&m),
        })],
        names::LATENCY_SPLIT => vec![Event::Split(LatencySplit {
            t,
            server: m.values.get("server").copied(),
            server_name: c("server_name"),
            network: v("network"),
            frontend: v("frontend"),
            frontend_lcp: m.values.get("frontend_lcp").copied(),
        })],
        names::DROPPED => {
            for (k, n) in &m.values {
                dropped.n(k, *n);
            }
            Vec::new()
        }
        // A custom measurement: `value` is the measure (ours); else each
        // value is one (Faro's `pushMeasurement({type, values})`).
        name => {
            let mut attrs = Attrs::new();
            context_attrs(&mut attrs, &m.context, &[]);
            if let Some(value) = m.values.get("value") {
                for (k, n) in m.values.iter().filter(|(k, _)| *k != "value") {
                    attrs.n(k, *n);
                }
                vec![Event::Measure(Measure { t, name: name.into(), value: *value, attrs })]
            } else {
                m.values
                    .iter()
                    .map(|(k, n)| {
                        Event::Measure(Measure { t, name: format!("{name}.{k}"), value: *n, attrs: attrs.clone() })
                    })
                    .collect()
            }
        }
    })
}

/// The script Faro's attribution names (`longest_script_*`).
fn longest_script(m: &lenient::Measurement) -> Vec<LoafScript> {
    let c = |k: &str| m.context.get(k).cloned().unwrap_or_default();
    let s = LoafScript {
        url: c("longest_script_source_url"),
        function: c("longest_script_source_function_name"),
        invoker: c("longest_script_invoker"),
        dur: m
            .values
            .get("longest_script_duration")
            .or(m.values.get("longest_script_intersecting_duration"))
            .copied()
            .unwrap_or(0.0),
    };
    if s.url.is_empty() && s.function.is_empty() && s.invoker.is_empty() && s.dur == 0.0 {
        Vec::new()
    } else {
        vec![s]
    }
}

fn exception(e: lenient::Exception) -> ErrorReport {
    let frames: Vec<Frame> = e
        .stacktrace
        .map(|s| s.frames)
        .unwrap_or_default()
        .into_iter()
        .map(|f| Frame {
            file: f.filename,
            // Faro writes `?` for a frame without a function name.
            function: if f.function == "?" { String::new() } else { f.function },
            line: u32::try_from(f.lineno).unwrap_or(0),
            col: u32::try_from(f.colno).unwrap_or(0),
        })
        .collect();
    let top = frames.first().cloned().unwrap_or_default();
    let mut ctx = Attrs::new();
    context_attrs(&mut ctx, &e.context, &["source", "count", "stack", "element"]);
    let c = |k: &str| e.context.get(k).cloned().unwrap_or_default();
    let src = c("source");
    ErrorReport {
        t: time(e.timestamp),
        // The Faro SDK's errors are uncaught errors and rejections: `js`.
        src: if src.is_empty() { source::JS.into() } else { src },
        error_type: e.kind,
        msg: e.value,
        file: top.file,
        line: top.line,
        col: top.col,
        frames,
        stack: c("stack"),
        count: c("count").parse().unwrap_or(1),
        ctx,
        tag: c("element"),
    }
}

/// A number in a Faro string map (`"12.5"`; Faro writes `unknown` for
/// what it could not measure: 0).
fn num(attrs: &BTreeMap<String, String>, k: &str) -> f64 {
    attrs.get(k).and_then(|s| s.parse::<f64>().ok()).filter(|n| n.is_finite()).unwrap_or(0.0)
}

fn event(e: lenient::Event) -> Event {
    let t = time(e.timestamp);
    let a = &e.attributes;
    let s = |k: &str| a.get(k).cloned().unwrap_or_default();
    match e.name.as_str() {
        names::RESOURCE_EVENT => {
            let tls = num(a, "tlsNegotiationTime");
            Event::Res(Resource {
                t,
                url: s("name"),
                initiator: s("initiatorType"),
                start: 0.0,
                dur: num(a, "duration"),
                dns: num(a, "dnsLookupTime"),
                tcp: (num(a, "tcpHandshakeTime") - tls).max(0.0),
                tls,
                wait: num(a, "requestTime"),
                dl: num(a, "responseTime"),
                size: num(a, "transferSize"),
                enc: num(a, "encodedBodySize"),
                dec: num(a, "decodedBodySize"),
                blocking: s("renderBlockingStatus") == "blocking",
                status: u32::try_from(crate::sat_u64(num(a, "responseStatus"))).unwrap_or(0),
                proto: s("protocol"),
            })
        }
        // The Faro SDK's navigation event has durations, not marks: what
        // the page-view roll-ups read (load end, TTFB, sizes) is kept.
        "faro.performance.navigation" => Event::Nav(NavTiming {
            t,
            nav_type: s("type"),
            duration: num(a, "duration"),
            load_event_end: num(a, "duration"),
            response_start: num(a, "ttfb"),
            transfer_size: num(a, "transferSize"),
            encoded_body_size: num(a, "encodedBodySize"),
            decoded_body_size: num(a, "decodedBodySize"),
            next_hop_protocol: s("protocol"),
            ..Default::default()
        }),
        names::FETCH_EVENT | names::XHR_EVENT => {
            let dur = num(a, "duration_ns") / 1e6;
            let first = |keys: [&str; 2]| keys.iter().map(|k| s(k)).find(|v| !v.is_empty()).unwrap_or_default();
            Event::Http(HttpCall {
                // The event is stamped at the span's end.
                t: if t > 0.0 { t - dur } else { t },
                api: if e.name == names::XHR_EVENT { "xhr".into() } else { "fetch".into() },
                method: first(["http.method", "http.request.method"]),
                url: first(["http.url", "url.full"]),
                status: first(["http.status_code", "http.response.status_code"]).parse().unwrap_or(0),
                dur,
                fail: s("error.type"),
                req_size: num(a, "http.request_content_length"),
                res_size: num(a, "http.response_content_length"),
                trace_id: e.trace.trace_id.clone(),
                span_id: e.trace.span_id.clone(),
                dns: num(a, "dnsLookupTime"),
                tcp: (num(a, "tcpHandshakeTime") - num(a, "tlsNegotiationTime")).max(0.0),
                tls: num(a, "tlsNegotiationTime"),
                wait: num(a, "requestTime"),
                dl: num(a, "responseTime"),
            })
        }
        // The Faro SDK's user actions (its own attributes only) and ours
        // (with what the action caused and its frustration signals).
        names::USER_ACTION_EVENT => {
            let count = |k: &str| u32::try_from(crate::sat_u64(num(a, k))).unwrap_or(u32::MAX);
            let dur = num(a, "userActionDuration");
            let trigger = s("userActionTrigger");
            Event::Action(UserAction {
                t: match num(a, "userActionStartTime") {
                    start if start > 0.0 => start,
                    _ => t,
                },
                kind: match trigger.as_str() {
                    "pointerdown" | "mousedown" | "click" | "" => "click".into(),
                    "keydown" | "key" => "key".into(),
                    other => other.into(),
                },
                name: s("userActionName"),
                target: s("target"),
                dur,
                http: count("http"),
                http_fail: count("httpFailed"),
                errors: count("errors"),
                long: count("longTasks"),
                inp: a.get("inp").and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite()),
                clicks: count("clicks").max(1),
                frust: s("frustration").split(',').filter(|f| !f.is_empty()).map(String::from).collect(),
            })
        }
        _ => {
            let mut attrs = Attrs::new();
            context_attrs(&mut attrs, a, &[]);
            if !e.domain.is_empty() {
                attrs.s("domain", &e.domain);
            }
            Event::Custom(Custom { t, name: e.name, attrs })
        }
    }
}

fn user(u: &lenient::User) -> Attrs {
    let mut a = Attrs::new();
    for (k, v) in [("id", &u.id), ("email", &u.email), ("username", &u.username)] {
        if !v.is_empty() {
            a.s(k, v);
        }
    }
    context_attrs(&mut a, &u.attributes, &[]);
    a
}

fn env(b: &lenient::Browser) -> Env {
    let px = |s: &str| s.trim().parse::<u32>().unwrap_or(0);
    Env {
        ua: b.user_agent.clone(),
        // What Faro's browser meta says of the client hints.
        uach: (!b.os.is_empty() || b.mobile).then(|| ClientHints {
            brands: if b.name.is_empty() { Vec::new() } else { vec![format!("{}/{}", b.name, b.version)] },
            mobile: b.mobile,
            platform: b.os.clone(),
        }),
        vw: px(&b.viewport_width),
        vh: px(&b.viewport_height),
        lang: b.language.clone(),
        ..Default::default()
    }
}

/// The event as the native protocol would carry it (zeros and empties
/// left out), for the `attributes` column: rows from a Faro payload look
/// like rows from a native batch.
fn native_raw(e: &Event) -> Map<String, Value> {
    let Ok(Value::Object(mut m)) = serde_json::to_value(e) else {
        return Map::new();
    };
    m.retain(|_, v| match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    });
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(items: &str) -> String {
        format!(
            r#"{{"meta":{{"app":{{"name":"shop"}},"session":{{"id":"s1"}},"page":{{"url":"https://x/p"}}}},{items}}}"#
        )
    }

    #[test]
    fn envelope_rules() {
        let e = decode_faro(b"[]").err().unwrap();
        assert_eq!(e.reason, reason::INVALID_ENVELOPE);
        let e = decode_faro(br#"{"meta":{"app":{"name":""},"session":{"id":"s"}}}"#).err().unwrap();
        assert_eq!(e.path, "meta.app.name");
        let e = decode_faro(br#"{"meta":{"app":{"name":"a"},"session":{"id":7}}}"#).err().unwrap();
        assert_eq!((e.reason, e.path.as_str()), (reason::INVALID_ENVELOPE, "meta.session.id"));
        let e = decode_faro(br#"{"meta":{"app":{"name":"a"},"session":{"id":"s"}},"events":{}}"#).err().unwrap();
        assert_eq!(e.path, "events");
        let e = decode_faro(b"{\"meta\":").err().unwrap();
        assert_eq!(e.reason, reason::MALFORMED_JSON);
    }

    #[test]
    fn faro_sdk_user_actions_are_actions() {
        // As @grafana/faro-core 2.12.1's UserAction.end() pushes it.
        let d = decode_faro(
            payload(
                r#""events":[{"name":"faro.user.action","attributes":{"userActionName":"add-to-cart","userActionStartTime":"1767225600000","userActionEndTime":"1767225600250","userActionDuration":"250.4","userActionTrigger":"pointerdown","userActionImportance":"normal"},"timestamp":"2026-01-01T00:00:00.000Z","action":{"id":"a1","name":"add-to-cart"}}]"#,
            )
            .as_bytes(),
        )
        .unwrap();
        assert!(d.rejected.is_empty(), "{:?}", d.rejected);
        let Event::Action(a) = &d.events[0].event else { panic!("{:?}", d.events[0].event) };
        assert_eq!(
            (a.kind.as_str(), a.name.as_str(), a.dur, a.t),
            ("click", "add-to-cart", 250.4, 1_767_225_600_000.0)
        );
        assert_eq!((a.clicks, a.http, a.frust.len()), (1, 0, 0));
        assert_eq!(d.events[0].raw.get("k"), Some(&Value::from("action")));
    }

    #[test]
    fn bad_items_cost_only_themselves() {
        let d = decode_faro(
            payload(
                r#""measurements":[{"type":"web-vitals","values":{"lcp":"slow"}},{"type":"web-vitals","values":{"lcp":1200.5},"context":{"rating":"good"},"timestamp":"2026-01-01T00:00:00.000Z"},{"type":"web-vitals","values":{"delta":1}}],
                   "events":[5,{"name":"go","timestamp":"2026-01-01"}],"exceptions":[{"type":"Error","value":"x"}]"#,
            )
            .as_bytes(),
        )
        .unwrap();
        let got: Vec<(&str, &str)> = d.rejected.iter().map(|r| (r.reason, r.path.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (reason::INVALID_FIELD, "measurements[0].values.lcp"),
                (reason::INVALID_VALUE, "measurements[2].values"),
                (reason::NOT_AN_OBJECT, "events[0]"),
                (reason::INVALID_FIELD, "events[1].timestamp"),
            ]
        );
        assert_eq!(d.events.len(), 2);
        let Event::Vital(v) = &d.events[0].event else { panic!() };
        assert_eq!((v.name.as_str(), v.value, v.rating.as_str()), ("LCP", 1200.5, "good"));
        assert_eq!(d.events[0].raw.get("k"), Some(&Value::from("vital")));
        assert_eq!(d.batch.view.id.len(), 16, "a page view id from session + URL");
    }

    #[test]
    fn custom_measurements() {
        let d = decode_faro(
            payload(r#""measurements":[{"type":"cart","values":{"total":99.5,"items":3}},{"type":"rum-agent.dropped","values":{"queue":2}}]"#)
                .as_bytes(),
        )
        .unwrap();
        let names: Vec<String> = d
            .events
            .iter()
            .map(|e| match &e.event {
                Event::Measure(m) => format!("{}={}", m.name, m.value),
                _ => String::new(),
            })
            .collect();
        assert_eq!(names, ["cart.items=3", "cart.total=99.5"]);
        assert_eq!(d.batch.dropped.get_num("queue"), Some(2.0));
    }
}
