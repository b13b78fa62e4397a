//! A million-event database (written straight into SQLite), served by the
//! real collector binary: `since=0` summaries stay under a memory bound
//! (peak RSS of the process, from /proc), oversized limits are clamped, and
//! a query past `--query-timeout` answers 503 in time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EVENTS: usize = 1_000_000;
/// Peak RSS allowed while answering `since=0` queries over a million events
/// (the collector's own baseline is ~15 MiB; SQLite's read caches are
/// bounded by `cache_size` × concurrent queries, sorts spill to files).
const RSS_BOUND_KIB: u64 = 160 * 1024;

struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &std::path::Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rum-collector"))
        .args(["--listen", "127.0.0.1:0", "--rate-limit", "0", "--db"])
        .arg(db)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line}")).to_string();
    Served { child, addr }
}

/// GET over a fresh connection: (status, body, elapsed).
fn get(addr: &str, path: &str) -> (u16, String, Duration) {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body, t0.elapsed())
}

/// Peak resident set size (VmHWM) of a process, KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn million_event_database_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rum.db");
    let t0 = Instant::now();
    rum_collector::synth::fill(&db, EVENTS, rum_collector::now_ms(), 30).unwrap();
    eprintln!("filled {EVENTS} events in {:.1} s", t0.elapsed().as_secs_f64());

    // A generous time limit: this part measures memory (the machine may be busy).
    let c = serve(&db, &["--query-timeout", "120s"]);
    let (_, stats, _) = get(&c.addr, "/api/stats");
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["database"]["events"], EVENTS);
    let baseline = peak_rss_kib(c.child.id());
    for path in [
        "/api/summary?since=0",
        "/api/summary?since=0&group_by=country&limit=100000",
        "/api/timeseries?since=0",
        "/api/events?since=0&limit=100000000",
        "/api/dimensions?since=0",
    ] {
        let (status, body, took) = get(&c.addr, path);
        assert_eq!(status, 200, "{path}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        eprintln!("{path}: {} ms, {} bytes", took.as_millis(), body.len());
        if path.starts_with("/api/summary?since=0&group_by=country") {
            assert_eq!(v["groups"].as_array().unwrap().len(), 20, "20 countries");
            assert_eq!(v["limit"], 500, "limit clamped");
        } else if path == "/api/summary?since=0" {
            assert_eq!(v["page_views"], EVENTS / 10);
            assert_eq!(v["vitals"]["LCP"]["count"], EVENTS / 10);
            let p75 = v["vitals"]["LCP"]["p75"].as_f64().unwrap();
            assert!((2000.0..5000.0).contains(&p75), "LCP p75 {p75}");
            assert_eq!(v["filter"]["clamped"], true);
        } else if path.starts_with("/api/events") {
            assert_eq!(v["limit"], 1000, "limit clamped");
            assert_eq!(v["events"].as_array().unwrap().len(), 1000);
        }
    }
    let peak = peak_rss_kib(c.child.id());
    eprintln!("peak RSS {} MiB (baseline after start {} MiB)", peak / 1024, baseline / 1024);
    assert!(peak < RSS_BOUND_KIB, "peak RSS {peak} KiB over the {RSS_BOUND_KIB} KiB bound");
    drop(c);

    // A query past --query-timeout is interrupted: 503 with Retry-After, in time.
    let c = serve(&db, &["--query-timeout", "20ms"]);
    let t0 = Instant::now();
    let mut s = TcpStream::connect(&c.addr).unwrap();
    write!(s, "GET /api/summary?since=0&group_by=page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let took = t0.elapsed();
    assert!(raw.starts_with("HTTP/1.1 503"), "{raw}");
    assert!(raw.to_ascii_lowercase().contains("retry-after: 5"), "{raw}");
    assert!(raw.contains("query_timeout"), "{raw}");
    assert!(took < Duration::from_millis(1500), "answered after {took:?}");
    // The collector still answers afterwards (the connection went back to the pool).
    let (status, _, _) = get(&c.addr, "/healthz");
    assert_eq!(status, 200);
}
