//! `cargo xtask bench-collector [--concurrency N] [--duration 10s]`:
//! concurrent loopback clients post realistic 20-event batches to a fresh
//! collector; prints accepted events/s, p50/p99 request latency and database
//! bytes per million events. Prints, never asserts (timings vary by machine).

use std::process::Command;

use crate::demo::{self, Collector};
use crate::tools::{root, Result};

pub fn run_cmd(args: &[String]) -> Result {
    let concurrency: u32 = demo::flag(args, "--concurrency")?.unwrap_or(32);
    let duration: String = demo::flag(args, "--duration")?.unwrap_or_else(|| "15s".into());
    demo::build_collector()?;
    let dir = root().join("target/bench-collector");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("rum.db");
    let mut c = Collector::start(&["--listen", "127.0.0.1:0", "--db", &db.to_string_lossy()])?;
    eprintln!("rum-collector pid {} at {}; {concurrency} clients for {duration}", c.pid(), c.url);
    let out = Command::new(demo::bin("rum-loadgen"))
        .args([
            "--url",
            &format!("{}/collect", c.url),
            "--concurrency",
            &concurrency.to_string(),
            "--duration",
            &duration,
        ])
        .output()
        .map_err(|e| format!("rum-loadgen: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    // Graceful stop: everything committed and the WAL checkpointed into the file.
    c.stop()?;
    if !out.status.success() {
        return Err(format!("rum-loadgen failed:\n{text}"));
    }
    let events: u64 =
        text.lines().find_map(|l| l.strip_prefix("accepted_events")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    let bytes: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "rum-collector bench (loopback, {} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    for line in text.lines().filter(|l| !l.starts_with("accepted_events")) {
        println!("  {line}");
    }
    if events > 0 {
        println!(
            "  database          {:.1} MB for {events} events = {:.0} MB per million events ({:.0} bytes/event)",
            bytes as f64 / 1e6,
            bytes as f64 / events as f64,
            bytes as f64 / events as f64
        );
    }
    Ok(())
}
