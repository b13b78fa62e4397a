//! `cargo xtask size`: what a browser downloads, raw / gzip / brotli.

use std::io::Write;

use crate::build::{SHIM, SNIPPET, WASM};
use crate::tools::{root, Result};

/// `println!` that does not panic when stdout is closed (`cargo xtask size | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

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
    let files = [("wasm", WASM), ("shim + glue", SHIM)];
    out!("| file | raw | gzip | brotli |\n|---|---:|---:|---:|");
    let (mut raw, mut gzip, mut brotli) = (0, 0, 0);
    for (label, path) in files {
        let bytes = std::fs::read(root().join(path)).map_err(|e| format!("{path}: {e} (run cargo xtask build)"))?;
        let s = measure(&bytes);
        out!("| {label} ({path}) | {} | {} | {} |", s.raw, s.gzip, s.brotli);
        raw += s.raw;
        gzip += s.gzip;
        brotli += s.brotli;
    }
    out!("| **total download** | {raw} | {gzip} | **{brotli}** |");
    formats(brotli)?;
    let snippet = std::fs::read(root().join(SNIPPET)).map_err(|e| format!("{SNIPPET}: {e}"))?;
    let s = measure(&snippet);
    out!(
        "\nloader snippet ({SNIPPET}, inlined in the page): {} bytes minified, {} gzip, {} brotli",
        s.raw,
        s.gzip,
        s.brotli
    );
    out!("CSP hash for script-src: '{}'", csp_hash(&snippet));
    Ok(())
}

/// The wire-format builds (`pkg/<format>/`) and what each format costs over
/// the default build, brotli.
fn formats(default_total: usize) -> Result {
    out!("\n| build | wasm brotli | total download brotli | cost over the default |\n|---|---:|---:|---:|");
    out!("| native (default, pkg/) | | {default_total} | 0 |");
    for f in crate::build::FORMATS {
        let mut total = 0;
        let mut wasm = 0;
        for (label, path) in [("wasm", WASM), ("shim + glue", SHIM)] {
            let path = path.replacen("pkg/", &format!("pkg/{f}/"), 1);
            let bytes =
                std::fs::read(root().join(&path)).map_err(|e| format!("{path}: {e} (run cargo xtask build)"))?;
            let b = measure(&bytes).brotli;
            total += b;
            if label == "wasm" {
                wasm = b;
            }
        }
        let cost = i128::from(u64::try_from(total).unwrap_or(u64::MAX))
            - i128::from(u64::try_from(default_total).unwrap_or(u64::MAX));
        out!("| {f} (pkg/{f}/, `rum-agent/{f}`) | {wasm} | {total} | {cost:+} |");
    }
    Ok(())
}

/// `sha256-<base64>` of the exact inline script text, as CSP expects.
pub fn csp_hash(text: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text);
    format!("sha256-{}", base64(&digest))
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let at = |i: usize| u32::from(*chunk.get(i).unwrap_or(&0));
        let n = (at(0) << 16) | (at(1) << 8) | at(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap_or(0);
                out.push(char::from(*T.get(sextet).unwrap_or(&b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_and_hash() {
        assert_eq!(super::base64(b"Man"), "TWFu");
        assert_eq!(super::base64(b"Ma"), "TWE=");
        assert_eq!(super::base64(b"M"), "TQ==");
        // echo -n "alert('Hello, world.');" | openssl sha256 -binary | base64
        assert_eq!(super::csp_hash(b"alert('Hello, world.');"), "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng=");
    }
}
