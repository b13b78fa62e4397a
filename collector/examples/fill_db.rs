//! `cargo run -p rum-collector --example fill_db -- PATH [EVENTS]`: a synthetic database (see `synth`).
fn main() -> Result<(), String> {
    let mut a = std::env::args().skip(1);
    let path = a.next().ok_or("usage: fill_db PATH [EVENTS]")?;
    let n = a.next().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let t = std::time::Instant::now();
    rum_collector::synth::fill(std::path::Path::new(&path), n, rum_collector::now_ms(), 30)?;
    println!("{n} events in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}
