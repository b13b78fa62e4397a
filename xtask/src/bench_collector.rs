//! `cargo xtask bench-collector [--concurrency N] [--duration 10s] [--events N]`:
//! a database of `--events` synthetic events (default one million) is
//! written first; then concurrent loopback clients post realistic 20-event
//! batches to the collector serving it while dashboard queries (summaries,
//! grouped summaries, time series, `since=0` included) run against it, with
//! the read key. Prints accepted events/s, p50/p99 ingest latency, query
//! latency, the collector's peak RSS and database bytes per million events.
//! Prints, never asserts (timings vary by machine).

use std::process::Command;

use crate::demo::{self, Collector};
use crate::tools::{root, Result};

pub fn run_cmd(args: &[String]) -> Result {
    let concurrency: u32 = demo::flag(args, "--concurrency")?.unwrap_or(32);
    let duration: String = demo::flag(args, "--duration")?.unwrap_or_else(|| "15s".into());
    let store: Option<String> = demo::flag(args, "--store")?;
    let clickhouse = match store.as_deref() {
        None | Some("sqlite") => false,
        Some("clickhouse") => true,
        Some(other) => return Err(format!("--store {other}: expected sqlite or clickhouse")),
    };
    // The synthetic prefill is written straight into SQLite (rum-loadgen
    // --fill-db): with ClickHouse the bench starts from an empty database.
    let prefill: u64 = if clickhouse { 0 } else { demo::flag(args, "--events")?.unwrap_or(1_000_000) };
    demo::build_collector()?;
    let dir = root().join("target/bench-collector");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("rum.db");
    let fill = Command::new(demo::bin("rum-loadgen"))
        .args(["--url", "http://127.0.0.1:9/collect", "--fill-db", &db.to_string_lossy()])
        .args(["--fill-events", &prefill.to_string()])
        .output()
        .map_err(|e| format!("rum-loadgen --fill-db: {e}"))?;
    if !fill.status.success() {
        return Err(format!("rum-loadgen --fill-db failed: {}", String::from_utf8_lossy(&fill.stderr)));
    }
    let filled = String::from_utf8_lossy(&fill.stdout).to_string();
    let server = if clickhouse { Some(crate::clickhouse::Server::start(&dir.join("clickhouse"))?) } else { None };
    let store_url = server.as_ref().map(|s| s.store("rum_bench"));
    // Reads need the key, as in production; the per-IP read rate limit is
    // off (one loopback client asks in a loop on purpose).
    let key = "bench-read-key";
    let db_arg = db.to_string_lossy().to_string();
    let mut argv = vec!["--listen", "127.0.0.1:0", "--db", &db_arg, "--read-key", key, "--rate-limit", "0"];
    if let Some(u) = &store_url {
        argv.extend(["--store", u.as_str()]);
    }
    let mut c = Collector::start(&argv)?;
    eprintln!("rum-collector pid {} at {}; {concurrency} clients for {duration}", c.pid(), c.url);
    let out = Command::new(demo::bin("rum-loadgen"))
        .args([
            "--url",
            &format!("{}/collect", c.url),
            "--concurrency",
            &concurrency.to_string(),
            "--duration",
            &duration,
            "--query-base",
            &c.url,
            "--read-key",
            key,
        ])
        .output()
        .map_err(|e| format!("rum-loadgen: {e}"))?;
    let peak_rss_kib = peak_rss_kib(c.pid());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    // Graceful stop: everything committed and the WAL checkpointed into the file.
    c.stop()?;
    if !out.status.success() {
        return Err(format!("rum-loadgen failed:\n{text}"));
    }
    let ingested: u64 =
        text.lines().find_map(|l| l.strip_prefix("accepted_events")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    let events = ingested + prefill;
    let bytes: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    drop(server);
    println!(
        "rum-collector bench (loopback, {} cores, store {})",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        if clickhouse { "ClickHouse 18.16" } else { "SQLite" }
    );
    for line in filled.lines().chain(text.lines()).filter(|l| !l.starts_with("accepted_events")) {
        println!("  {line}");
    }
    if let Some(kib) = peak_rss_kib {
        println!("  peak RSS          {:.0} MiB (collector process, VmHWM)", kib as f64 / 1024.0);
    }
    if events > 0 && !clickhouse {
        println!(
            "  database          {:.1} MB for {events} events ({prefill} synthetic + {ingested} ingested) = {:.0} MB per million events ({:.0} bytes/event)",
            bytes as f64 / 1e6,
            bytes as f64 / events as f64,
            bytes as f64 / events as f64
        );
    }
    Ok(())
}

/// Peak resident set size of a process (VmHWM, KiB), where /proc has it.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
