//! The ingest path end to end in-process: status codes for each kind of bad
//! input, and a check each time that the good data around it was kept.
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

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use std::io::Write;

async fn count(t: &Test, query: &str) -> usize {
    t.get(&format!("/api/events?limit=1000{query}")).await["events"].as_array().unwrap().len()
}

#[tokio::test]
async fn stores_a_batch_and_answers_204() {
    let t = collector(|_| {});
    let m = meta("pv1", "s1", "1.0.0");
    let r = t.post(encode(&m, 1, &[nav(900.0), vital("LCP", 1800.0), js_error("boom"), http(503, "")])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.headers.get("access-control-allow-origin").unwrap(), "*");
    let ev = t.get("/api/events?limit=10").await;
    let list = ev["events"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let by_kind = |k: &str| list.iter().find(|e| e["kind"] == k).unwrap().clone();
    let n = by_kind("nav");
    assert_eq!(n["name"], "page_load");
    assert_eq!(n["value"], 900.0);
    assert_eq!(n["attributes"]["phases"]["dns"], 10.0);
    assert_eq!(n["browser"], "Chrome");
    assert_eq!(n["os"], "Linux");
    assert_eq!(n["device"], "desktop");
    assert_eq!(n["country"], "FR");
    assert_eq!(n["page_url"], "https://shop.example/p/1?utm=x");
    assert_eq!(n["app"]["version"], "1.0.0");
    assert_eq!(by_kind("error")["name"], "TypeError: boom");
    assert_eq!(by_kind("error")["value"], 1.0);
    let h = by_kind("http");
    assert_eq!(h["name"], "GET https://shop.example/api/cart");
    assert_eq!(h["attributes"]["status"], 503);
    assert_eq!(by_kind("vital")["name"], "LCP");

    let s = t.get("/api/summary").await;
    assert_eq!(s["page_views"], 1);
    assert_eq!(s["sessions"], 1);
    assert_eq!(s["session_error_rate"], 1.0);
    assert_eq!(s["http_error_rate"], 1.0);
    assert_eq!(s["vitals"]["LCP"]["p75"], 1800.0);
    assert_eq!(s["vitals"]["LCP"]["good"], 1.0);
    assert_eq!(s["vitals"]["page_load"]["p75"], 900.0);
    assert_eq!(s["vitals"]["TTFB"]["p75"], 150.0, "TTFB from the navigation entry");
    assert_eq!(s["top_errors"][0]["name"], "TypeError: boom");
    assert_eq!(s["top_errors"][0]["count"], 1.0);
}

#[tokio::test]
async fn duplicate_request_is_stored_once() {
    let t = collector(|_| {});
    let body = encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1000.0), vital("CLS", 0.01)]);
    assert_eq!(t.post(body.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(t.post(body).await.status, StatusCode::NO_CONTENT);
    assert_eq!(count(&t, "").await, 2);
    let stats = t.get("/api/stats").await;
    assert_eq!(stats["rejected_requests"]["duplicate"], 1);
    assert_eq!(stats["requests"]["duplicate"], 1);
    // The next request of the same view is not a duplicate.
    let next = encode(&meta("pv1", "s1", "1"), 2, &[vital("INP", 120.0)]);
    assert_eq!(t.post(next).await.status, StatusCode::NO_CONTENT);
    assert_eq!(count(&t, "").await, 3);
    assert_eq!(t.get("/api/summary").await["page_views"], 1);
}

#[tokio::test]
async fn malformed_json_is_400_with_path_and_keeps_earlier_data() {
    let t = collector(|_| {});
    assert_eq!(
        t.post(encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1000.0)])).await.status,
        StatusCode::NO_CONTENT
    );
    let r = t.post(r#"{"v":1,"app":{"name":"a"},"events":[{"k":"vital","value":tru}]}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j = r.json();
    assert_eq!(j["reason"], "malformed_json");
    assert_eq!(j["path"], "events[0].value");
    assert!(j["error"].as_str().unwrap().contains("malformed JSON"));
    assert_eq!(count(&t, "").await, 1);
    let m = t.get("/api/stats").await;
    assert_eq!(m["rejected_requests"]["malformed_json"], 1);
}

