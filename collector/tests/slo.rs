//! `/api/slo` on synthetic data with known answers: rows written straight
//! into the database with chosen receive times, evaluated at a fixed `at`;
//! then real beacons through `/collect`.
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

use common::*;
use rusqlite::{params, Connection};
use serde_json::Value;

const MIN: i64 = 60_000;
const HOUR: i64 = 3_600_000;
/// Evaluation time of the synthetic tests.
const AT: i64 = 1_800_000_000_000;

const SLOS: &str = r#"slos:
  - name: http
    description: half the budget spent
    objective: 0.9
    window: 1d
    sli: {kind: http_success}
  - name: errors
    objective: 0.99
    window: 1d
    sli: {kind: error_free_sessions}
  - name: lcp
    objective: 0.75
    window: 1d
    sli:
      kind: page_view_threshold
      thresholds: {LCP: 2500, CLS: 0.1}
  - name: tti
    objective: 0.95
    window: 1d
    sli:
      kind: session_all_good
      thresholds: {TTI: 3000}
    filters: {route: "/checkout/*"}
"#;

fn with_slos() -> Test {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), SLOS).unwrap();
    collector(|c| c.slo = Some(file.path().to_path_buf()))
}

fn db(t: &Test) -> Connection {
    let c = Connection::open(t.dir.path().join("rum.db")).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    c.pragma_update(None, "synchronous", "OFF").unwrap();
    c
}

fn page_view(c: &Connection, id: &str, session: &str, first_seen: i64, page: &str) {
    c.execute(
        "INSERT INTO page_views (id, session_id, app_name, app_version, app_env, started_at, first_seen, last_seen,
            url, page, view_name, referrer, nav_type, browser, browser_version, os, os_version, device, country,
            country_source, tz, lang, ua, sdk, viewport, conn)
         VALUES (?1, ?2, 'shop', '1.0', 'prod', ?3, ?3, ?3, ?4, ?4, '', '', 'navigate', 'Chrome', '124', 'Linux', '',
            'desktop', 'FR', 'tz', '', '', '', '', '', '')",
        params![id, session, first_seen, page],
    )
    .unwrap();
}

#[allow(clippy::too_many_arguments)]
fn event(c: &Connection, pv: &str, session: &str, received_at: i64, kind: &str, name: &str, value: f64, attrs: &str) {
    c.execute(
        "INSERT INTO events (ts, received_at, kind, name, value, attributes, page_view_id, session_id, app_name,
            app_version, app_env, browser, os, device, country, page_url)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'shop', '1.0', 'prod', 'Chrome', 'Linux', 'desktop', 'FR', '')",
        params![received_at, kind, name, value, attrs, pv, session],
    )
    .unwrap();
}

fn slo<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["slos"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}: {v}"))
}

fn window<'a>(s: &'a Value, w: &str) -> &'a Value {
    s["windows"].as_array().unwrap().iter().find(|x| x["window"] == w).unwrap_or_else(|| panic!("{w}: {s}"))
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

fn alert<'a>(s: &'a Value, name: &str) -> &'a Value {
    s["alerts"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()
}

