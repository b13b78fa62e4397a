//! Shared helpers for the integration tests: an in-process collector on a
//! temporary database, and realistic batches encoded by the agent's own
//! encoder.
#![allow(dead_code)]

pub mod clickhouse;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use rum_agent::core::attrs::Attrs;
use rum_agent::core::event::*;
use rum_agent::core::json::Json;
use rum_agent::core::meta::*;
use rum_collector::{build, Collector, Config};
use serde_json::Value;
use tower::ServiceExt;

pub struct Test {
    pub dir: tempfile::TempDir,
    pub c: Collector,
}

pub fn collector(adjust: impl FnOnce(&mut Config)) -> Test {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::for_db(dir.path().join("rum.db"));
    adjust(&mut cfg);
    let c = build(cfg).unwrap();
    Test { dir, c }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Test {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let r = self.c.router.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp { status, headers, body }
    }
    /// A POST from Chrome (the agent leaves the user agent to this header).
    pub async fn post(&self, body: impl Into<Vec<u8>>) -> Resp {
        self.post_ua(CHROME_UA, body).await
    }
    pub async fn post_ua(&self, ua: &str, body: impl Into<Vec<u8>>) -> Resp {
        self.send(
            Request::post("/collect")
                .header("content-type", "text/plain;charset=UTF-8")
                .header("user-agent", ua)
                .body(Body::from(body.into()))
                .unwrap(),
        )
        .await
    }
    pub async fn get(&self, uri: &str) -> Value {
        let r = self.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&r.body));
        r.json()
    }
}

pub const CHROME_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

pub fn now() -> f64 {
    rum_collector::now_ms() as f64
}

pub fn meta(view: &str, session: &str, version: &str) -> Meta {
    let t = now();
    Meta {
        app: App { name: "shop".into(), version: version.into(), environment: "test".into() },
        session: SessionRef { id: session.into(), start: t - 5000.0 },
        view: View {
            id: view.into(),
            name: String::new(),
            url: "https://shop.example/p/1?utm=x".into(),
            referrer: String::new(),
            nav: "navigate".into(),
            start: t - 3000.0,
            parent: String::new(),
        },
        user: Attrs::new(),
        env: Env {
            ua: CHROME_UA.into(),
            tz: "Europe/Paris".into(),
            lang: "fr-FR".into(),
            vw: 1280,
            vh: 720,
            ..Default::default()
        },
    }
}

/// A native batch as the agent encodes it (`seq` spliced in after `v`).
pub fn encode(meta: &Meta, seq: u32, events: &[Event]) -> String {
    let mut j = Json::new();
    meta.encode_head(&mut j, now(), &Attrs::new());
    let mut s = j.finish();
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&e.to_json());
    }
    s.push_str("]}");
    s.replacen("{\"v\":1,", &format!("{{\"v\":1,\"seq\":{seq},"), 1)
}

pub fn vital(name: &str, value: f64) -> Event {
    Event::Vital(Vital { t: now() - 1000.0, name: name.into(), value, ..Default::default() })
}

pub fn js_error(msg: &str) -> Event {
    Event::Error(ErrorReport {
        t: now() - 500.0,
        src: source::JS.into(),
        error_type: "TypeError".into(),
        msg: msg.into(),
        count: 1,
        ..Default::default()
    })
}

pub fn nav(load: f64) -> Event {
    Event::Nav(NavTiming {
        t: now() - 2000.0,
        nav_type: "navigate".into(),
        fetch_start: 1.0,
        domain_lookup_start: 2.0,
        domain_lookup_end: 12.0,
        connect_start: 12.0,
        connect_end: 30.0,
        request_start: 31.0,
        response_start: 150.0,
        response_end: 200.0,
        dom_complete: load - 5.0,
        load_event_start: load - 2.0,
        load_event_end: load,
        ..Default::default()
    })
}

pub fn http(status: u32, fail: &str) -> Event {
    Event::Http(HttpCall {
        t: now() - 100.0,
        api: "fetch".into(),
        method: "GET".into(),
        url: "https://shop.example/api/cart".into(),
        status,
        dur: 80.0,
        fail: fail.into(),
        ..Default::default()
    })
}
