//! The agent's hand-written encoder and the collector's serde decoder must
//! agree on every field: encode with one, decode with the other, compare.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::{Attrs, Val};
use super::batch::{split, Envelope, Item};
use super::event::*;
use super::json::Json;
use super::meta::*;

fn sample_events() -> Vec<Event> {
    let mut ctx = Attrs::new();
    ctx.s("route", "/cart").n("items", 3.0);
    vec![
        Event::Nav(NavTiming {
            t: 1_700_000_000_000.5,
            nav_type: "navigate".into(),
            redirect_count: 1,
            redirect_start: 1.5,
            redirect_end: 10.2,
            fetch_start: 11.0,
            domain_lookup_start: 12.0,
            domain_lookup_end: 20.3,
            connect_start: 20.3,
            secure_connection_start: 25.0,
            connect_end: 40.0,
            request_start: 40.1,
            response_start: 120.7,
            response_end: 130.0,
            dom_interactive: 300.0,
            dom_content_loaded_event_start: 301.0,
            dom_content_loaded_event_end: 302.5,
            dom_complete: 800.0,
            load_event_start: 800.1,
            load_event_end: 801.0,
            duration: 801.0,
            transfer_size: 5300.0,
            encoded_body_size: 5000.0,
            decoded_body_size: 15000.0,
            next_hop_protocol: "h2".into(),
            server_timing: vec![ServerTiming { name: "total".into(), duration: 80.5, description: "app \"x\"".into() }],
            ..Default::default()
        }),
        Event::Res(Resource {
            t: 1_700_000_000_100.0,
            url: "https://cdn.example/hero.jpg?w=800".into(),
            initiator: "img".into(),
            start: 100.0,
            dur: 950.5,
            wait: 40.0,
            dl: 900.0,
            size: 120_000.0,
            enc: 119_700.0,
            dec: 119_700.0,
            blocking: false,
            status: 200,
            proto: "h2".into(),
            ..Default::default()
        }),
        Event::Error(ErrorReport {
            t: 1_700_000_000_200.0,
            src: source::JS.into(),
            error_type: "TypeError".into(),
            msg: "x is not a function\nsecond line".into(),
            file: "https://shop.example/app.js".into(),
            line: 10,
            col: 5,
            frames: vec![Frame { file: "https://shop.example/app.js".into(), function: "go".into(), line: 10, col: 5 }],
            stack: String::new(),
            count: 3,
            ctx,
            tag: String::new(),
        }),
        Event::Custom(Custom {
            t: 1.0,
            name: "checkout".into(),
            attrs: Attrs(vec![("step".into(), Val::S("pay".into()))]),
        }),
        Event::Measure(Measure { t: 2.0, name: "cart_items".into(), value: 4.0, attrs: Attrs::new() }),
        Event::Vital(Vital {
            t: 3.0,
            name: "CLS".into(),
            value: 0.1234,
            rating: "needs-improvement".into(),
            nav: "navigate".into(),
            attr: Attrs(vec![("target".into(), Val::S("div#hero".into())), ("time".into(), Val::N(1200.5))]),
            scripts: vec![],
        }),
        Event::Vital(Vital {
            t: 3.5,
            name: "INP".into(),
            value: 264.0,
            rating: "needs-improvement".into(),
            nav: "navigate".into(),
            attr: Attrs(vec![("target".into(), Val::S("button#buy".into())), ("inputDelay".into(), Val::N(4.5))]),
            scripts: vec![LoafScript {
                url: "https://a/app.js".into(),
                function: "onBuy".into(),
                invoker: "BUTTON#buy.onclick".into(),
                dur: 210.0,
            }],
        }),
        Event::LongTasks(LongTasks {
            t: 4.0,
            src: "loaf".into(),
            count: 2,
            total: 180.0,
            max: 120.0,
            scripts: vec![LoafScript {
                url: "https://a/x.js".into(),
                function: "f".into(),
                invoker: "click".into(),
                dur: 100.0,
            }],
        }),
        Event::Split(LatencySplit {
            t: 6.0,
            server: Some(80.5),
            server_name: "total".into(),
            network: 40.2,
            frontend: 670.0,
            frontend_lcp: Some(1200.0),
        }),
        Event::Split(LatencySplit {
            t: 6.5,
            server: None,
            server_name: String::new(),
            network: 120.0,
            frontend: 300.0,
            frontend_lcp: None,
        }),
        Event::Http(HttpCall {
            t: 5.0,
            api: "fetch".into(),
            method: "POST".into(),
            url: "https://api.example/cart".into(),
            status: 503,
            dur: 123.4,
            fail: String::new(),
            req_size: 12.0,
            res_size: 0.0,
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            span_id: "b7ad6b7169203331".into(),
            wait: 100.0,
            ..Default::default()
        }),
    ]
}

#[test]
fn every_event_kind_round_trips() {
    for ev in sample_events() {
        let json = ev.to_json();
        let back: Event = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(back, ev, "{json}");
    }
}