#[tokio::test]
async fn unknown_version_is_400() {
    let t = collector(|_| {});
    let r = t.post(r#"{"v":99,"events":[]}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["reason"], "unsupported_version");
    assert_eq!(r.json()["path"], "v");
}

#[tokio::test]
async fn bad_events_are_described_and_good_ones_kept() {
    let t = collector(|_| {});
    let good = encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1000.0), vital("FCP", 800.0)]);
    // Splice three bad events between the good ones.
    let body = good.replacen(
        "},{\"k\":\"vital\",\"t\"",
        "},{\"k\":\"vital\",\"name\":\"CLS\",\"value\":\"big\"},{\"k\":\"teleport\"},42,{\"k\":\"vital\",\"t\"",
        1,
    );
    let r = t.post(body).await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    assert_eq!(j["accepted"], 2);
    let rej = j["rejected"].as_array().unwrap();
    assert_eq!(rej.len(), 3);
    assert_eq!(
        (rej[0]["index"].as_u64(), rej[0]["reason"].as_str(), rej[0]["path"].as_str()),
        (Some(1), Some("invalid_field"), Some("events[1].value"))
    );
    assert_eq!((rej[1]["index"].as_u64(), rej[1]["reason"].as_str()), (Some(2), Some("unknown_kind")));
    assert_eq!((rej[2]["index"].as_u64(), rej[2]["reason"].as_str()), (Some(3), Some("not_an_object")));
    assert_eq!(count(&t, "&kind=vital").await, 2);
    let m = t.get("/api/stats").await;
    assert_eq!(m["rejected_events"]["invalid_field"], 1);
    assert_eq!(m["rejected_events"]["unknown_kind"], 1);
    assert_eq!(m["rejected_events"]["not_an_object"], 1);
    assert_eq!(m["requests"]["partial"], 1);
}

