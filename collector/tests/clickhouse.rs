//! The ClickHouse backend (`--store clickhouse://…`) against a real
//! `clickhouse-server` started by the test on its own loopback ports:
//! the same batches stored by a SQLite collector and a ClickHouse one give
//! the same answer on every read route; a request sent to two collectors
//! sharing one database is stored once; with ClickHouse down, ingest answers
//! 503 with Retry-After and what was acknowledged before is there after.
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

use axum::http::StatusCode;
use common::clickhouse::ClickHouse;
use common::*;
use rum_agent::core::event::*;
use serde_json::Value;

const FIREFOX_UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

fn ch_collector(ch: &ClickHouse, db: &str) -> Test {
    let url = ch.url(db);
    collector(move |c| c.store = Some(url))
}

fn split(server: f64, network: f64, frontend: f64) -> Event {
    Event::Split(LatencySplit {
        t: now() - 1500.0,
        server: Some(server),
        server_name: "app".into(),
        network,
        frontend,
        frontend_lcp: Some(frontend + 100.0),
    })
}

fn action(name: &str, dur: f64, http_fail: u32, frust: &[&str]) -> Event {
    Event::Action(UserAction {
        t: now() - 800.0,
        kind: "click".into(),
        name: name.into(),
        target: format!("button#{}", name.to_lowercase().replace(' ', "-")),
        dur,
        http: 1,
        http_fail,
        clicks: 1,
        frust: frust.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

/// Page views over three sessions, two browsers, two releases, several
/// pages (ids in paths for `group_by=route`), a soft navigation, resent
/// requests; every kind of event the summary, issues, actions and SLOs read.
fn fixture() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let pages = ["/", "/product/8812", "/product/9913", "/cart", "/checkout"];
    for i in 0..24u32 {
        let session = format!("s{}", i % 3);
        let view = format!("pv{i:02}");
        let version = if i % 4 == 0 { "1.1.0" } else { "1.0.0" };
        let mut m = meta(&view, &session, version);
        m.view.url = format!("https://shop.example{}?q={i}", pages[i as usize % pages.len()]);
        if i % 7 == 3 {
            m.view.nav = "soft-navigation".into();
            m.view.parent = format!("pv{:02}", i - 1);
        }
        let ua = if i % 3 == 2 { FIREFOX_UA } else { CHROME_UA };
        let f = f64::from(i);
        let mut first = vec![nav(600.0 + 37.0 * f), vital("FCP", 300.0 + 11.0 * f), vital("TTFB", 90.0 + 13.0 * f)];
        first.push(split(40.0 + f, 20.0 + 2.0 * f, 500.0 + 10.0 * f));
        out.push((ua, encode(&m, 1, &first)));
        let mut second = vec![vital("LCP", 900.0 + 173.0 * f), vital("CLS", 0.013 * f)];
        if i % 5 == 1 {
            second.push(js_error(&format!("boom {}", i % 2)));
        }
        if i % 2 == 0 {
            second.push(http(if i % 6 == 0 { 503 } else { 200 }, ""));
            second.push(action(if i % 4 == 0 { "Add to cart" } else { "Search" }, 80.0 + 9.0 * f, i % 8 / 7, &[]));
        }
        if i % 6 == 5 {
            second.push(action("Checkout", 1200.0 + f, 0, &["rage"]));
        }
        out.push((ua, encode(&m, 2, &second)));
        if i % 2 == 1 {
            out.push((ua, encode(&m, 3, &[vital("INP", 40.0 + 31.0 * f), vital("LCP", 950.0 + 173.0 * f)])));
        }
        // A resend of a request already stored: de-duplicated on both.
        if i % 5 == 0 {
            out.push((ua, encode(&m, 2, &second)));
        }
    }
    out
}

/// Drops what differs between two stores of the same batches by design
/// (row ids, receive times and the skew-corrected event times, the
/// evaluation time) and sorts event lists.
fn normalize(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for k in ["id", "ts", "received_at", "at", "first_seen", "last_seen", "next_before"] {
                o.remove(k);
            }
            for (_, x) in o.iter_mut() {
                normalize(x);
            }
            if let Some(Value::Array(list)) = o.get_mut("events") {
                list.sort_by_key(|e| e.to_string());
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                diff(&format!("{path}.{k}"), x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), p, q, out);
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {}
        (x, y) if x == y => {}
        (x, y) => out.push(format!("{path}: sqlite {x} != clickhouse {y}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_answer_the_same() {
    let ch = ClickHouse::start();
    let lite = collector(|_| {});
    let click = ch_collector(&ch, "rum_same");
    let t0 = rum_collector::now_ms();
    for (ua, body) in fixture() {
        let a = lite.post_ua(ua, body.clone()).await;
        let b = click.post_ua(ua, body).await;
        assert_eq!(a.status, b.status, "{}", String::from_utf8_lossy(&b.body));
        assert!(a.status.is_success(), "{}", String::from_utf8_lossy(&a.body));
    }
    let range = format!("since={}&until={}", t0 - 3_600_000, t0 + 3_600_000);
    let mut uris = vec![
        format!("/api/summary?{range}"),
        format!("/api/summary?{range}&nav=hard"),
        format!("/api/summary?{range}&nav=soft"),
        format!("/api/summary?{range}&release=1.0.0"),
        format!("/api/timeseries?{range}&step=1d"),
        format!("/api/events?{range}&limit=1000"),
        format!("/api/events?{range}&kind=vital&name=LCP"),
        format!("/api/events?{range}&page_view_id=pv07"),
        format!("/api/events?{range}&session_id=s1&kind=error"),
        format!("/api/errors?{range}"),
        format!("/api/dimensions?{range}"),
        "/api/slo".to_string(),
    ];
    for g in ["page", "route", "nav", "browser", "os", "device", "country", "release"] {
        uris.push(format!("/api/summary?{range}&group_by={g}"));
    }
    let mut problems = Vec::new();
    for uri in &uris {
        let mut a = lite.get(uri).await;
        let mut b = click.get(uri).await;
        normalize(&mut a);
        normalize(&mut b);
        diff(uri, &a, &b, &mut problems);
    }
    // The answers are not empty (a comparison of two empty answers proves nothing).
    let s = click.get(&format!("/api/summary?{range}")).await;
    assert_eq!(s["page_views"], 24);
    assert_eq!(s["sessions"], 3);
    assert!(s["vitals"]["LCP"]["p75"].as_f64().unwrap() > 0.0);
    assert!(s["latency"]["server"]["count"].as_i64().unwrap() > 0);
    assert!(!s["top_actions"].as_array().unwrap().is_empty());
    assert!(!s["top_errors"].as_array().unwrap().is_empty());
    let stats_a = lite.get("/api/stats").await["database"].clone();
    let stats_b = click.get("/api/stats").await["database"].clone();
    assert_eq!(stats_a, stats_b);
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
    let h = click.get("/healthz").await;
    assert_eq!(h["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_store_a_request_once() {
    let ch = ClickHouse::start();
    let a = ch_collector(&ch, "rum_two");
    let b = ch_collector(&ch, "rum_two");
    let m = meta("pv-two", "s-two", "1.0.0");
    let body = encode(&m, 1, &[vital("LCP", 1200.0), js_error("once")]);
    // At the same time on both (the write-time check cannot see the other's
    // insert): read-time de-duplication keeps one copy.
    let (ra, rb) = tokio::join!(a.post(body.clone()), b.post(body.clone()));
    assert_eq!(ra.status, StatusCode::NO_CONTENT);
    assert_eq!(rb.status, StatusCode::NO_CONTENT);
    // Later, again: the write-time check answers it as a duplicate.
    assert_eq!(a.post(body.clone()).await.status, StatusCode::NO_CONTENT);
    for t in [&a, &b] {
        let ev = t.get("/api/events?page_view_id=pv-two").await;
        assert_eq!(ev["events"].as_array().unwrap().len(), 2, "{ev}");
        let s = t.get("/api/summary").await;
        assert_eq!(s["page_views"], 1);
        assert_eq!(s["vitals"]["LCP"]["count"], 1);
        let st = t.get("/api/stats").await;
        assert_eq!(st["database"]["events"], 2);
    }
    assert_eq!(a.get("/api/stats").await["rejected_requests"]["duplicate"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_down_answers_503_and_keeps_what_was_acknowledged() {
    let mut ch = ClickHouse::start();
    let t = ch_collector(&ch, "rum_down");
    let before = encode(&meta("pv-a", "s-a", "1.0.0"), 1, &[vital("LCP", 1000.0)]);
    assert_eq!(t.post(before).await.status, StatusCode::NO_CONTENT);
    ch.kill();
    let during = encode(&meta("pv-b", "s-b", "1.0.0"), 1, &[vital("LCP", 2000.0)]);
    let r = t.post(during.clone()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.headers.get("retry-after").is_some());
    ch.resume();
    // The agent retries after Retry-After: now it is stored, once.
    assert_eq!(t.post(during).await.status, StatusCode::NO_CONTENT);
    let s = t.get("/api/summary").await;
    assert_eq!(s["page_views"], 2, "{s}");
    assert_eq!(s["vitals"]["LCP"]["p75"], 2000.0);
}

/// Two ClickHouse servers, one shard each, `Distributed` tables over them;
/// two collectors, each querying its own shard first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_on_a_two_shard_cluster() {
    let mut shards = ClickHouse::cluster(2);
    let (p1, p2) = (shards[0].http_port, shards[1].http_port);
    let a = collector(|c| c.store = Some(format!("clickhouse://127.0.0.1:{p1},127.0.0.1:{p2}/rum?cluster=rum")));
    let b = collector(|c| c.store = Some(format!("clickhouse://127.0.0.1:{p2},127.0.0.1:{p1}/rum?cluster=rum")));
    let lite = collector(|_| {});
    // The fixture, alternately through each collector, and every request
    // also into SQLite for the expected answers.
    let t0 = rum_collector::now_ms();
    for (i, (ua, body)) in fixture().into_iter().enumerate() {
        let to = if i % 2 == 0 { &a } else { &b };
        assert_eq!(to.post_ua(ua, body.clone()).await.status, lite.post_ua(ua, body).await.status);
    }
    // The same request to both collectors at once: stored once.
    let m = meta("pv-both", "s-both", "1.0.0");
    let body = encode(&m, 1, &[vital("LCP", 4321.0)]);
    let (ra, rb) = tokio::join!(a.post(body.clone()), b.post(body.clone()));
    assert_eq!((ra.status, rb.status), (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT));
    assert_eq!(lite.post(body).await.status, StatusCode::NO_CONTENT);
    // Rows are on both shards.
    for ch in &shards {
        let url = format!("http://127.0.0.1:{}/?database=rum", ch.http_port);
        let n: i64 = ureq::post(&url)
            .send("SELECT count() FROM events_local")
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(n > 0, "shard on port {} holds no events", ch.http_port);
    }
    let range = format!("since={}&until={}", t0 - 3_600_000, t0 + 3_600_000);
    let mut problems = Vec::new();
    for uri in [
        format!("/api/summary?{range}&group_by=route"),
        format!("/api/events?{range}&limit=1000"),
        format!("/api/errors?{range}"),
        "/api/slo".to_string(),
    ] {
        let mut want = lite.get(&uri).await;
        normalize(&mut want);
        for t in [&a, &b] {
            let mut got = t.get(&uri).await;
            normalize(&mut got);
            diff(&uri, &want, &got, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
    // One shard down: requests for it answer 503 with Retry-After, in
    // batches mixed with requests for the live shard; after it returns and
    // the refused ones are resent, each request is counted exactly once.
    shards[1].kill();
    let bodies: Vec<String> = (0..8)
        .map(|i| encode(&meta(&format!("pv-down{i}"), "s-down", "1.0.0"), 1, &[vital("LCP", 100.0 + f64::from(i))]))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, body) in bodies.iter().enumerate() {
        let router = a.c.router.clone();
        let body = body.clone();
        tasks.spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::post("/collect")
                .header("user-agent", CHROME_UA)
                .body(axum::body::Body::from(body))
                .unwrap();
            let r = router.oneshot(req).await.unwrap();
            (i, r.status(), r.headers().get("retry-after").is_some())
        });
    }
    let mut refused = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let (i, status, retry_after) = r.unwrap();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(retry_after);
            refused.push(i);
        } else {
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
    }
    assert!(!refused.is_empty(), "no request was refused with a shard down");
    shards[1].resume();
    for i in refused {
        assert_eq!(b.post(bodies[i].clone()).await.status, StatusCode::NO_CONTENT);
    }
    let ev = a.get(&format!("/api/events?{range}&session_id=s-down")).await;
    assert_eq!(ev["events"].as_array().unwrap().len(), 8, "{ev}");
    let st = a.get("/api/stats").await;
    let want = lite.get("/api/stats").await;
    assert_eq!(
        st["database"]["events"].as_i64().unwrap(),
        want["database"]["events"].as_i64().unwrap() + 8,
        "{st} {want}"
    );
    let ev = b.get("/api/events?page_view_id=pv-both").await;
    assert_eq!(ev["events"].as_array().unwrap().len(), 1);
}
