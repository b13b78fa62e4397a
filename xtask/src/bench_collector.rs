//! `cargo xtask bench-collector [--store sqlite|clickhouse|both]
//! [--concurrency N] [--duration 15s] [--events N]`: a database of
//! `--events` synthetic events (default one million) is written first
//! (into SQLite; for ClickHouse the same rows are then copied into a local
//! ClickHouse server, so both backends start from the same data); then
//! concurrent loopback clients post realistic 20-event batches to the
//! collector serving it while dashboard queries (summaries, grouped
//! summaries, time series, `since=0` included) run against it, with the
//! read key. Prints accepted events/s, p50/p99 ingest latency, query
//! latency, peak RSS, fill time and bytes on disk; with `--store both`, the
//! two backends side by side. Prints, never asserts (timings vary by machine).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::demo::{self, Collector};
use crate::tools::{root, Result};

/// What one backend measured.
struct Run {
    store: &'static str,
    /// The load generator's report (printed as it is).
    text: String,
    fill: String,
    events_per_s: Option<f64>,
    p50: Option<f64>,
    p99: Option<f64>,
    queries: String,
    summary_24h: Option<f64>,
    summary_all: Option<f64>,
    collector_rss_mib: Option<f64>,
    server_rss_mib: Option<f64>,
    disk_bytes: u64,
    events: u64,
}

/// The number after `key` on a line of the load generator's report.
fn after(line: &str, key: &str) -> Option<f64> {
    let mut words = line.split_whitespace();
    words.find(|w| *w == key)?;
    words.next()?.parse().ok()
}

impl Run {
    fn parse(store: &'static str, text: String, fill: String) -> Run {
        let line = |prefix: &str| text.lines().find(|l| l.trim_start().starts_with(prefix)).unwrap_or("");
        let query =
            |path: &str| text.lines().find(|l| l.split_whitespace().next() == Some(path)).and_then(|l| after(l, "p50"));
        Run {
            store,
            fill,
            events_per_s: line("events/s").split_whitespace().nth(1).and_then(|v| v.parse().ok()),
            p50: after(line("latency"), "p50"),
            p99: after(line("latency"), "p99"),
            // "queries   N answered, M failed, meanwhile: …" → "N answered, M failed"
            queries: line("queries")
                .trim_start()
                .trim_start_matches("queries")
                .split(", meanwhile")
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
            summary_24h: query("/api/summary?since=24h"),
            summary_all: query("/api/summary?since=0"),
            collector_rss_mib: None,
            server_rss_mib: None,
            disk_bytes: 0,
            events: 0,
            text,
        }
    }
}