#[test]
fn batch_envelope_round_trips() {
    let mut user = Attrs::new();
    user.s("id", "u-1").s("plan", "pro");
    let meta = Meta {
        app: App { name: "shop".into(), version: "1.4.2".into(), environment: "prod".into() },
        session: SessionRef { id: "s1".into(), start: 1_700_000_000_000.0 },
        view: View {
            id: "pv1".into(),
            name: "product".into(),
            url: "https://shop.example/p/1".into(),
            referrer: "https://search.example/".into(),
            nav: "navigate".into(),
            start: 1_700_000_000_000.0,
            parent: "pv0".into(),
        },
        user,
        env: Env {
            ua: "Mozilla/5.0".into(),
            uach: Some(ClientHints { brands: vec!["Chromium/156".into()], mobile: false, platform: "Linux".into() }),
            vw: 1280,
            vh: 720,
            sw: 1920,
            sh: 1080,
            dpr: 1.5,
            conn: Some(Connection { ect: "4g".into(), kind: String::new(), rtt: 50.0, down: 10.0, save: false }),
            mem: 8.0,
            cores: 8,
            tz: "Europe/Paris".into(),
            lang: "fr-FR".into(),
        },
    };
    let mut dropped = super::batch::Dropped::default();
    dropped.add(super::batch::reason::QUEUE, 2);
    let mut head = Json::new();
    meta.encode_head(&mut head, 1_700_000_000_999.0, &dropped.to_attrs());
    let head = head.finish();
    let head = head.strip_suffix("\"events\":[").unwrap();
    // As the agent encodes them: the resource's `t` is implied by the view's start.
    let items: Vec<Item> =
        sample_events().iter().map(|e| Item { section: 0, body: e.to_json_in(meta.view.start) }).collect();
    assert!(!items[1].body.contains("\"t\":"), "{}", items[1].body);
    let env = Envelope { first_head: head.len(), head: head.len(), tail: 1, sections: &[("\"events\":[", "]")] };
    let mut d = super::batch::Dropped::default();
    let reqs: Vec<String> = split(&env, &items, 60_000, &mut d).iter().map(|m| [head, m, "}"].concat()).collect();
    assert_eq!(reqs.len(), 1);
    let mut b: Batch<Event> = serde_json::from_str(&reqs[0]).unwrap();
    for e in &mut b.events {
        e.restore_implied(b.view.start);
    }
    assert_eq!(b.v, 1);
    assert_eq!(b.sdk.name, SDK_NAME);
    assert_eq!(b.app, meta.app);
    assert_eq!(b.session, meta.session);
    assert_eq!(b.view, meta.view);
    assert_eq!(b.user, meta.user);
    // The user agent travels in the User-Agent header, not the body.
    assert_eq!(b.env, Env { ua: String::new(), ..meta.env.clone() });
    assert_eq!(b.sent, 1_700_000_000_999.0);
    assert_eq!(b.dropped.get_num("queue"), Some(2.0));
    assert_eq!(b.events, sample_events());
}

#[test]
fn protocol_doc_example_decodes() {
    let doc = include_str!("../../docs/protocol.md");
    let start = doc.find("```json\n").unwrap() + 8;
    let end = start + doc[start..].find("\n```").unwrap();
    let b: Batch<Event> = serde_json::from_str(&doc[start..end]).unwrap();
    assert_eq!(b.v, 1);
    assert!(b.seq >= 1);
    assert!(b.events.len() >= 5);
    assert_eq!(b.user.get_str("id"), Some("u-42"));
}

#[test]
fn latency_split_formula() {
    let nav = NavTiming {
        t: 1.0,
        redirect_start: 0.0,
        fetch_start: 2.0,
        domain_lookup_start: 10.0,
        domain_lookup_end: 30.0,
        connect_start: 30.0,
        secure_connection_start: 50.0,
        connect_end: 80.0,
        request_start: 81.0,
        response_start: 281.0,
        response_end: 300.0,
        load_event_end: 900.0,
        server_timing: vec![
            ServerTiming { name: "db".into(), duration: 20.0, description: String::new() },
            ServerTiming { name: "app".into(), duration: 150.0, description: String::new() },
        ],
        ..Default::default()
    };
    // to first byte = dns 20 + tcp 20 + tls 30 + request 200 = 270; server (app) 150.
    let s = LatencySplit::compute(&nav, "", Some(1500.0));
    assert_eq!(s.server, Some(150.0));
    assert_eq!(s.server_name, "app");
    assert_eq!(s.network, 120.0);
    assert_eq!(s.frontend, 619.0);
    assert_eq!(s.frontend_lcp, Some(1219.0));
    // A configured name wins; missing → server unknown, network includes it.
    let s = LatencySplit::compute(&nav, "db", None);
    assert_eq!((s.server, s.network), (Some(20.0), 250.0));
    let s = LatencySplit::compute(&nav, "edge", None);
    assert_eq!((s.server, s.network, s.frontend_lcp), (None, 270.0, None));
}

/// `MARK_NAMES` and the fields `marks_mut` fills are two lists: the same
/// order, field for field (the agent fills the marks by name from the entry).
#[test]
fn nav_mark_names_match_fields() {
    let mut nav = NavTiming::default();
    for (i, slot) in nav.marks_mut().into_iter().enumerate() {
        *slot = 1000.0 + i as f64;
    }
    let v = serde_json::to_value(&nav).unwrap();
    for (i, name) in MARK_NAMES.iter().enumerate() {
        assert_eq!(v[name].as_f64(), Some(1000.0 + i as f64), "{name}");
    }
    assert_eq!(nav.marks().map(|(k, _)| k), MARK_NAMES);
}

/// A back/forward-cache view starts after the document's time origin: its
/// resources keep their `t`.
#[test]
fn resource_time_kept_when_not_implied() {
    let r = Event::Res(Resource { t: 1_700_000_000_100.0, url: "u".into(), start: 100.0, ..Default::default() });
    assert!(!r.to_json_in(1_700_000_000_000.0).contains("\"t\":"));
    let restored = r.to_json_in(1_700_000_050_000.0);
    assert!(restored.contains("\"t\":1700000000100"), "{restored}");
    let mut back: Event = serde_json::from_str(&restored).unwrap();
    back.restore_implied(1_700_000_050_000.0);
    assert_eq!(back, r);
    // Without a view start (the default encoding) every time is sent.
    assert!(r.to_json().contains("\"t\":"));
}
