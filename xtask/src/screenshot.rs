//! `cargo xtask screenshot [--out PATH] [--traffic N]`: a PNG of the
//! dashboard populated by real traffic (headless Chromium through the demo
//! shop), on a fresh database. Default: target/dashboard.png, 12 visits.

use std::process::Command;

use crate::demo::{self, Collector};
use crate::tools::{self, root, run, Result};

pub fn run_cmd(args: &[String]) -> Result {
    let out: String = demo::flag(args, "--out")?.unwrap_or_else(|| "target/dashboard.png".into());
    let runs: u32 = demo::flag(args, "--traffic")?.unwrap_or(12);
    demo::build_agent()?;
    demo::build_collector()?;
    tools::ensure_chromium()?;
    let dir = root().join("target/screenshot");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("rum.db").to_string_lossy().to_string();
    let mut c = Collector::start(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        &db,
        "--static",
        "/pkg=pkg",
        "--static",
        "/demo=www/demo",
    ])?;
    demo::traffic(&c.url, runs)?;
    let out_path = root().join(&out);
    if let Some(parent) = out_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    run(Command::new("node").current_dir(root()).arg("collector/scripts/screenshot.mjs").args([
        "--url",
        &format!("{}/", c.url),
        "--out",
        &out_path.to_string_lossy(),
    ]))?;
    c.stop()?;
    println!("screenshot: {}", out_path.display());
    Ok(())
}