pub fn run_cmd(args: &[String]) -> Result {
    let concurrency: u32 = demo::flag(args, "--concurrency")?.unwrap_or(32);
    let duration: String = demo::flag(args, "--duration")?.unwrap_or_else(|| "15s".into());
    let store: String = demo::flag(args, "--store")?.unwrap_or_else(|| "sqlite".into());
    let (sqlite, clickhouse) = match store.as_str() {
        "sqlite" => (true, false),
        "clickhouse" => (false, true),
        "both" => (true, true),
        other => return Err(format!("--store {other}: expected sqlite, clickhouse or both")),
    };
    let prefill: u64 = demo::flag(args, "--events")?.unwrap_or(1_000_000);
    demo::build_collector()?;
    let dir = root().join("target/bench-collector");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("rum.db");
    let server = if clickhouse { Some(crate::clickhouse::Server::start(&dir.join("clickhouse"))?) } else { None };
    let store_url = server.as_ref().map(|s| s.store("rum_bench"));
    // The synthetic data is written into SQLite (in SQL, fast), then, for
    // ClickHouse, its rows are copied (rum-loadgen --copy-to).
    let mut fill = Command::new(demo::bin("rum-loadgen"));
    fill.args(["--url", "http://127.0.0.1:9/collect", "--fill-db", &db.to_string_lossy()])
        .args(["--fill-events", &prefill.to_string()]);
    if let Some(u) = &store_url {
        fill.args(["--copy-to", u]);
    }
    eprintln!(
        "writing {prefill} synthetic events{}",
        if clickhouse { " (SQLite, then copied to ClickHouse)" } else { "" }
    );
    let filled = fill.output().map_err(|e| format!("rum-loadgen --fill-db: {e}"))?;
    if !filled.status.success() {
        return Err(format!("rum-loadgen --fill-db failed: {}", String::from_utf8_lossy(&filled.stderr)));
    }
    let filled = String::from_utf8_lossy(&filled.stdout).to_string();
    let fill_line = |word: &str| filled.lines().find(|l| l.starts_with(word)).unwrap_or("").to_string();
    let mut runs = Vec::new();
    if let (Some(server), Some(url)) = (&server, &store_url) {
        // The copy leaves parts to merge: the bench starts once ClickHouse
        // has merged them (bounded), not while it still does.
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(600) && server.query("SELECT count() FROM system.merges")? != "0" {
            std::thread::sleep(Duration::from_secs(1));
        }
        eprintln!("ClickHouse merged the copied parts in {:.0} s", t0.elapsed().as_secs_f64());
        // The SQLite file of a ClickHouse collector only holds source maps.
        let config_db = dir.join("sourcemaps.db");
        let mut run = bench(&config_db, Some(url), concurrency, &duration)?;
        let text = std::mem::take(&mut run.0);
        let mut r = Run::parse("ClickHouse 18.16", text, format!("{} + {}", fill_line("filled"), fill_line("copied")));
        r.collector_rss_mib = run.1;
        r.server_rss_mib = peak_rss_kib(server.pid()).map(|k| k as f64 / 1024.0);
        r.disk_bytes = server
            .query("SELECT sum(bytes) FROM system.parts WHERE active AND database = 'rum_bench'")?
            .parse()
            .unwrap_or(0);
        r.events = server.query("SELECT count() FROM rum_bench.events")?.parse().unwrap_or(0);
        runs.push(r);
    }
    // Stopped before the SQLite run, which should not share the cores with it.
    drop(server);
    if sqlite {
        let (text, rss) = bench(&db, None, concurrency, &duration)?;
        let mut r = Run::parse("SQLite", text, fill_line("filled"));
        r.collector_rss_mib = rss;
        r.disk_bytes = ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
            .map(|m| m.len())
            .sum();
        let ingested: u64 = r
            .text
            .lines()
            .find_map(|l| l.strip_prefix("accepted_events"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        r.events = prefill + ingested;
        runs.push(r);
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    for r in &runs {
        println!("rum-collector bench (loopback, {cores} cores, store {}, {concurrency} clients, {duration})", r.store);
        println!("  {}", r.fill);
        for line in r.text.lines().filter(|l| !l.starts_with("accepted_events")) {
            println!("  {line}");
        }
        if let Some(m) = r.collector_rss_mib {
            println!("  peak RSS          {m:.0} MiB (collector process, VmHWM)");
        }
        if let Some(m) = r.server_rss_mib {
            println!("  peak RSS          {m:.0} MiB (clickhouse-server, VmHWM)");
        }
        if r.events > 0 {
            println!(
                "  on disk           {:.1} MB for {} events ({:.0} bytes/event)",
                r.disk_bytes as f64 / 1e6,
                r.events,
                r.disk_bytes as f64 / r.events as f64
            );
        }
    }
    if runs.len() > 1 {
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0} ms"));
        let rows: Vec<(&str, Vec<String>)> = vec![
            (
                "events/s stored",
                runs.iter().map(|r| r.events_per_s.map_or("-".into(), |v| format!("{v:.0}"))).collect(),
            ),
            ("ingest p50", runs.iter().map(|r| ms(r.p50)).collect()),
            ("ingest p99", runs.iter().map(|r| ms(r.p99)).collect()),
            ("summary?since=24h p50", runs.iter().map(|r| ms(r.summary_24h)).collect()),
            ("summary?since=0 p50", runs.iter().map(|r| ms(r.summary_all)).collect()),
            ("queries", runs.iter().map(|r| r.queries.clone()).collect()),
            (
                "fill",
                runs.iter()
                    .map(|r| {
                        // "filled N events in X s (SQLite) [+ copied … in Y s (…)]" → "X s [+ Y s copy]"
                        let secs: Vec<&str> =
                            r.fill.split(" in ").skip(1).filter_map(|p| p.split(' ').next()).collect();
                        match secs.as_slice() {
                            [fill, copy] => format!("{fill} s SQLite + {copy} s copy"),
                            [fill] => format!("{fill} s"),
                            _ => "-".into(),
                        }
                    })
                    .collect(),
            ),
            (
                "bytes/event on disk",
                runs.iter()
                    .map(|r| {
                        if r.events > 0 {
                            format!("{:.0}", r.disk_bytes as f64 / r.events as f64)
                        } else {
                            "-".into()
                        }
                    })
                    .collect(),
            ),
        ];
        println!("\nside by side ({prefill} synthetic events, same rows in both):");
        println!("  {:<24}{}", "", runs.iter().map(|r| format!("{:<34}", r.store)).collect::<String>());
        for (name, vals) in rows {
            println!("  {name:<24}{}", vals.iter().map(|v| format!("{v:<34}")).collect::<String>());
        }
    }
    Ok(())
}

/// Serves `db` (and `store`) with a collector and runs the load generator
/// against it: its report and the collector's peak RSS (MiB).
fn bench(db: &Path, store: Option<&str>, concurrency: u32, duration: &str) -> Result<(String, Option<f64>)> {
    // Reads need the key, as in production; the per-IP read rate limit is
    // off (one loopback client asks in a loop on purpose).
    let key = "bench-read-key";
    let db_arg = db.to_string_lossy().to_string();
    let mut argv = vec!["--listen", "127.0.0.1:0", "--db", &db_arg, "--read-key", key, "--rate-limit", "0"];
    if let Some(u) = store {
        argv.extend(["--store", u]);
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
            duration,
            "--query-base",
            &c.url,
            "--read-key",
            key,
        ])
        .output()
        .map_err(|e| format!("rum-loadgen: {e}"))?;
    let rss = peak_rss_kib(c.pid()).map(|k| k as f64 / 1024.0);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    // Graceful stop: everything committed (SQLite: the WAL checkpointed into the file).
    c.stop()?;
    if !out.status.success() {
        return Err(format!("rum-loadgen failed:\n{text}"));
    }
    Ok((text, rss))
}

/// Peak resident set size of a process (VmHWM, KiB), where /proc has it.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
