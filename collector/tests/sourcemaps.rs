//! Source map API through the router: keys, limits, refusal of bad maps
//! without side effects, symbolication when read (maps uploaded after the
//! errors), re-upload, delete, grouping by cause.
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
use rum_agent::core::event::*;
use serde_json::{json, Value};
use sourcemap::SourceMapBuilder;

const KEY: &str = "admin-secret";

/// A map whose generated line 1 maps column 1.. to `src` line `line`.
fn map(src: &str, line: u32) -> String {
    let mut b = SourceMapBuilder::new(None);
    b.add(0, 0, line - 1, 0, Some(src), None, false);
    b.add(0, 20, line - 1, 4, Some(src), Some("boom"), false);
    b.set_source_contents(0, Some(&"x\n".repeat(line as usize + 5)));
    let mut out = Vec::new();
    b.into_sourcemap().to_writer(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn error_at(msg: &str, file: &str, col: u32) -> Event {
    Event::Error(ErrorReport {
        t: now() - 500.0,
        src: source::JS.into(),
        error_type: "RangeError".into(),
        msg: msg.into(),
        frames: vec![Frame { file: file.into(), function: "t".into(), line: 1, col }],
        count: 1,
        ..Default::default()
    })
}

async fn upload(t: &Test, key: Option<&str>, body: &Value) -> Resp {
    let mut r = Request::post("/api/sourcemaps").header("content-type", "application/json");
    if let Some(k) = key {
        r = r.header("authorization", format!("Bearer {k}"));
    }
    t.send(r.body(Body::from(body.to_string())).unwrap()).await
}

async fn list(t: &Test) -> Value {
    let r = t
        .send(
            Request::get("/api/sourcemaps")
                .header("authorization", format!("Bearer {KEY}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["sourcemaps"].clone()
}

#[tokio::test]
async fn without_an_admin_key_configured_uploads_are_forbidden() {
    let t = collector(|_| {});
    let r = upload(&t, Some("anything"), &json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["error"].as_str().unwrap().contains("--admin-key"));
}

#[tokio::test]
async fn keys_limits_and_bad_maps() {
    let t = collector(|c| {
        c.admin_key = Some(KEY.into());
        c.sourcemap_max_upload = 64 << 10;
    });
    let good = json!({"release": "1.0", "files": [{"url": "/assets/a.js", "map": map("src/cart.js", 5)}]});
    assert_eq!(upload(&t, None, &good).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(upload(&t, Some("admin-secreT"), &good).await.status, StatusCode::UNAUTHORIZED);
    let ingest_like =
        t.send(Request::post("/api/sourcemaps?key=admin-secret").body(Body::from(good.to_string())).unwrap()).await;
    assert_eq!(ingest_like.status, StatusCode::UNAUTHORIZED, "the key goes in Authorization only");
    let r = upload(&t, Some(KEY), &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["files"][0]["replaced"], false);

    // Huge: 413 before parsing, and nothing stored.
    let huge = json!({"release": "1.0", "files": [{"url": "/assets/big.js", "map": "x".repeat(100 << 10)}]});
    let r = upload(&t, Some(KEY), &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["reason"], "body_too_large");
    let many: Vec<Value> = (0..1001).map(|i| json!({"url": format!("/{i}.js"), "map": "{}"})).collect();
    let r = upload(&t, Some(KEY), &json!({"release": "1.0", "files": many})).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["reason"], "too_many_files");

    // One bad map among good ones: refused with its reason, nothing changes.
    let before = list(&t).await;
    let bad = json!({"release": "1.0", "files": [
        {"url": "/assets/a.js", "map": map("src/other.js", 9)},
        {"url": "/assets/b.js", "map": "{\"version\":3,\"sources\":[\"a.js\"],\"mappings\":\"AKAA\""}]});
    let r = upload(&t, Some(KEY), &bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j = r.json();
    assert_eq!(
        (j["reason"].as_str(), j["index"].as_u64(), j["url"].as_str()),
        (Some("invalid_sourcemap"), Some(1), Some("/assets/b.js"))
    );
    assert!(j["error"].as_str().unwrap().contains("not valid JSON"), "{j}");
    let v2 = json!({"release": "1.0", "files": [{"url": "/assets/a.js", "map": map("src/cart.js", 5).replace("\"version\":3", "\"version\":2")}]});
    let j = upload(&t, Some(KEY), &v2).await.json();
    assert!(j["error"].as_str().unwrap().contains("version 2"), "{j}");
    assert_eq!(list(&t).await, before, "a refused upload changes nothing");
    let r = upload(&t, Some(KEY), &json!({"release": "", "files": []})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn maps_uploaded_after_the_errors_symbolicate_them_and_group_them() {
    let t = collector(|c| c.admin_key = Some(KEY.into()));
    // The same bug from two bundles of release 2.0, plus another bug with the same message.
    let m = meta("pv-1", "s-1", "2.0");
    let evs = [
        error_at("over", "https://shop.example/assets/a.js", 25),
        error_at("over", "https://shop.example/assets/b.js?v=2", 10),
        error_at("over", "https://shop.example/assets/c.js", 10),
    ];
    assert_eq!(t.post(encode(&m, 1, &evs)).await.status, StatusCode::NO_CONTENT);
    let m_old = meta("pv-2", "s-2", "1.9");
    assert_eq!(
        t.post(encode(&m_old, 1, &[error_at("over", "https://shop.example/assets/a.js", 25)])).await.status,
        StatusCode::NO_CONTENT
    );

    let errors = t.get("/api/errors?since=1h").await;
    assert_eq!(errors["errors"].as_array().unwrap().len(), 1, "before: by message only");
    assert_eq!(errors["errors"][0]["count"], 4.0);
    let ev = t.get("/api/events?kind=error&release=2.0").await;
    assert!(ev["events"][0]["attributes"]["frames"][0].get("original").is_none());

    let body = json!({"release": "2.0", "files": [
        {"url": "/assets/a.js", "map": map("src/cart.js", 5)},
        {"url": "https://shop.example/assets/b.js", "map": map("src/cart.js", 5)},
        {"url": "/assets/c.js", "map": map("src/other.js", 9)}]});
    assert_eq!(upload(&t, Some(KEY), &body).await.status, StatusCode::OK);

    let ev = t.get("/api/events?kind=error&release=2.0").await;
    let originals: Vec<Value> =
        ev["events"].as_array().unwrap().iter().map(|e| e["attributes"]["frames"][0]["original"].clone()).collect();
    let mut got: Vec<(String, u64, u64)> = originals
        .iter()
        .map(|o| (o["file"].as_str().unwrap().to_string(), o["line"].as_u64().unwrap(), o["col"].as_u64().unwrap()))
        .collect();
    got.sort();
    assert_eq!(got, vec![("src/cart.js".into(), 5, 1), ("src/cart.js".into(), 5, 5), ("src/other.js".into(), 9, 1)]);
    // The minified frame stays next to it.
    assert_eq!(ev["events"][0]["attributes"]["frames"][0]["fn"], "t");
    // Release 1.9 has no map: left alone.
    let old = t.get("/api/events?kind=error&release=1.9").await;
    assert!(old["events"][0]["attributes"]["frames"][0].get("original").is_none());

    let errors = t.get("/api/errors?since=1h").await;
    let list = errors["errors"].as_array().unwrap();
    let culprits: Vec<(&str, f64)> =
        list.iter().map(|e| (e["culprit"].as_str().unwrap_or("-"), e["count"].as_f64().unwrap())).collect();
    // a.js:25 and b.js:21 are both src/cart.js:5 but at different columns:
    // grouped by file, line and function, they are one issue.
    let short: Vec<(String, f64)> =
        culprits.iter().map(|(c, n)| (c.rsplit_once(':').map_or(*c, |x| x.0).to_string(), *n)).collect();
    assert_eq!(short, vec![("src/cart.js:5".into(), 2.0), ("-".into(), 1.0), ("src/other.js:9".into(), 1.0)]);
    assert_eq!(list[0]["releases"], json!(["2.0"]));
    assert_eq!(list[0]["browsers"], json!(["Chrome"]));
    let summary = t.get("/api/summary?since=1h").await;
    assert_eq!(summary["top_errors"], errors["errors"]);

    // Re-upload replaces; delete removes; reads follow at once.
    let r = upload(
        &t,
        Some(KEY),
        &json!({"release": "2.0", "files": [{"url": "/assets/c.js", "map": map("src/cart.js", 5)}]}),
    )
    .await;
    assert_eq!(r.json()["files"][0]["replaced"], true);
    assert_eq!(t.get("/api/errors?since=1h").await["errors"].as_array().unwrap().len(), 2);
    let del = t
        .send(
            Request::delete("/api/sourcemaps?release=2.0")
                .header("authorization", format!("Bearer {KEY}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(del.json()["deleted"], 3);
    assert_eq!(t.get("/api/errors?since=1h").await["errors"].as_array().unwrap().len(), 1);
    let nokey = t.send(Request::delete("/api/sourcemaps/1").body(Body::empty()).unwrap()).await;
    assert_eq!(nokey.status, StatusCode::UNAUTHORIZED);
}
