//! The ClickHouse backend (`--store clickhouse://…`) against a real
//! `clickhouse-server` started by the test on its own loopback ports:
//! the same batches stored by a SQLite collector and a ClickHouse one give
//! the same answer on every read route; a request sent to two collectors
//! sharing one database is stored once; with ClickHouse down, ingest answers
//! 503 with Retry-After and what was acknowledged before is there after;
//! `/metrics` (SLO counters included) is the same on both backends; a
//! collector killed mid-load loses nothing it acknowledged.
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
    same_metrics(&lite, &click).await;
}

/// The data-derived series of `/metrics`: everything but timings (latency
/// histograms), the writer queue and the build info. Sorted lines.
async fn data_metrics(t: &Test) -> Vec<String> {
    let r = t.send(axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.body).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter(|l| {
            ![
                "rum_collector_ingest_duration_seconds",
                "rum_collector_write_batch_duration_seconds",
                "rum_collector_write_queue_depth",
                "rum_collector_build_info",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// `/metrics` of the two collectors once their SLO tickers have counted
/// everything (they trail the clock by `LAG_MS`): the SLO counters (the
/// same SQL as `/api/slo`, on each backend), the users' histograms and
/// counters, the ingest counters are equal, line for line.
async fn same_metrics(lite: &Test, click: &Test) {
    use rum_collector::slo::prom::{LAG_MS, TICK};
    let last_post = rum_collector::now_ms();
    let settled = last_post + LAG_MS + 2 * i64::try_from(TICK.as_millis()).unwrap() + 1000;
    let wait = u64::try_from(settled - rum_collector::now_ms()).unwrap_or(0);
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
    // A tick that failed is retried over the same interval: a few more tries.
    let mut tries = 0;
    loop {
        let (a, b) = (data_metrics(lite).await, data_metrics(click).await);
        let slo_total = |m: &[String]| -> f64 {
            m.iter()
                .filter(|l| l.starts_with("rum_slo_events_total"))
                .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
                .sum()
        };
        if a == b {
            assert!(slo_total(&a) > 0.0, "no SLO unit counted:\n{}", a.join("\n"));
            assert!(a.iter().any(|l| l.starts_with("rum_lcp_seconds_count")), "{}", a.join("\n"));
            return;
        }
        tries += 1;
        if tries > 10 {
            let only = |x: &[String], y: &[String]| x.iter().filter(|l| !y.contains(l)).cloned().collect::<Vec<_>>();
            panic!(
                "/metrics differ.\nonly sqlite:\n{}\nonly clickhouse:\n{}",
                only(&a, &b).join("\n"),
                only(&b, &a).join("\n")
            );
        }
        tokio::time::sleep(TICK).await;
    }
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

/// A `rum-collector` process (the real binary) on `store`, its own SQLite
/// file for source maps; `SIGKILL`ed on drop.
struct Proc {
    child: std::process::Child,
    url: String,
}

impl Proc {
    fn start(store: &str, db: &std::path::Path) -> Proc {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rum-collector"))
            .args(["--listen", "127.0.0.1:0", "--rate-limit", "0", "--store", store, "--db"])
            .arg(db)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line}")).to_string();
        Proc { child, url }
    }

    /// Sends `SIG<name>` (`kill -<name> <pid>`).
    fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{name} {}", self.child.id());
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// POST a batch; `Some(status)` if an answer came, `None` if the
/// connection failed or broke (the collector died).
fn post_to(agent: &ureq::Agent, base: &str, body: &str) -> Option<u16> {
    let r = agent
        .post(&format!("{base}/collect"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("user-agent", CHROME_UA)
        .send(body)
        .ok()?;
    Some(r.status().as_u16())
}

/// Two collector processes on one ClickHouse, eight clients posting
/// batches to both; one collector is frozen (`SIGSTOP`) wherever it is,
/// then killed (`SIGKILL`) while requests are in flight to it. A client whose request got no answer resends it to
/// the survivor (as an agent behind a load balancer does). Every batch is
/// then queryable exactly once: those acknowledged by the killed collector,
/// those it stored without answering (the survivor answers them as
/// duplicates) and those it had half written (rows without a register row
/// are never counted; the survivor writes a fresh copy).
#[test]
fn killing_a_collector_mid_load_loses_nothing_it_acknowledged() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    const BATCHES: usize = 400;
    const CLIENTS: usize = 8;
    let ch = ClickHouse::start();
    let dir = tempfile::tempdir().unwrap();
    let store = ch.url("rum_kill");
    let mut victim = Proc::start(&store, &dir.path().join("a.db"));
    let survivor = Proc::start(&store, &dir.path().join("b.db"));
    let (va, vb) = (victim.url.clone(), survivor.url.clone());
    let t0 = rum_collector::now_ms();
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..BATCHES)
            .map(|i| {
                let m = meta(&format!("kill-{i:04}"), &format!("s-kill-{}", i / 10), "1.0.0");
                encode(&m, 1, &[vital("LCP", 1000.0 + i as f64), js_error(&format!("kill {i}"))])
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let (acked_by_victim, in_flight, killed) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let lost_in_flight = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (bodies, next, va, vb) = (bodies.clone(), next.clone(), va.clone(), vb.clone());
            let (acked_by_victim, in_flight, killed, lost) =
                (acked_by_victim.clone(), in_flight.clone(), killed.clone(), lost_in_flight.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(std::time::Duration::from_secs(30)))
                    .build()
                    .into();
                let mut statuses = Vec::new();
                loop {
                    let i = next.fetch_add(1, SeqCst);
                    let Some(body) = bodies.get(i) else { break };
                    // Alternately to each collector, like a round-robin balancer.
                    let first = if i % 2 == 0 { &va } else { &vb };
                    let to_victim = first == &va;
                    let before_kill = !killed.load(SeqCst);
                    if to_victim {
                        in_flight.fetch_add(1, SeqCst);
                    }
                    let answer = post_to(&agent, first, body);
                    if to_victim {
                        in_flight.fetch_sub(1, SeqCst);
                        match answer {
                            Some(s) if (200..300).contains(&s) => {
                                acked_by_victim.fetch_add(1, SeqCst);
                            }
                            None if before_kill => {
                                lost.fetch_add(1, SeqCst);
                            }
                            _ => {}
                        }
                    }
                    let mut status = answer;
                    // No answer or not 2xx: resend to the survivor until stored.
                    for _ in 0..50 {
                        if status.is_some_and(|s| (200..300).contains(&s)) {
                            break;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        status = post_to(&agent, &vb, body);
                    }
                    statuses.push((i, status));
                }
                statuses
            })
        })
        .collect();
    // Once the victim has acknowledged a good part of its share, freeze it
    // (SIGSTOP) wherever it is: reading a request, batching, half-way
    // through its inserts. Requests to it then wait for an answer that
    // never comes; once some do, SIGKILL it. Polling for in-flight requests
    // and killing at once was a race: on a fast machine the requests seen
    // in flight had been answered by the time the signal landed.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while acked_by_victim.load(SeqCst) < BATCHES / 8 {
        assert!(std::time::Instant::now() < until, "the victim acknowledged too little");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    victim.signal("STOP");
    while in_flight.load(SeqCst) < 2 {
        assert!(std::time::Instant::now() < until, "no request went to the stopped victim");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    killed.store(true, SeqCst);
    victim.kill();
    let acked_before_kill = acked_by_victim.load(SeqCst);
    let mut statuses: Vec<(usize, Option<u16>)> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses.len(), BATCHES);
    for (i, s) in &statuses {
        assert!(s.is_some_and(|s| (200..300).contains(&s)), "batch {i} never stored: {s:?}");
    }
    let lost = lost_in_flight.load(SeqCst);
    assert!(lost > 0, "no request sent to the killed collector before its death lost its answer");
    assert!(next.load(SeqCst) >= BATCHES, "the load ended before the kill");
    // Each batch counted once, through the survivor's API.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let get = |path: &str| -> Value {
        let mut r = agent.get(&format!("{vb}{path}")).call().unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
    };
    let range = format!("since={}&until={}", t0 - 3_600_000, t0 + 3_600_000);
    let ev = get(&format!("/api/events?{range}&kind=error&limit=1000"));
    let mut per_view = std::collections::BTreeMap::<String, usize>::new();
    for e in ev["events"].as_array().unwrap() {
        *per_view.entry(e["page_view_id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    let wrong: Vec<_> = (0..BATCHES)
        .map(|i| format!("kill-{i:04}"))
        .filter_map(|v| match per_view.get(&v) {
            Some(1) => None,
            n => Some(format!("{v}: {n:?}")),
        })
        .collect();
    assert!(wrong.is_empty(), "batches not counted exactly once: {wrong:?}");
    assert_eq!(per_view.len(), BATCHES);
    let s = get(&format!("/api/summary?{range}"));
    assert_eq!(s["page_views"], BATCHES, "{s}");
    assert_eq!(s["vitals"]["LCP"]["count"], BATCHES, "{s}");
    assert_eq!(get("/api/stats")["database"]["events"], 2 * BATCHES);
    eprintln!(
        "killed after {acked_before_kill} acknowledged by it; {lost} requests in flight to it lost their answer \
         and were resent to the survivor"
    );
}
