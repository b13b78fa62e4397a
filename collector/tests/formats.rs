//! The Faro and OTLP wire formats (docs/formats.md), proved against the
//! receivers' decoders:
//!
//! - golden fixtures (`tests/fixtures/{faro,otlp}/`) are exactly what the
//!   agent's encoders write now (`UPDATE_FIXTURES=1` rewrites them);
//! - Faro fixtures decode with Alloy's Go payload types, unknown fields
//!   refused; a payload captured from the real Faro web SDK decodes too;
//! - OTLP fixtures decode with `opentelemetry-proto`, every field known,
//!   ids hex of the right length;
//! - a Faro batch becomes the same rows in the collector as the native one;
//! - splitting into requests keeps every event once, each request decodable.
// Tests: a failing step should panic (the workspace lints hold shipped code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod common;
mod wire;

use std::path::{Path, PathBuf};

use rum_agent::core::attrs::Attrs;
use rum_agent::core::batch::{Dropped, Item};
use rum_agent::core::config::Format;
use rum_agent::core::event::*;
use rum_agent::core::meta::*;
use rum_agent::core::wire::{channels, encode_event, requests, Ctx, Request};
use rum_collector::decode::decode_native;
use rum_collector::enrich::{Client, Country};
use rum_collector::faro::decode_faro;
use rum_collector::model::build_record;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A page view's worth of everything the agent reports (times fixed, so
/// the fixtures are stable).
/// Whole milliseconds: Faro's RFC 3339 timestamps carry milliseconds.
const T0: f64 = 1_795_610_469_180.0;

fn sample_meta() -> Meta {
    let mut user = Attrs::new();
    user.s("id", "u-42").s("plan", "pro").n("seats", 3.0);
    Meta {
        app: App { name: "shop".into(), version: "2.0.1".into(), environment: "prod".into() },
        session: SessionRef { id: "684edbce9e0f68f1".into(), start: T0 - 60_000.0 },
        view: View {
            id: "f69a8f520181fa48".into(),
            name: "product".into(),
            url: "https://shop.example/p/1".into(),
            referrer: "https://shop.example/".into(),
            nav: "navigate".into(),
            start: T0,
            // A soft navigation's view: the view it came from travels too.
            parent: "0e2d5c1b3a4f6789".into(),
        },
        user,
        env: Env {
            ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
                .into(),
            uach: Some(ClientHints {
                brands: vec!["Chromium/156".into(), "Google Chrome/156".into()],
                mobile: false,
                platform: "Linux".into(),
            }),
            vw: 1280,
            vh: 720,
            sw: 1920,
            sh: 1080,
            dpr: 1.0,
            conn: Some(Connection { ect: "4g".into(), kind: String::new(), rtt: 50.0, down: 10.0, save: false }),
            mem: 8.0,
            cores: 4,
            tz: "Europe/Paris".into(),
            lang: "fr-FR".into(),
        },
    }
}

