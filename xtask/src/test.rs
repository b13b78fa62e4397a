//! `cargo xtask test`: installs what is missing (idempotently), then runs
//! every test: lints, host tests of the core and the collector, browser-edge
//! tests in headless Chromium, and end-to-end tests of the built package.
//!
//! `cargo xtask test [STEP…]` runs only the named steps
//! (lint, host, wasm, e2e); the installs always run.

use std::process::Command;
use std::time::Instant;

use crate::tools::{self, cargo, root, run, Result};

pub fn run_cmd(args: &[String]) -> Result {
    let want = |step: &str| args.is_empty() || args.iter().any(|a| a == step);
    let t0 = Instant::now();
    tools::ensure_build_tools()?;
    tools::ensure_chromium()?;
    tools::ensure_firefox()?;
    // promtool and prometheus for collector/tests/slo_prometheus.rs.
    tools::ensure_prometheus()?;
    // clickhouse-server for collector/tests/clickhouse.rs (the ClickHouse backend).
    tools::ensure_clickhouse()?;
    let root = root();
    // The collector's dashboard assets (uPlot, embedded at build time) and
    // the GeoIP test database.
    tools::ensure_npm(&root.join("collector/dashboard"))?;

    if want("lint") {
        run(cargo().current_dir(&root).args(["fmt", "--all", "--check"]))?;
        run(cargo().current_dir(&root).args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
        // The agent's own rules (no unwrap/expect/panic/indexing/lossy casts)
        // matter most where it runs: the wasm build.
        run(cargo().current_dir(&root).args([
            "clippy",
            "-p",
            "rum-agent",
            "--target",
            "wasm32-unknown-unknown",
            "--lib",
            "--",
            "-D",
            "warnings",
        ]))?;
        // The format builds' encoders and the full build's actions are wasm
        // code too (`full` = actions, the diagnostic extras, faro, otlp).
        run(cargo().current_dir(&root).args([
            "clippy",
            "-p",
            "rum-agent",
            "--target",
            "wasm32-unknown-unknown",
            "--lib",
            "--features",
            "full",
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    if want("host") {
        run(cargo().current_dir(&root).args(["test", "--workspace"]))?;
    }
    if want("wasm") {
        // The release build is no_std; wasm-bindgen-test links std.
        run(Command::new("wasm-pack").current_dir(&root).env("CHROMEDRIVER", tools::chromedriver()).args([
            "test",
            "--headless",
            "--chrome",
            "--",
            "--features",
            "std",
        ]))?;
        // The same browser-edge tests in Firefox.
        run(Command::new("wasm-pack").current_dir(&root).env("GECKODRIVER", tools::geckodriver()).args([
            "test",
            "--headless",
            "--firefox",
            "--",
            "--features",
            "std",
        ]))?;
    }
    if want("e2e") {
        crate::build::build()?;
        run(cargo().current_dir(&root).args(["build", "--release", "-p", "rum-collector"]))?;
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), std::path::PathBuf::from);
        let bin = target.join("release/rum-collector");
        run(Command::new("node")
            .current_dir(&root)
            .env("RUM_COLLECTOR_BIN", bin)
            .env("CHROMIUM", tools::chromium())
            .env("FIREFOX", tools::firefox())
            .env("GECKODRIVER", tools::geckodriver())
            .args(["--test", "--test-concurrency=1", "tests/e2e/"]))?;
    }
    eprintln!("all tests passed in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}