#[tokio::test]
async fn budget_exactly_half_spent() {
    let t = with_slos();
    let c = db(&t);
    // 1000 calls spread over the last 20 hours, every 20th one failing
    // (10 with a 503, 40 network errors): error ratio 0.05 = half of 0.1.
    for i in 0..1000i64 {
        let at = AT - 20 * HOUR + i * 72_000;
        let attrs = match i % 20 {
            0 if i % 100 == 0 => r#"{"status":503}"#,
            0 => r#"{"status":0,"fail":"network"}"#,
            _ => r#"{"status":200}"#,
        };
        event(&c, &format!("pv{}", i % 7), "s", at, "http", "GET /api", 80.0, attrs);
    }
    // Outside the window (before, and after `at`): not counted.
    event(&c, "pv", "s", AT - 25 * HOUR, "http", "GET /api", 80.0, r#"{"status":500}"#);
    event(&c, "pv", "s", AT + MIN, "http", "GET /api", 80.0, r#"{"status":500}"#);
    let v = t.get(&format!("/api/slo?at={AT}")).await;
    let s = slo(&v, "http");
    assert_eq!(s["window"], "1d");
    assert_eq!((s["total"].as_i64(), s["bad"].as_i64()), (Some(1000), Some(50)), "{s}");
    assert!(close(&s["error_budget_remaining"], 0.5), "{s}");
    assert!(close(&s["sli_window"], 0.95), "{s}");
    assert!(close(&window(s, "1d")["burn_rate"], 0.5), "{s}");
    assert_eq!(s["state"], "ok");
    assert!(v["firing"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn burn_rate_exactly_14_4_then_the_page_fires() {
    let t = with_slos();
    let c = db(&t);
    // 1000 sessions in the last 4 minutes, 144 of which have a JS error:
    // error ratio 0.144 = 14.4 × the 0.01 budget, over 5m and 1h alike.
    for i in 0..1000i64 {
        let start = AT - 4 * MIN + i * 200;
        let (pv, s) = (format!("pv{i}"), format!("s{i}"));
        page_view(&c, &pv, &s, start, "/");
        if i % 1000 < 144 {
            event(&c, &pv, &s, start + 1000, "error", "TypeError: x", 1.0, r#"{"src":"js"}"#);
            // A second error in the same session is not a second bad session.
            event(&c, &pv, &s, start + 2000, "error", "TypeError: y", 1.0, r#"{"src":"promise"}"#);
        }
    }
    // Errors that do not count: a resource error, an api error.
    event(&c, "pv500", "s500", AT - MIN, "error", "img", 1.0, r#"{"src":"resource"}"#);
    event(&c, "pv501", "s501", AT - MIN, "error", "api", 1.0, r#"{"src":"api"}"#);
    let v = t.get(&format!("/api/slo?at={AT}")).await;
    let s = slo(&v, "errors");
    for w in ["5m", "1h"] {
        let x = window(s, w);
        assert_eq!((x["total"].as_i64(), x["bad"].as_i64()), (Some(1000), Some(144)), "{w}: {s}");
        assert!(close(&x["burn_rate"], 14.4), "{w}: {s}");
    }
    // Budget over the day: 1 - 14.4.
    assert!(close(&s["error_budget_remaining"], 1.0 - 14.4), "{s}");
    // Exactly at 14.4 the workbook's `>` does not fire yet; 6x and 1x do.
    assert_eq!(alert(s, "page-fast")["firing"], false, "{s}");
    assert_eq!(alert(s, "page-slow")["firing"], true, "{s}");
    assert_eq!(alert(s, "ticket")["firing"], true, "{s}");
    // One more bad session: above 14.4 in both windows.
    page_view(&c, "pvx", "sx", AT - MIN, "/");
    event(&c, "pvx", "sx", AT - MIN + 10, "error", "TypeError: z", 1.0, r#"{"src":"js"}"#);
    let v = t.get(&format!("/api/slo?at={AT}")).await;
    let s = slo(&v, "errors");
    assert_eq!(alert(s, "page-fast")["firing"], true, "{s}");
    assert_eq!(s["state"], "page");
    assert!(v["firing"].as_array().unwrap().iter().any(|f| f["slo"] == "errors" && f["alert"] == "page-fast"));
    // Evaluated two hours later, the burst has left the short windows.
    let v = t.get(&format!("/api/slo?at={}", AT + 2 * HOUR)).await;
    let s = slo(&v, "errors");
    assert_eq!(window(s, "5m")["total"], 0);
    assert_eq!(window(s, "5m")["burn_rate"], Value::Null);
    assert_eq!(alert(s, "page-fast")["firing"], false);
    assert_eq!(alert(s, "ticket")["firing"], true, "the 6h and 3d windows still see it");
}

#[tokio::test]
async fn sessions_straddling_the_window_edge() {
    let t = with_slos();
    let c = db(&t);
    let edge = AT - HOUR; // start of the 1h window
                          // A: starts 10 min before the edge, first JS error 5 min after it:
                          //    bad in the 1h window, but its total is in the 6h window only.
    page_view(&c, "a1", "A", edge - 10 * MIN, "/");
    page_view(&c, "a2", "A", edge + 2 * MIN, "/next");
    event(&c, "a2", "A", edge + 5 * MIN, "error", "E", 1.0, r#"{"src":"js"}"#);
    // B: first error 20 min before the edge, another inside: bad once, before the edge.
    page_view(&c, "b1", "B", edge - 30 * MIN, "/");
    event(&c, "b1", "B", edge - 20 * MIN, "error", "E", 1.0, r#"{"src":"js"}"#);
    event(&c, "b1", "B", edge + 20 * MIN, "error", "E", 1.0, r#"{"src":"js"}"#);
    // C: starts inside, error after `at`: total only.
    page_view(&c, "c1", "C", edge + 30 * MIN, "/");
    event(&c, "c1", "C", AT + MIN, "error", "E", 1.0, r#"{"src":"js"}"#);
    // D: second page view inside the window does not make a second session.
    page_view(&c, "d1", "D", edge + MIN, "/");
    page_view(&c, "d2", "D", edge + 3 * MIN, "/x");
    // Exactly on the edge: inside ([start, end)); exactly at `at`: outside.
    page_view(&c, "e1", "E", edge, "/");
    page_view(&c, "f1", "F", AT, "/");
    let v = t.get(&format!("/api/slo?at={AT}")).await;
    let s = slo(&v, "errors");
    let h1 = window(s, "1h");
    assert_eq!((h1["total"].as_i64(), h1["bad"].as_i64()), (Some(3), Some(1)), "C, D, E in total; A bad: {s}");
    let h6 = window(s, "6h");
    assert_eq!((h6["total"].as_i64(), h6["bad"].as_i64()), (Some(5), Some(2)), "A..E; A and B bad: {s}");

    // Page views and per-session thresholds, with a route filter.
    // p1: LCP good then CLS bad (bad at the CLS's receive time), p2 all good,
    // p3: LCP bad received before the edge (not in the 1h window at all).
    event(&c, "p1", "P", edge + MIN, "vital", "LCP", 1200.0, "{}");
    event(&c, "p1", "P", edge + 2 * MIN, "vital", "CLS", 0.3, "{}");
    event(&c, "p2", "P", edge + MIN, "vital", "LCP", 2500.0, "{}");
    event(&c, "p2", "P", edge + MIN, "vital", "CLS", 0.1, "{}");
    event(&c, "p3", "Q", edge - MIN, "vital", "LCP", 9000.0, "{}");
    event(&c, "p3", "Q", edge + MIN, "vital", "LCP", 9500.0, "{}");
    let v = t.get(&format!("/api/slo?at={AT}")).await;
    let s = slo(&v, "lcp");
    let h1 = window(s, "1h");
    assert_eq!((h1["total"].as_i64(), h1["bad"].as_i64()), (Some(2), Some(1)), "{s}");

    // TTI per session, only on /checkout/* pages.
    page_view(&c, "k1", "K", edge + MIN, "/checkout/cart");
    page_view(&c, "k2", "K", edge + 2 * MIN, "/checkout/pay");
    page_view(&c, "k3", "L", edge + MIN, "/home");
    event(&c, "k1", "K", edge + MIN, "vital", "TTI", 2000.0, "{}");
    event(&c, "k2", "K", edge + 2 * MIN, "vital", "TTI", 4000.0, "{}");
    event(&c, "k3", "L", edge + MIN, "vital", "TTI", 9000.0, "{}");
    let v = t.get(&format!("/api/slo?at={AT}")).await;
    let s = slo(&v, "tti");
    let h1 = window(s, "1h");
    assert_eq!((h1["total"].as_i64(), h1["bad"].as_i64()), (Some(1), Some(1)), "{s}");
    assert_eq!(s["filters"]["route"], "/checkout/*");
}

#[tokio::test]
async fn beacons_feed_the_default_slos_and_metrics() {
    let t = collector(|_| {});
    // Three sessions: one with a JS error, one with a slow LCP, one with a 503.
    let r = t.post(encode(&meta("v1", "s1", "1.0"), 1, &[vital("LCP", 1800.0), js_error("boom"), http(200, "")])).await;
    assert_eq!(r.status.as_u16(), 204);
    t.post(encode(&meta("v2", "s2", "1.0"), 1, &[vital("LCP", 4100.0), vital("TTI", 2500.0)])).await;
    t.post(encode(&meta("v3", "s3", "1.1"), 1, &[http(503, ""), http(0, "network"), http(204, "")])).await;
    let v = t.get("/api/slo").await;
    let get = |n: &str| {
        let s = slo(&v, n);
        (s["total"].as_i64().unwrap(), s["bad"].as_i64().unwrap())
    };
    assert_eq!(get("js-errors"), (3, 1));
    assert_eq!(get("web-vitals"), (2, 1));
    assert_eq!(get("tti"), (1, 0));
    assert_eq!(get("http"), (4, 2));
    let js = slo(&v, "js-errors");
    assert_eq!(js["objective"], 0.9999);
    assert_eq!(js["window"], "28d");
    assert_eq!(js["state"], "page", "1 in 3 sessions with an error burns 3333x: {js}");
    // /metrics: histograms on the rating thresholds, JS errors by browser × release.
    let m = t.send(axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap()).await;
    let text = String::from_utf8(m.body).unwrap();
    let lcp = r#"rum_lcp_seconds_bucket{le="2.5",app="shop",env="test",route="/p/1",device="desktop"} 1"#;
    assert!(text.contains(lcp), "{text}");
    assert!(text.contains(r#"rum_lcp_seconds_count{app="shop",env="test",route="/p/1",device="desktop"} 2"#));
    assert!(text.contains(r#"rum_js_errors_total{app="shop",env="test",browser="Chrome",release="1.0"} 1"#), "{text}");
    assert!(text.contains(r#"rum_page_views_total{app="shop",env="test",browser="Chrome",release="1.1"} 1"#));
    // The SLO counters exist from the first beacon on (they advance with a lag).
    assert!(text.contains(r#"rum_slo_events_total{slo="js-errors",app="shop",env="test"}"#), "{text}");
    assert!(text.contains("# TYPE rum_slo_bad_events counter"));
    assert!(!text.contains("# EOF"));
}

#[tokio::test]
async fn a_bad_slo_file_is_refused_at_start_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("slo.yaml");
    std::fs::write(
        &p,
        "slos:\n  - name: x\n    objective: 0.9\n    sli: {kind: http_success}\n    filters: {browser: Chrome}\n",
    )
    .unwrap();
    let mut cfg = rum_collector::Config::for_db(dir.path().join("rum.db"));
    cfg.slo = Some(p);
    let e = rum_collector::build(cfg).err().unwrap();
    assert!(e.contains("slo.yaml:5:") && e.contains("slos[0].filters") && e.contains("browser"), "{e}");
}

/// An action-level SLO ("Add to cart settles within 1 s, without a
/// failure") over real action events sent through ingest.
#[tokio::test]
async fn action_slo_counts_slow_or_failed_actions() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let yaml = "slos:\n  - name: add-to-cart\n    objective: 0.95\n    sli: {kind: action_duration, action: Add to cart, threshold: 1000}\n  - name: any-action\n    objective: 0.9\n    sli: {kind: action_duration, threshold: 1000}\n";
    std::fs::write(file.path(), yaml).unwrap();
    let t = collector(|c| c.slo = Some(file.path().to_path_buf()));
    let action = |name: &str, dur: f64, http_fail: u32, errors: u32| {
        rum_agent::core::event::Event::Action(rum_agent::core::event::UserAction {
            t: now() - 100.0,
            kind: "click".into(),
            name: name.into(),
            target: "button#b".into(),
            dur,
            http: 1,
            http_fail,
            errors,
            clicks: 1,
            ..Default::default()
        })
    };
    let evs = [
        action("Add to cart", 300.0, 0, 0),  // good
        action("Add to cart", 1500.0, 0, 0), // slow
        action("Add to cart", 200.0, 1, 0),  // its call failed
        action("Add to cart", 900.0, 0, 0),  // good
        action("Menu", 2500.0, 0, 1),        // slow and an error: another action
    ];
    let r = t.post(encode(&meta("pv1", "s1", "1.0"), 1, &evs)).await;
    assert_eq!(r.status.as_u16(), 204, "{}", String::from_utf8_lossy(&r.body));
    let v = t.get("/api/slo").await;
    let cart = slo(&v, "add-to-cart");
    assert_eq!((cart["total"].as_i64(), cart["bad"].as_i64()), (Some(4), Some(2)), "{cart}");
    assert_eq!(cart["sli"]["kind"], "action_duration", "{cart}");
    let any = slo(&v, "any-action");
    assert_eq!((any["total"].as_i64(), any["bad"].as_i64()), (Some(5), Some(3)), "{any}");
    // A bad threshold is refused with the line and field.
    let bad = "slos:\n  - name: a\n    objective: 0.9\n    sli: {kind: action_duration, threshold: 0}\n";
    let e = rum_collector::slo::parse(bad, "slo.yaml").unwrap_err();
    assert!(e.contains("slo.yaml:4") && e.contains("threshold"), "{e}");
}
