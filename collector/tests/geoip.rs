//! Country lookup from a real MaxMind-format database: the
//! `@ip-location-db/geo-whois-asn-country-mmdb` npm package installed in
//! collector/dashboard (`npm ci` there; `cargo xtask test` does it).
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

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;

fn mmdb() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("dashboard/node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb");
    assert!(p.is_file(), "{} is missing: run `npm ci` in collector/dashboard (cargo xtask test does)", p.display());
    p
}

async fn post_from(t: &Test, view: &str, xff: Option<&str>) {
    let mut m = meta(view, "s1", "1");
    m.env.tz = "Asia/Tokyo".into();
    let mut req = Request::post("/collect").header("content-type", "text/plain");
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let r = t.send(req.body(Body::from(encode(&m, 1, &[vital("LCP", 1.0)]))).unwrap()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

async fn country_of(t: &Test, view: &str) -> String {
    let e = t.get(&format!("/api/events?page_view_id={view}")).await;
    e["events"][0]["country"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn forwarded_for_is_honoured_only_behind_trust_proxy() {
    let db = mmdb();
    let trusting = collector(|c| {
        c.geoip = Some(db.clone());
        c.trust_proxy = Some(1);
    });
    // 8.8.8.8 (Google) and 193.0.6.139 (RIPE NCC, NL) are stable allocations.
    post_from(&trusting, "pv-us", Some("8.8.8.8")).await;
    post_from(&trusting, "pv-nl", Some("10.0.0.1, 193.0.6.139")).await;
    // No address: the time zone answers.
    post_from(&trusting, "pv-tz", None).await;
    assert_eq!(country_of(&trusting, "pv-us").await, "US");
    assert_eq!(country_of(&trusting, "pv-nl").await, "NL");
    assert_eq!(country_of(&trusting, "pv-tz").await, "JP");

    let untrusting = collector(|c| c.geoip = Some(db.clone()));
    post_from(&untrusting, "pv-x", Some("8.8.8.8")).await;
    assert_eq!(country_of(&untrusting, "pv-x").await, "JP", "X-Forwarded-For must be ignored without --trust-proxy");
}

#[test]
fn unreadable_geoip_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("x.mmdb");
    std::fs::write(&bogus, b"not a database").unwrap();
    let mut cfg = rum_collector::Config::for_db(dir.path().join("rum.db"));
    cfg.geoip = Some(bogus);
    let err = rum_collector::build(cfg).err().unwrap();
    assert!(err.contains("--geoip") && err.contains("MaxMind"), "{err}");
}
