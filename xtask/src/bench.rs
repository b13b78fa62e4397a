//! `cargo xtask bench [--runs N] [--interactions N] [--only a,b] [--out DIR] [--no-chart] [--no-repeat]`:
//! rum-agent side by side with the leading RUM agents (web-vitals + a
//! beacon, Grafana Faro, Datadog RUM slim, Elastic APM RUM, CloudWatch RUM)
//! on one product page in headless Chromium. Builds the package, installs
//! the peers (bench/package.json, exact versions) and runs bench/run.mjs,
//! which prints the markdown table and writes bench/results/latest.{md,json,png}.
//! Numbers are printed, never asserted. Method: bench/README.md.

use std::process::Command;

use crate::tools::{self, root, Result};

/// Flags passed through to bench/run.mjs, each with a value.
/// Where the wasm floor is built (bench/run.mjs reads it from there).
const FLOOR: &str = "target/bench-floor";

const FLAGS: [&str; 4] = ["--runs", "--interactions", "--only", "--out"];

pub fn run(args: &[String]) -> Result {
    let mut pass = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--no-chart" || a == "--no-repeat" {
            pass.push(a.clone());
            continue;
        }
        if !FLAGS.contains(&a.as_str()) {
            return Err(format!(
                "bench: unknown argument {a:?} (flags: --runs N, --interactions N, --only LIST, --out DIR, --no-chart, --no-repeat)"
            ));
        }
        let v = it.next().ok_or_else(|| format!("bench: {a} needs a value"))?;
        if matches!(a.as_str(), "--runs" | "--interactions") && !v.parse::<u32>().is_ok_and(|n| n >= 1) {
            return Err(format!("bench: {a} must be a positive integer, got {v:?}"));
        }
        pass.push(a.clone());
        pass.push(v.clone());
    }
    tools::ensure_build_tools()?;
    crate::build::build()?;
    let root = root();
    let only = pass.iter().position(|a| a == "--only").and_then(|i| pass.get(i + 1));
    if only.is_none_or(|l| l.split(',').any(|c| c == "floor")) {
        // The wasm floor (bench/floor/): built by the agent's own pipeline.
        let shim = root.join("bench/floor/shim.js");
        crate::build::wasm_package(&root.join("bench/floor"), &root.join(FLOOR), &shim, None)?;
    }
    tools::ensure_chromium()?;
    tools::ensure_npm(&root.join("bench"))?;
    tools::run(Command::new("node").current_dir(&root).arg("bench/run.mjs").args(&pass))
}
