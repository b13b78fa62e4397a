//! `cargo xtask demo [--traffic N] [--exit]`: the collector and the demo shop
//! on http://127.0.0.1:8787 with `rum.db`; with `--traffic N`, headless
//! Chromium visits the shop N times and a summary of /api/summary is
//! printed. Runs until Ctrl-C (or, with `--exit`, stops after the summary).
//!
//! Also the helpers `screenshot` and `bench-collector` share: building the
//! collector and running it as a child process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::tools::{self, cargo, root, run, Result};

/// Builds `rum-collector` (release), with uPlot embedded for the charts.
pub fn build_collector() -> Result {
    tools::ensure_npm(&root().join("collector/dashboard"))?;
    run(cargo().current_dir(root()).args(["build", "--release", "-p", "rum-collector", "--bins"]))
}

/// The agent package (pkg/) and the npm dev tools (playwright-core).
pub fn build_agent() -> Result {
    tools::ensure_build_tools()?;
    crate::build::build()
}

pub fn bin(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    target.join("release").join(name)
}

/// A running collector; stopped gracefully (SIGTERM) when dropped.
pub struct Collector {
    child: Child,
    pub url: String,
}

impl Collector {
    pub fn start(args: &[&str]) -> Result<Collector> {
        let mut child = Command::new(bin("rum-collector"))
            .current_dir(root())
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting rum-collector: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(std::io::Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => Ok(Collector { child, url }),
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(format!("rum-collector did not start ({status}); see its messages above"))
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait: the collector commits what it accepted and checkpoints.
    pub fn stop(&mut self) -> Result {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        }
        let status = self.child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("rum-collector exited with {status}"))
        }
    }

    pub fn wait(&mut self) -> Result {
        self.child.wait().map(|_| ()).map_err(|e| e.to_string())
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Drives headless Chromium through the demo shop `runs` times and prints a
/// summary of /api/summary.
pub fn traffic(base: &str, runs: u32) -> Result {
    tools::ensure_chromium()?;
    tools::ensure_npm(&root())?;
    run(Command::new("node").current_dir(root()).arg("collector/scripts/demo-traffic.mjs").args([
        "--base",
        base,
        "--runs",
        &runs.to_string(),
    ]))
}

fn parse_flag<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => {
            args.get(i + 1).and_then(|v| v.parse().ok()).map(Some).ok_or_else(|| format!("{name} needs a value"))
        }
    }
}

pub fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>> {
    parse_flag(args, name)
}

pub fn run_cmd(args: &[String]) -> Result {
    let traffic_runs: Option<u32> = parse_flag(args, "--traffic")?;
    let exit = args.iter().any(|a| a == "--exit");
    let listen: String = parse_flag(args, "--listen")?.unwrap_or_else(|| "127.0.0.1:8787".into());
    let db: String = parse_flag(args, "--db")?.unwrap_or_else(|| "rum.db".into());
    build_agent()?;
    build_collector()?;
    if !Path::new(&root().join("www/demo/index.html")).exists() {
        return Err("www/demo is missing".into());
    }
    let mut argv = vec!["--listen", &listen, "--db", &db, "--static", "/pkg=pkg", "--static", "/demo=www/demo"];
    // `--store clickhouse`: a local ClickHouse under target/ holds the data
    // (`--db` keeps the source maps); stopped after the collector.
    let store: Option<String> = parse_flag(args, "--store")?;
    let server = match store.as_deref() {
        None | Some("sqlite") => None,
        Some("clickhouse") => Some(crate::clickhouse::Server::start(&root().join("target/clickhouse-demo"))?),
        Some(other) => return Err(format!("--store {other}: expected sqlite or clickhouse")),
    };
    let store_url = server.as_ref().map(|s| s.store("rum_demo"));
    if let Some(u) = &store_url {
        argv.extend(["--store", u.as_str()]);
    }
    let mut c = Collector::start(&argv)?;
    println!();
    println!("  dashboard   {}/", c.url);
    println!("  demo shop   {}/demo/", c.url);
    println!("  database    {}", store_url.as_deref().unwrap_or(&db));
    println!();
    if let Some(n) = traffic_runs {
        traffic(&c.url, n)?;
        println!();
        println!("  dashboard   {}/", c.url);
    }
    if exit {
        let r = c.stop();
        drop(server);
        return r;
    }
    println!("Ctrl-C to stop.");
    // Ctrl-C reaches the collector too (same process group): it commits and exits.
    let r = c.wait();
    drop(server);
    r
}
