//! `cargo xtask size`: what a browser downloads, raw / gzip / brotli.

use std::io::Write;

use crate::build::{GLUE, SHIM, WASM};
use crate::tools::{root, Result};

pub struct Sizes {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

pub fn measure(bytes: &[u8]) -> Sizes {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = gz.write_all(bytes);
    let gzip = gz.finish().map(|v| v.len()).unwrap_or(0);
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut br, &params);
    Sizes { raw: bytes.len(), gzip, brotli: br.len() }
}

pub fn run(args: &[String]) -> Result {
    if !args.iter().any(|a| a == "--no-build") {
        crate::tools::ensure_build_tools()?;
        crate::build::build()?;
    }
    let files = [("wasm", WASM), ("glue", GLUE), ("shim", SHIM)];
    println!("| file | raw | gzip | brotli |\n|---|---:|---:|---:|");
    let (mut raw, mut gzip, mut brotli) = (0, 0, 0);
    for (label, path) in files {
        let bytes = std::fs::read(root().join(path)).map_err(|e| format!("{path}: {e} (run cargo xtask build)"))?;
        let s = measure(&bytes);
        println!("| {label} ({path}) | {} | {} | {} |", s.raw, s.gzip, s.brotli);
        raw += s.raw;
        gzip += s.gzip;
        brotli += s.brotli;
    }
    println!("| **total download** | {raw} | {gzip} | **{brotli}** |");
    Ok(())
}
