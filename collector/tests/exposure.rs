//! Safe to expose: the read key guards every read route (and nothing
//! else), the rate limit answers 429 with Retry-After, limits are clamped,
//! `since=0` means the range cap, and a collector on a non-loopback address
//! without a read key refuses to start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::*;

/// Every read route the collector serves (and one that does not exist).
const READ_ROUTES: [&str; 9] = [
    "/api/events",
    "/api/events?limit=5",
    "/api/summary",
    "/api/summary?group_by=page",
    "/api/timeseries",
    "/api/dimensions",
    "/api/stats",
    "/metrics",
    "/api/no-such-route",
];

fn get(uri: &str, key: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(k) = key {
        b = b.header("authorization", format!("Bearer {k}"));
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn read_routes_need_the_read_key() {
    let t = collector(|c| {
        c.read_key = Some("read-s3cret".into());
        c.admin_key = Some("admin-s3cret".into());
    });
    // Ingest stays open (the ingest key is a separate matter).
    let r = t.post(encode(&meta("pv1", "s1", "1"), 1, &[vital("LCP", 1800.0)])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for uri in READ_ROUTES {
        for key in [None, Some("wrong"), Some("read-s3cre"), Some("read-s3cretX")] {
            let r = t.send(get(uri, key)).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri} with {key:?}");
            assert!(r.headers.contains_key("www-authenticate"), "{uri}");
            let body = String::from_utf8_lossy(&r.body).to_string();
            assert!(body.contains("--read-key") && !body.contains("s3cret"), "{body}");
        }
        let want = if uri == "/api/no-such-route" { StatusCode::NOT_FOUND } else { StatusCode::OK };
        for key in ["read-s3cret", "admin-s3cret"] {
            let r = t.send(get(uri, Some(key))).await;
            assert_eq!(r.status, want, "{uri}: {}", String::from_utf8_lossy(&r.body));
        }
    }
    let r = t.send(get("/api/summary", Some("read-s3cret"))).await;
    assert_eq!(r.json()["page_views"], 1);
    // Not read routes: health, the dashboard's page and assets.
    for uri in ["/healthz", "/", "/dashboard/app.js"] {
        assert_eq!(t.send(get(uri, None)).await.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn without_a_read_key_loopback_reads_are_open() {
    let t = collector(|_| {});
    for uri in READ_ROUTES.iter().filter(|u| !u.contains("no-such")) {
        assert_eq!(t.send(get(uri, None)).await.status, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn read_rate_limit_answers_429_with_retry_after() {
    let t = collector(|c| c.rate_limit = 2);
    let from = |ip: &str| {
        let mut r = get("/api/stats", None);
        r.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::new(ip.parse().unwrap(), 40000)));
        r
    };
    // A burst of twice the rate passes, then 429.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(t.send(from("192.0.2.7")).await);
    }
    let limited: Vec<_> = statuses.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(statuses.iter().take(4).all(|r| r.status == StatusCode::OK));
    assert!(!limited.is_empty(), "no 429 after 6 requests at rate 2/s");
    let retry: u64 = limited[0].headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Another address has its own quota; ingest is not rate-limited here.
    assert_eq!(t.send(from("192.0.2.8")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn oversized_limits_are_clamped_and_since_0_is_the_range_cap() {
    let t = collector(|c| c.max_range = 7 * 24 * 3600 * 1000);
    let r = t.get("/api/events?limit=1000000&since=0").await;
    assert_eq!(r["limit"], 1000);
    let (since, until) = (r["filter"]["since"].as_i64().unwrap(), r["filter"]["until"].as_i64().unwrap());
    assert_eq!(until - since, 7 * 24 * 3600 * 1000, "since=0 starts at until - --max-range");
    assert_eq!(r["filter"]["clamped"], true);
    let r = t.get("/api/summary?group_by=page&limit=99999&since=0").await;
    assert_eq!(r["limit"], 500);
    assert_eq!(r["filter"]["clamped"], true);
    let r = t.get("/api/summary?since=1h").await;
    assert!(r["filter"].get("clamped").is_none(), "{r}");
    let bad = t.send(get("/api/events?limit=0", None)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[test]
fn refuses_a_public_address_without_a_read_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rum.db");
    // Refused before binding: no socket is opened, no traffic leaves loopback.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rum-collector"))
        .args(["--listen", "0.0.0.0:0", "--db"])
        .arg(&db)
        .env_remove("RUM_READ_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--read-key") && err.contains("--public-read"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "it must not listen");
}
