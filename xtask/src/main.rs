//! `cargo xtask <command>`: every command a person or CI runs.
//!
//! Each command installs what it needs (idempotently) before it runs, so a
//! fresh clone needs nothing but a Rust toolchain, Node.js and apt.

mod bench;
mod bench_collector;
mod build;
mod clickhouse;
mod demo;
mod minify;
mod screenshot;
mod size;
mod test;
mod tools;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

  build            build the npm package into pkg/ (release wasm, wasm-opt -Oz, shim)
  test             install what is missing, then run every test (CI runs this)
  size             print raw / gzip / brotli bytes of what a browser downloads
  demo [--traffic N] [--store clickhouse]
                   collector + demo shop on http://127.0.0.1:8787 (Ctrl-C to stop);
                   --store clickhouse: data in a local ClickHouse (installed where missing)
  screenshot       write a PNG of the populated dashboard
  bench-collector [--store sqlite|clickhouse|both] [--events N] [--duration 15s]
                   load the collector on N synthetic events (same rows on both stores);
                   print events/s, latency, query latency, fill time, bytes per event
  bench            side-by-side benchmark against other RUM agents
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => {
            eprint!("{HELP}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cmd {
        "build" => build::run_cmd(rest),
        "test" => test::run_cmd(rest),
        "size" => size::run(rest),
        "demo" => demo::run_cmd(rest),
        "screenshot" => screenshot::run_cmd(rest),
        "bench-collector" => bench_collector::run_cmd(rest),
        "bench" => bench::run(rest),
        "-h" | "--help" | "help" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