#[tokio::test]
async fn too_large_is_413_and_wrong_key_is_401() {
    let t = collector(|c| {
        c.max_body = 2000;
        c.ingest_key = Some("s3cret".into());
    });
    let good = encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1000.0)]);
    let post = |uri: &str, body: String| {
        Request::post(uri).header("content-type", "text/plain").body(Body::from(body)).unwrap()
    };
    assert_eq!(t.send(post("/collect", good.clone())).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.send(post("/collect?key=nope", good.clone())).await.status, StatusCode::UNAUTHORIZED);
    let big = encode(&meta("pv2", "s1", "1"), 1, &vec![vital("LCP", 1000.0); 50]);
    assert!(big.len() > 2000);
    let r = t.send(post("/collect?key=s3cret", big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers.get("connection").unwrap(), "close");
    assert_eq!(t.send(post("/collect?key=s3cret", good)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(count(&t, "").await, 1);
    let m = t.get("/api/stats").await;
    assert_eq!(m["rejected_requests"]["unauthorized"], 2);
    assert_eq!(m["rejected_requests"]["body_too_large"], 1);
}

#[tokio::test]
async fn gzip_and_deflate_bodies() {
    let t = collector(|_| {});
    let gz = |s: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(s.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let zl = |s: &str| {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(s.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let b1 = encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1.0)]);
    let b2 = encode(&meta("pv2", "s1", "1"), 1, &[vital("LCP", 2.0)]);
    let b3 = encode(&meta("pv3", "s1", "1"), 1, &[vital("LCP", 3.0)]);
    // By header.
    let r =
        t.send(Request::post("/collect").header("content-encoding", "gzip").body(Body::from(gz(&b1))).unwrap()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t
        .send(Request::post("/collect").header("content-encoding", "deflate").body(Body::from(zl(&b2))).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // By magic bytes (a beacon cannot set Content-Encoding).
    assert_eq!(t.post(gz(&b3)).await.status, StatusCode::NO_CONTENT);
    // Garbage claiming gzip.
    let r =
        t.send(Request::post("/collect").header("content-encoding", "gzip").body(Body::from("nope")).unwrap()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["reason"], "bad_encoding");
    // A bomb: small on the wire, over --max-body decompressed.
    let bomb = gz(&" ".repeat(2 << 20));
    assert!(bomb.len() < 1 << 20);
    assert_eq!(t.post(bomb).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&t, "").await, 3);
}

#[tokio::test]
async fn content_type_and_cors() {
    let t = collector(|c| c.allow_origin = vec!["https://shop.example".into()]);
    let body = encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1.0)]);
    let r = t
        .send(
            Request::post("/collect")
                .header("content-type", "multipart/form-data")
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = t
        .send(
            Request::options("/collect")
                .header("origin", "https://shop.example")
                .header("access-control-request-method", "POST")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.headers.get("access-control-allow-origin").unwrap(), "https://shop.example");
    assert!(r.headers.get("access-control-allow-methods").unwrap().to_str().unwrap().contains("POST"));
    let r = t
        .send(Request::options("/collect").header("origin", "https://evil.example").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .send(
            Request::post("/collect").header("origin", "https://evil.example").body(Body::from(body.clone())).unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .send(
            Request::post("/collect")
                .header("origin", "https://shop.example")
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.headers.get("access-control-allow-origin").unwrap(), "https://shop.example");
    assert_eq!(count(&t, "").await, 1);
}

#[tokio::test]
async fn summary_groups_rates_and_releases() {
    let t = collector(|_| {});
    // Three sessions: s1 with a JS error, s2 with only a resource error, s3 clean.
    let mut m1 = meta("pv1", "s1", "1.0");
    m1.view.url = "https://shop.example/".into();
    t.post(encode(&m1, 1, &[vital("LCP", 1000.0), vital("INP", 100.0), js_error("x")])).await;
    let mut m2 = meta("pv2", "s2", "1.0");
    m2.view.url = "https://shop.example/cart".into();
    let res_err = rum_agent::core::event::Event::Error(rum_agent::core::event::ErrorReport {
        t: now(),
        src: "resource".into(),
        error_type: "ResourceError".into(),
        msg: "img failed".into(),
        count: 1,
        ..Default::default()
    });
    t.post(encode(&m2, 1, &[vital("LCP", 3000.0), res_err, http(200, ""), http(0, "network")])).await;
    let mut m3 = meta("pv3", "s3", "2.0");
    m3.view.url = "https://shop.example/".into();
    let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";
    t.post_ua(firefox, encode(&m3, 1, &[vital("LCP", 5000.0), vital("CLS", 0.3)])).await;

    let s = t.get("/api/summary?group_by=page").await;
    assert_eq!(s["page_views"], 3);
    assert_eq!(s["sessions"], 3);
    assert_eq!(s["sessions_with_js_errors"], 1);
    assert!((s["session_error_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(s["http_calls"], 2);
    assert_eq!(s["http_error_rate"], 0.5);
    let lcp = &s["vitals"]["LCP"];
    assert_eq!(lcp["p75"], 5000.0);
    assert_eq!(lcp["count"], 3);
    assert!((lcp["good"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let groups = s["groups"].as_array().unwrap();
    assert_eq!(groups[0]["key"], "/");
    assert_eq!(groups[0]["page_views"], 2);
    assert_eq!(groups[1]["key"], "/cart");
    let b = t.get("/api/summary?group_by=browser").await;
    let keys: Vec<&str> = b["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["Chrome", "Firefox"]);
    let r = t.get("/api/summary?release=2.0").await;
    assert_eq!(r["page_views"], 1);
    assert_eq!(r["vitals"]["CLS"]["poor"], 1.0);
    let r = t.get("/api/summary?group_by=release").await;
    assert_eq!(r["groups"].as_array().unwrap().len(), 2);
    let bad = t.send(Request::get("/api/summary?group_by=planet").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let ts = t.get("/api/timeseries?since=1h").await;
    let total: u64 = ts["page_views"].as_array().unwrap().iter().filter_map(|v| v.as_u64()).sum();
    assert_eq!(total, 3);
    // Paging: newest first, the cursor continues where the page ended.
    let p1 = t.get("/api/events?limit=4").await;
    let cursor = p1["next_before"].as_str().unwrap().to_string();
    let p2 = t.get(&format!("/api/events?limit=100&before={cursor}")).await;
    let ids = |v: &serde_json::Value| {
        v["events"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    let (a, b) = (ids(&p1), ids(&p2));
    assert_eq!(a.len() + b.len(), 9);
    assert!(a.iter().all(|x| !b.contains(x)));
    assert!(p2["next_before"].is_null());
    let d = t.get("/api/dimensions").await;
    assert_eq!(d["apps"][0]["value"], "shop");
    assert_eq!(d["releases"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn health_metrics_and_dashboard() {
    let t = collector(|_| {});
    let h = t.get("/healthz").await;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["writer"], "running");
    t.post("{").await;
    let r = t.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.contains("rum_collector_rejected_requests_total{reason=\"malformed_json\"} 1"), "{text}");
    let r = t.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let r = t.send(Request::get("/dashboard/app.js").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn static_mounts_with_mime_types() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(site.path().join("a.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.path().join("a.js"), "export {}").unwrap();
    let dir = site.path().to_path_buf();
    let t = collector(move |c| {
        c.statics = vec![rum_collector::config::StaticMount { prefix: "/demo".into(), dir }];
    });
    let r = t.send(Request::get("/demo").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers.get("location").unwrap(), "/demo/");
    let r = t.send(Request::get("/demo/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, b"<h1>hi</h1>");
    let r = t.send(Request::get("/demo/a.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!(r.headers.get("content-type").unwrap(), "application/wasm");
    let r = t.send(Request::get("/demo/a.js").body(Body::empty()).unwrap()).await;
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().contains("javascript"));
    let r = t.send(Request::get("/demo/../Cargo.toml").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.send(Request::get("/nothing").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

fn action(name: &str, dur: f64, http_fail: u32, frust: &[&str]) -> rum_agent::core::event::Event {
    rum_agent::core::event::Event::Action(rum_agent::core::event::UserAction {
        t: now() - 200.0,
        kind: "click".into(),
        name: name.into(),
        target: "button#b".into(),
        dur,
        http: 1,
        http_fail,
        clicks: 1,
        frust: frust.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

#[tokio::test]
async fn actions_are_stored_and_summarised() {
    let t = collector(|_| {});
    let evs = [
        action("Add to cart", 100.0, 0, &[]),
        action("Add to cart", 200.0, 1, &[]),
        action("Add to cart", 300.0, 0, &["rage"]),
        action("Add to cart", 400.0, 0, &["error"]),
        action("Menu", 50.0, 0, &["dead"]),
    ];
    let r = t.post(encode(&meta("pv1", "s1", "1"), 1, &evs)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&r.body));
    let ev = t.get("/api/events?kind=action&limit=10").await;
    let list = ev["events"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    let menu = list.iter().find(|e| e["name"] == "Menu").unwrap();
    assert_eq!(menu["value"], 50.0);
    assert_eq!(menu["attributes"]["frust"], serde_json::json!(["dead"]));
    assert_eq!(menu["attributes"]["target"], "button#b");
    let s = t.get("/api/summary").await;
    let top = s["top_actions"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert_eq!(top[0]["name"], "Add to cart");
    assert_eq!(top[0]["count"], 4);
    assert_eq!(top[0]["p75_duration"], 300.0);
    assert_eq!(top[0]["failure_rate"], 0.25);
    assert_eq!(top[0]["frustration_rate"], 0.5);
    assert_eq!((top[0]["rage"].clone(), top[0]["error_clicks"].clone()), (1.into(), 1.into()));
    assert_eq!(top[1]["name"], "Menu");
    assert_eq!(top[1]["dead"], 1);
    assert_eq!(top[1]["frustration_rate"], 1.0);
    // Filtered like the rest: another release has none.
    let none = t.get("/api/summary?release=2").await;
    assert_eq!(none["top_actions"].as_array().unwrap().len(), 0);
    // A bad action is refused with the field named.
    let bad = r#""events":[{"k":"action","t":1,"type":"click","dur":-1}]"#;
    let body = encode(&meta("pv2", "s1", "1"), 1, &[]).replace(r#""events":[]"#, bad);
    assert!(body.contains("action"), "{body}");
    let r = t.post(body).await;
    assert!(String::from_utf8_lossy(&r.body).contains("dur"), "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn soft_navigations_chain_and_summaries_split_them_by_nav_and_route() {
    let t = collector(|c| c.routes = vec![rum_collector::route::parse_pattern("/shop/:category").unwrap()]);
    // One session: a landing view, then three soft navigations chained to it.
    let views = [
        ("pv1", "", "navigate", "https://shop.example/", 1200.0),
        ("pv2", "pv1", "soft-navigation", "https://shop.example/product/8812", 300.0),
        ("pv3", "pv2", "soft-navigation", "https://shop.example/product/17", 500.0),
        ("pv4", "pv3", "soft-navigation", "https://shop.example/shop/vases", 100.0),
    ];
    for (id, parent, nav, url, lcp) in views {
        let mut m = meta(id, "s1", "1.0");
        m.view.parent = parent.into();
        m.view.nav = nav.into();
        m.view.url = url.into();
        assert_eq!(t.post(encode(&m, 1, &[vital("LCP", lcp)])).await.status, StatusCode::NO_CONTENT);
    }
    let db = rusqlite::Connection::open(t.dir.path().join("rum.db")).unwrap();
    let chain: Vec<(String, String, String)> = db
        .prepare("SELECT id, parent_id, nav_type FROM page_views ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(chain[1], ("pv2".into(), "pv1".into(), "soft-navigation".into()));
    assert_eq!(chain[3].1, "pv3", "each soft view names the view it came from");
    assert_eq!(chain[0].1, "", "a document's view has no parent");

    let by_route = t.get("/api/summary?group_by=route").await;
    let groups: Vec<(String, u64)> = by_route["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_string(), g["page_views"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups[0], ("/product/:id".into(), 2), "numeric ids grouped automatically");
    assert!(groups.contains(&("/shop/:category".into(), 1)), "a configured pattern: {groups:?}");
    assert!(groups.contains(&("/".into(), 1)));
    let soft = t.get("/api/summary?nav=soft").await;
    assert_eq!(soft["page_views"], 3);
    assert_eq!(soft["vitals"]["LCP"]["count"], 3);
    let hard = t.get("/api/summary?nav=hard").await;
    assert_eq!(hard["page_views"], 1);
    assert_eq!(hard["vitals"]["LCP"]["p75"], 1200.0);
    let by_nav = t.get("/api/summary?group_by=nav").await;
    let keys: Vec<&str> = by_nav["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["soft", "hard"]);
    let bad = t.send(Request::get("/api/summary?nav=medium").body(Body::empty()).unwrap()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