fn sample_events() -> Vec<Event> {
    let mut lcp_attr = Attrs::new();
    lcp_attr
        .s("target", "img.hero")
        .s("url", "https://shop.example/img/hero.jpg")
        .n("timeToFirstByte", 120.5)
        .n("resourceLoadDelay", 30.0)
        .n("resourceLoadDuration", 400.2)
        .n("elementRenderDelay", 12.0);
    let mut inp_attr = Attrs::new();
    inp_attr.s("interactionTarget", "button#buy").s("interactionType", "pointer").n("inputDelay", 4.0);
    let mut cls_attr = Attrs::new();
    cls_attr.s("largestShiftTarget", "div.banner").n("largestShiftValue", 0.08).s("loadState", "complete");
    let mut ctx = Attrs::new();
    ctx.s("component", "Cart").n("attempt", 2.0);
    let mut ev_attrs = Attrs::new();
    ev_attrs.s("step", "payment").n("items", 3.0);
    let mut m_attrs = Attrs::new();
    m_attrs.s("currency", "EUR");
    let script = LoafScript {
        url: "https://shop.example/app.js".into(),
        function: "onBuy".into(),
        invoker: "BUTTON#buy.onclick".into(),
        dur: 180.4,
    };
    vec![
        Event::Nav(NavTiming {
            t: T0,
            nav_type: "navigate".into(),
            fetch_start: 1.5,
            domain_lookup_start: 1.5,
            domain_lookup_end: 10.2,
            connect_start: 10.2,
            secure_connection_start: 20.0,
            connect_end: 35.1,
            request_start: 36.0,
            response_start: 150.4,
            response_end: 170.0,
            dom_interactive: 300.0,
            dom_content_loaded_event_start: 320.0,
            dom_content_loaded_event_end: 321.5,
            dom_complete: 900.0,
            load_event_start: 900.1,
            load_event_end: 901.2,
            duration: 901.2,
            transfer_size: 17_780.0,
            encoded_body_size: 17_480.0,
            decoded_body_size: 60_210.0,
            next_hop_protocol: "h2".into(),
            server_timing: vec![
                ServerTiming { name: "app".into(), duration: 95.0, description: String::new() },
                ServerTiming {
                    name: "traceparent".into(),
                    duration: 0.0,
                    description: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
                },
            ],
            ..Default::default()
        }),
        Event::Vital(Vital {
            t: T0 + 1300.0,
            name: "LCP".into(),
            value: 1262.9,
            rating: "good".into(),
            nav: "navigate".into(),
            attr: lcp_attr,
            scripts: vec![],
        }),
        Event::Vital(Vital {
            t: T0 + 5000.0,
            name: "CLS".into(),
            value: 0.1234,
            rating: "needs-improvement".into(),
            nav: "navigate".into(),
            attr: cls_attr,
            scripts: vec![],
        }),
        Event::Vital(Vital {
            t: T0 + 5000.0,
            name: "INP".into(),
            value: 232.0,
            rating: "needs-improvement".into(),
            nav: "navigate".into(),
            attr: inp_attr,
            scripts: vec![script.clone()],
        }),
        Event::Vital(Vital { t: T0 + 3000.0, name: "TBT".into(), value: 310.0, ..Default::default() }),
        Event::Res(Resource {
            t: T0 + 64.3,
            url: "https://shop.example/img/hero.jpg".into(),
            initiator: "img".into(),
            start: 64.3,
            dur: 344.2,
            tcp: 4.9,
            tls: 3.1,
            wait: 312.6,
            dl: 1.1,
            size: 7096.0,
            enc: 6796.0,
            dec: 6796.0,
            blocking: false,
            status: 200,
            proto: "h2".into(),
            ..Default::default()
        }),
        Event::Error(ErrorReport {
            t: T0 + 2000.5,
            src: source::JS.into(),
            error_type: "TypeError".into(),
            msg: "Uncaught TypeError: cart is undefined".into(),
            file: "https://shop.example/app.js".into(),
            line: 19,
            col: 11,
            frames: vec![
                Frame { file: "https://shop.example/app.js".into(), function: "addToCart".into(), line: 19, col: 11 },
                Frame { file: "https://shop.example/app.js".into(), function: String::new(), line: 40, col: 5 },
            ],
            count: 3,
            ctx,
            ..Default::default()
        }),
        Event::Error(ErrorReport {
            t: T0 + 800.0,
            src: source::RESOURCE.into(),
            error_type: "ResourceError".into(),
            msg: "failed to load https://cdn.example/x.js".into(),
            file: "https://cdn.example/x.js".into(),
            count: 1,
            tag: "script".into(),
            ..Default::default()
        }),
        Event::Custom(Custom { t: T0 + 7000.0, name: "checkout".into(), attrs: ev_attrs }),
        Event::Measure(Measure { t: T0 + 7001.0, name: "cart_value".into(), value: 129.9, attrs: m_attrs }),
        Event::LongTasks(LongTasks {
            t: T0 + 9000.0,
            src: "loaf".into(),
            count: 4,
            total: 620.0,
            max: 250.5,
            scripts: vec![script],
        }),
        Event::Http(HttpCall {
            t: T0 + 1500.0,
            api: "fetch".into(),
            method: "POST".into(),
            url: "https://shop.example/api/cart".into(),
            status: 201,
            dur: 84.3,
            req_size: 120.0,
            res_size: 2048.0,
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            span_id: "b7ad6b7169203331".into(),
            wait: 70.2,
            dl: 2.0,
            ..Default::default()
        }),
        Event::Http(HttpCall {
            t: T0 + 2500.0,
            api: "xhr".into(),
            method: "GET".into(),
            url: "https://api.example/stock?sku=1".into(),
            status: 503,
            dur: 412.0,
            fail: "http".into(),
            ..Default::default()
        }),
        Event::Split(LatencySplit {
            t: T0,
            server: Some(95.0),
            server_name: "app".into(),
            network: 53.9,
            frontend: 750.8,
            frontend_lcp: Some(1112.5),
        }),
        Event::Action(UserAction {
            t: T0 + 8000.0,
            kind: "click".into(),
            name: "Add to cart".into(),
            target: "button#buy".into(),
            dur: 412.3,
            http: 2,
            http_fail: 1,
            errors: 1,
            long: 1,
            inp: Some(184.0),
            clicks: 4,
            frust: vec!["rage".into(), "error".into()],
        }),
    ]
}

