//! Checks request bodies captured in the end-to-end tests with the same
//! decoders as the golden-fixture test (`tests/wire/mod.rs`):
//!
//! ```sh
//! cargo run -q -p rum-collector --example wire_check -- faro-strict FILE…
//! cargo run -q -p rum-collector --example wire_check -- faro FILE…    # Go's rules: unknown fields ignored
//! cargo run -q -p rum-collector --example wire_check -- otlp-logs FILE…
//! cargo run -q -p rum-collector --example wire_check -- otlp-traces FILE…
//! ```
//!
//! Prints one JSON line per file (`{"file", "ok", "error"?, "items"?}`);
//! exits 1 if any file fails.

#[path = "../tests/wire/mod.rs"]
mod wire;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, files)) = args.split_first() else {
        eprintln!("usage: wire_check faro|faro-strict|otlp-logs|otlp-traces FILE…");
        return std::process::ExitCode::from(2);
    };
    let mut ok = true;
    for f in files {
        let body = match std::fs::read_to_string(f) {
            Ok(b) => b,
            Err(e) => {
                println!("{}", serde_json::json!({"file": f, "ok": false, "error": e.to_string()}));
                ok = false;
                continue;
            }
        };
        let r = match mode.as_str() {
            "faro" | "faro-strict" => wire::faro(&body, mode == "faro-strict")
                .map(|p| p.measurements.len() + p.exceptions.len() + p.events.len() + p.logs.len()),
            "otlp-logs" => wire::otlp(&body, wire::Otlp::Logs),
            "otlp-traces" => wire::otlp(&body, wire::Otlp::Traces),
            other => Err(format!("unknown mode {other:?}")),
        };
        match r {
            Ok(n) => println!("{}", serde_json::json!({"file": f, "ok": true, "items": n})),
            Err(e) => {
                ok = false;
                println!("{}", serde_json::json!({"file": f, "ok": false, "error": e}));
            }
        }
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