/// Deterministic "random" ids for the fixtures.
fn fake_ids() -> impl FnMut(usize) -> String {
    let mut n = 0u32;
    move |bytes| {
        n = n % 255 + 1;
        format!("{n:02x}").repeat(bytes)
    }
}

fn encode_all(f: Format, meta: &Meta, events: &[Event]) -> Vec<Item> {
    let mut rid = fake_ids();
    let mut ctx = Ctx { meta, random_id: &mut rid };
    events.iter().flat_map(|e| encode_event(f, e, &mut ctx)).collect()
}

fn sample_requests(f: Format) -> Vec<Request> {
    let meta = sample_meta();
    let items = encode_all(f, &meta, &sample_events());
    let mut dropped = Dropped::default();
    dropped.add("queue", 2);
    dropped.add("busy", 1);
    let mut seq = 0;
    let (reqs, over) = requests(f, &meta, items, dropped, T0 + 10_000.0, &mut seq, 60_000);
    assert!(over.is_empty());
    reqs
}

fn fixture_name(f: Format, channel: u8) -> PathBuf {
    match f {
        Format::Faro => fixtures().join("faro/rum-agent.json"),
        Format::Otlp => fixtures().join(if channel == 0 { "otlp/logs.json" } else { "otlp/traces.json" }),
        Format::Native => fixtures().join("native.json"),
    }
}

#[test]
fn fixtures_are_what_the_encoders_write() {
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    for f in [Format::Faro, Format::Otlp] {
        let reqs = sample_requests(f);
        assert_eq!(reqs.len(), channels(f).len(), "{f:?}: one request per channel");
        for r in reqs {
            let path = fixture_name(f, r.channel);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, format!("{}\n", r.body)).unwrap();
            }
            let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                want.trim_end() == r.body,
                "{} differs from what the {f:?} encoder writes now: if the change is meant, run \
                 UPDATE_FIXTURES=1 cargo test -p rum-collector --test formats, and review the diff",
                path.display()
            );
        }
    }
}

#[test]
fn faro_fixtures_decode_with_the_go_types() {
    let body = std::fs::read_to_string(fixtures().join("faro/rum-agent.json")).unwrap();
    let p = wire::faro(&body, true).unwrap();
    assert_eq!(p.meta.app.name, "shop");
    assert_eq!(p.meta.session.id, "684edbce9e0f68f1");
    assert_eq!(p.meta.page.id, "f69a8f520181fa48");
    assert_eq!(p.meta.browser.viewport_width, "1280");
    assert_eq!(p.meta.user.id, "u-42");
    assert_eq!(p.meta.user.attributes.get("seats").map(String::as_str), Some("3"));
    let vitals: Vec<&str> = p
        .measurements
        .iter()
        .filter(|m| m.kind == "web-vitals")
        .flat_map(|m| m.values.keys().filter(|k| ["lcp", "cls", "inp", "tbt"].contains(&k.as_str())))
        .map(String::as_str)
        .collect();
    assert_eq!(vitals, ["lcp", "cls", "inp", "tbt"]);
    let lcp = p.measurements.iter().find(|m| m.values.contains_key("lcp")).unwrap();
    assert_eq!(lcp.values["lcp"], 1262.9);
    assert_eq!(lcp.values["element_render_delay"], 12.0);
    assert_eq!(lcp.context["rating"], "good");
    assert_eq!(lcp.timestamp.0, Some(1_795_610_470_480.0));
    assert_eq!(p.exceptions.len(), 2);
    let e = &p.exceptions[0];
    assert_eq!((e.kind.as_str(), e.value.as_str()), ("TypeError", "cart is undefined"));
    let frames = &e.stacktrace.as_ref().unwrap().frames;
    assert_eq!((frames[0].function.as_str(), frames[0].lineno, frames[0].colno), ("addToCart", 19, 11));
    assert_eq!(e.context["count"], "3");
    assert_eq!(e.context["attempt"], "2");
    let names: Vec<&str> = p.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "faro.performance.resource",
            "checkout",
            "faro.tracing.fetch",
            "faro.tracing.xml-http-request",
            "faro.user.action"
        ]
    );
    let action = &p.events[4];
    assert_eq!(action.attributes["userActionName"], "Add to cart");
    assert_eq!(action.attributes["userActionDuration"], "412.3");
    assert_eq!(action.attributes["userActionStartTime"], "1795610477180");
    assert_eq!(action.attributes["frustration"], "rage,error");
    let fetch = &p.events[2];
    assert_eq!(fetch.trace.trace_id, "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(fetch.attributes["http.status_code"], "201");
    assert_eq!(fetch.attributes["duration_ns"], "84300000");
    let dropped = p.measurements.iter().find(|m| m.kind == "rum-agent.dropped").unwrap();
    assert_eq!((dropped.values["queue"], dropped.values["busy"]), (2.0, 1.0));
}

/// A payload of the real `@grafana/faro-web-sdk` (captured in Chromium by
/// tests/e2e/formats.test.mjs with UPDATE_FIXTURES=1): it carries fields
/// the Go types do not have (Alloy drops them), so only the lenient check.
#[test]
fn faro_web_sdk_capture_decodes_with_the_go_types() {
    let dir = fixtures().join("faro");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("faro-web-sdk") {
            continue;
        }
        seen += 1;
        let body = std::fs::read_to_string(&path).unwrap();
        let p = wire::faro(&body, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.meta.sdk.name, "faro-web", "{name}");
        assert!(!p.meta.session.id.is_empty(), "{name}");
        let d = decode_faro(body.as_bytes()).unwrap();
        assert!(d.rejected.is_empty(), "{name}: {:?}", d.rejected);
        assert!(!d.events.is_empty(), "{name}");
    }
    assert!(seen > 0, "no faro-web-sdk capture in {}", dir.display());
}

#[test]
fn otlp_fixtures_decode_with_opentelemetry_proto() {
    let logs = std::fs::read_to_string(fixtures().join("otlp/logs.json")).unwrap();
    let traces = std::fs::read_to_string(fixtures().join("otlp/traces.json")).unwrap();
    // nav, 4 vitals, res, 2 errors, event, measure, long tasks, split, action + the drop counts.
    assert_eq!(wire::otlp(&logs, wire::Otlp::Logs).unwrap(), 14);
    assert!(logs.contains(r#""eventName":"browser.user_action""#));
    // document load + 2 HTTP calls.
    assert_eq!(wire::otlp(&traces, wire::Otlp::Traces).unwrap(), 3);
    let v: serde_json::Value = serde_json::from_str(&traces).unwrap();
    let spans = &v["resourceSpans"][0]["scopeSpans"][0]["spans"];
    // The document load joins the server's trace from Server-Timing; the
    // call keeps the ids it propagated; the call without any gets new ones.
    assert_eq!(spans[0]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(spans[0]["parentSpanId"], "00f067aa0ba902b7");
    assert_eq!(spans[1]["traceId"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(spans[1]["spanId"], "b7ad6b7169203331");
    assert_eq!(spans[2]["status"]["code"], 2);
    let resource = &v["resourceSpans"][0]["resource"]["attributes"];
    let keys: Vec<&str> = resource.as_array().unwrap().iter().map(|a| a["key"].as_str().unwrap()).collect();
    for k in ["service.name", "service.version", "deployment.environment.name", "user_agent.original", "browser.brands"]
    {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
}

#[test]
fn the_checks_catch_what_receivers_would_refuse() {
    let good = std::fs::read_to_string(fixtures().join("otlp/logs.json")).unwrap();
    for (from, to) in [
        ("\"timeUnixNano\"", "\"timeUnixNanos\""),
        ("\"severityNumber\":9", "\"severityNumber\":\"SEVERITY_NUMBER_INFO\""),
        ("\"stringValue\"", "\"stringValu\""),
    ] {
        let bad = good.replacen(from, to, 1);
        assert!(wire::otlp(&bad, wire::Otlp::Logs).is_err(), "{to} accepted");
    }
    let traces = std::fs::read_to_string(fixtures().join("otlp/traces.json")).unwrap();
    let bad =
        traces.replacen("\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\"", "\"traceId\":\"4bf92f3577b34da6\"", 1);
    assert!(wire::otlp(&bad, wire::Otlp::Traces).is_err());
    let faro = std::fs::read_to_string(fixtures().join("faro/rum-agent.json")).unwrap();
    assert!(wire::faro(&faro.replacen("\"lineno\":19", "\"lineno\":\"19\"", 1), false).is_err());
    assert!(wire::faro(&faro.replacen("\"timestamp\":\"", "\"timestamp\":\"x", 1), false).is_err());
    assert!(wire::faro(&faro.replacen("\"lcp\":1262.9", "\"lcp\":\"1262.9\"", 1), false).is_err());
    assert!(wire::faro(&faro.replacen("\"rating\":\"good\"", "\"rating\":1", 1), false).is_err());
    let extra = faro.replacen("\"meta\":{", "\"meta\":{\"extra\":1,", 1);
    assert!(wire::faro(&extra, false).is_ok() && wire::faro(&extra, true).is_err());
}

/// (kind, name, value) of the stored rows, and the page view's roll-ups.
fn rows(d: &rum_collector::decode::Decoded) -> (Vec<(String, String, Option<String>)>, String) {
    let r = build_record(d, Client::default(), Country::default(), (T0 + 20_000.0) as i64);
    let mut ev: Vec<_> =
        r.events.iter().map(|e| (e.kind.to_string(), e.name.clone(), e.value.map(|v| format!("{v:.1}")))).collect();
    ev.sort();
    let pv = &r.page_view;
    let rollups = format!(
        "vitals={:?} load={:?} ttfb={:?} errors={} js={} http={}/{} events={} dropped={} view={} session={} app={}/{}/{} url={} ref={} nav={} user={}",
        pv.vitals,
        pv.page_load,
        pv.nav_ttfb,
        pv.errors,
        pv.js_errors,
        pv.http_calls,
        pv.http_errors,
        pv.events,
        pv.agent_dropped,
        pv.id,
        pv.session_id,
        pv.app_name,
        pv.app_version,
        pv.app_env,
        pv.url,
        pv.referrer,
        pv.nav_type,
        pv.user_id
    );
    (ev, rollups)
}

#[test]
fn a_faro_batch_becomes_the_same_rows_as_the_native_one() {
    let meta = sample_meta();
    let events = sample_events();
    let native = common::encode(&meta, 1, &events);
    let mut native = decode_native(native.as_bytes()).unwrap();
    native.batch.dropped = Dropped(vec![("queue", 2), ("busy", 1)]).to_attrs();
    let faro = &sample_requests(Format::Faro)[0].body;
    let faro = decode_faro(faro.as_bytes()).unwrap();
    assert!(faro.rejected.is_empty(), "{:?}", faro.rejected);
    let (a, b) = (rows(&native), rows(&faro));
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    // Details survive too: attribution, frames, trace ids.
    let find = |d: &rum_collector::decode::Decoded, k: &str| {
        d.events.iter().filter(|e| e.event.kind() == k).map(|e| e.event.clone()).collect::<Vec<_>>()
    };
    let Event::Error(e) = &find(&faro, "error")[0] else { panic!() };
    assert_eq!((e.frames.len(), e.count, e.ctx.get_str("component")), (2, 3, Some("Cart")));
    let Event::Http(h) = &find(&faro, "http")[0] else { panic!() };
    assert_eq!((h.trace_id.as_str(), h.status, h.dur), ("0af7651916cd43dd8448eb211c80319c", 201, 84.3));
    // Stamped at its end (to the millisecond), as Faro stamps a call.
    assert!((h.t - (T0 + 1500.0)).abs() < 1.0, "{}", h.t);
    let Event::Res(r) = &find(&faro, "res")[0] else { panic!() };
    assert_eq!((r.tcp, r.tls, r.wait), (4.9, 3.1, 312.6));
    assert_eq!(find(&faro, "nav"), find(&native, "nav"));
    assert_eq!(find(&faro, "split"), find(&native, "split"));
    assert_eq!(find(&faro, "long"), find(&native, "long"));
    assert_eq!(find(&faro, "action"), find(&native, "action"), "faro.user.action keeps the whole action");
}

#[test]
fn split_requests_keep_every_event_once_and_decode() {
    let meta = sample_meta();
    let mut events = Vec::new();
    for i in 0..120 {
        for mut e in sample_events() {
            if let Event::Custom(c) = &mut e {
                c.name = format!("e{i}");
            }
            events.push(e);
        }
    }
    for f in [Format::Faro, Format::Otlp] {
        let items = encode_all(f, &meta, &events);
        let mut dropped = Dropped::default();
        dropped.add("queue", 5);
        let mut seq = 0;
        let (reqs, over) = requests(f, &meta, items, dropped, T0, &mut seq, 20_000);
        assert!(over.is_empty());
        assert!(reqs.len() > 4, "{f:?}: {} requests", reqs.len());
        assert_eq!(seq as usize, reqs.len());
        let mut customs = 0;
        let mut drops = 0;
        for r in &reqs {
            assert!(r.body.len() <= 20_000);
            match f {
                Format::Faro => {
                    let p = wire::faro(&r.body, true).unwrap();
                    customs += p.events.iter().filter(|e| e.name.starts_with('e')).count();
                    drops += p.measurements.iter().filter(|m| m.kind == "rum-agent.dropped").count();
                }
                _ => {
                    let kind = if r.channel == 0 { wire::Otlp::Logs } else { wire::Otlp::Traces };
                    wire::otlp(&r.body, kind).unwrap();
                    let tag = "\"eventName\":\"e";
                    customs += r
                        .body
                        .match_indices(tag)
                        .filter(|(i, _)| r.body[i + tag.len()..].starts_with(|c: char| c.is_ascii_digit()))
                        .count();
                    drops += r.body.matches("\"eventName\":\"rum.dropped\"").count();
                }
            }
        }
        assert_eq!((customs, drops), (120, 1), "{f:?}");
        assert!(reqs[0].body.contains("dropped"), "{f:?}: the drop counts ride in the first request");
    }
}

#[tokio::test]
async fn faro_collect_route_keys_preflight_and_partial_rejection() {
    use axum::body::Body;
    use axum::http::{Request as HttpRequest, StatusCode};
    let t = common::collector(|c| c.ingest_key = Some("k3y".into()));
    let body = std::fs::read_to_string(fixtures().join("faro/rum-agent.json")).unwrap();
    let post = |key: Option<&str>, body: String| {
        let mut r = HttpRequest::post("/faro/collect").header("content-type", "application/json");
        if let Some(k) = key {
            r = r.header("x-api-key", k);
        }
        r.body(Body::from(body)).unwrap()
    };
    assert_eq!(t.send(post(None, body.clone())).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.send(post(Some("nope"), body.clone())).await.status, StatusCode::UNAUTHORIZED);
    let r = t.send(post(Some("k3y"), body.clone())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&r.body));
    // The same body again (a resent beacon) is stored once.
    assert_eq!(t.send(post(Some("k3y"), body.clone())).await.status, StatusCode::NO_CONTENT);
    let events = t.get("/api/events?since=30000d&limit=1000").await;
    let rows = events["events"].as_array().unwrap();
    assert_eq!(rows.len(), 15, "every event once");
    assert!(rows.iter().any(|e| e["kind"] == "vital" && e["name"] == "LCP" && e["value"] == 1262.9));
    // A bad item: 200 with its path, the rest stored.
    let bad = body.replacen("\"lcp\":1262.9", "\"lcp\":\"slow\"", 1).replacen("f69a8f520181fa48", "another-view", 1);
    let r = t.send(post(Some("k3y"), bad)).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["rejected"][0]["path"], "measurements[2].values.lcp");
    assert_eq!(j["rejected"][0]["reason"], "invalid_field");
    assert_eq!(j["accepted"], 14);
    // A bad envelope: 400 with the path.
    let r = t.send(post(Some("k3y"), body.replacen("\"name\":\"shop\"", "\"name\":7", 1))).await;
    assert_eq!((r.status, r.json()["path"].as_str()), (StatusCode::BAD_REQUEST, Some("meta.app.name")));
    // The Faro SDK's fetch transport sends its own headers: the preflight allows them.
    let r = t
        .send(
            HttpRequest::options("/faro/collect")
                .header("origin", "https://shop.example")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,x-faro-session-id")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let allowed = r.headers["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("x-faro-session-id") && allowed.contains("x-api-key"), "{allowed}");
}
