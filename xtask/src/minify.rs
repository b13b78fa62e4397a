//! Shrinks what wasm-bindgen emits, without changing what runs:
//!
//! - import names: wasm-bindgen names every import `__wbg_<name>_<16 hex>`
//!   in module `./rum_agent_bg.js`; in the wasm that is ~8 KB of names, the
//!   hashes incompressible. They become `a`, `b`, … in module `a`, in the wasm
//!   and in the glue alike.
//! - the glue: minified with esbuild (doc comments, whitespace, local names).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::tools::{root, run, Result};

fn read_leb(b: &[u8], pos: &mut usize) -> Result<u64> {
    let mut result = 0u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos).ok_or("truncated LEB128")?;
        *pos += 1;
        result |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(result);
        }
        shift += 7;
        if shift > 63 {
            return Err("LEB128 too long".into());
        }
    }
}

fn write_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_name(b: &[u8], pos: &mut usize) -> Result<String> {
    let len = read_leb(b, pos)? as usize;
    let s = b.get(*pos..*pos + len).ok_or("truncated name")?;
    *pos += len;
    String::from_utf8(s.to_vec()).map_err(|e| e.to_string())
}

fn write_name(out: &mut Vec<u8>, s: &str) {
    write_leb(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Bytes of an import descriptor starting at `pos` (kind byte included).
fn skip_desc(b: &[u8], pos: &mut usize) -> Result {
    let kind = *b.get(*pos).ok_or("truncated import")?;
    *pos += 1;
    let limits = |pos: &mut usize| -> Result {
        let flags = *b.get(*pos).ok_or("truncated limits")?;
        *pos += 1;
        read_leb(b, pos)?;
        if flags & 1 == 1 {
            read_leb(b, pos)?;
        }
        Ok(())
    };
    match kind {
        0x00 => {
            read_leb(b, pos)?;
        }
        0x01 => {
            *pos += 1; // reftype
            limits(pos)?;
        }
        0x02 => limits(pos)?,
        0x03 => *pos += 2, // valtype + mutability
        0x04 => {
            *pos += 1;
            read_leb(b, pos)?;
        }
        k => return Err(format!("unknown import kind {k}")),
    }
    Ok(())
}

/// Short names: a, b, …, z, A, …, Z, aa, ab, …
fn short(mut n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = Vec::new();
    loop {
        s.push(CHARS[n % CHARS.len()]);
        n /= CHARS.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Renames the imports of module `module` in the wasm; returns old → new.
pub fn rename_imports(wasm: &[u8], module: &str, new_module: &str) -> Result<(Vec<u8>, HashMap<String, String>)> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a wasm module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut map = HashMap::new();
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let size = read_leb(wasm, &mut pos)? as usize;
        let body = wasm.get(pos..pos + size).ok_or("truncated section")?;
        pos += size;
        if id != 2 {
            out.push(id);
            write_leb(&mut out, size as u64);
            out.extend_from_slice(body);
            continue;
        }
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        let mut new_body = Vec::new();
        write_leb(&mut new_body, count);
        for _ in 0..count {
            let m = read_name(body, &mut p)?;
            let f = read_name(body, &mut p)?;
            let start = p;
            skip_desc(body, &mut p)?;
            if m == module {
                let name = short(map.len());
                map.insert(f, name.clone());
                write_name(&mut new_body, new_module);
                write_name(&mut new_body, &name);
            } else {
                write_name(&mut new_body, &m);
                write_name(&mut new_body, &f);
            }
            new_body.extend_from_slice(&body[start..p]);
        }
        out.push(2);
        write_leb(&mut out, new_body.len() as u64);
        out.extend_from_slice(&new_body);
    }
    Ok((out, map))
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Replaces whole identifiers `old` → `new` in JS source.
fn replace_idents(js: &str, map: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(js.len());
    let mut word = String::new();
    for c in js.chars().chain(std::iter::once('\0')) {
        if is_ident(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push_str(map.get(&word).map_or(word.as_str(), String::as_str));
            word.clear();
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// Renames imports in `wasm_path` and in the glue at `glue_path`, then
/// minifies the glue.
pub fn run_all(wasm_path: &Path, glue_path: &Path) -> Result {
    const MODULE: &str = "./rum_agent_bg.js";
    let wasm = std::fs::read(wasm_path).map_err(|e| e.to_string())?;
    let (wasm, map) = rename_imports(&wasm, MODULE, "a")?;
    let glue = std::fs::read_to_string(glue_path).map_err(|e| e.to_string())?;
    let quoted = format!("\"{MODULE}\":");
    if !glue.contains(&quoted) {
        return Err(format!("glue does not name its import module as {quoted}"));
    }
    let glue = replace_idents(&glue.replace(&quoted, "\"a\":"), &map);
    for old in map.keys() {
        if glue.contains(old.as_str()) {
            return Err(format!("import {old} still referenced in the glue"));
        }
    }
    std::fs::write(wasm_path, wasm).map_err(|e| e.to_string())?;
    std::fs::write(glue_path, glue).map_err(|e| e.to_string())?;
    let g = glue_path.to_string_lossy().to_string();
    run(Command::new(root().join("node_modules/.bin/esbuild")).args([
        &g,
        "--minify",
        "--format=esm",
        "--target=es2020",
        "--allow-overwrite",
        &format!("--outfile={g}"),
        "--log-level=warning",
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_unique() {
        let names: std::collections::HashSet<String> = (0..5000).map(short).collect();
        assert_eq!(names.len(), 5000);
        assert_eq!(short(0), "a");
        assert_eq!(short(52), "aa");
    }

    #[test]
    fn replaces_whole_identifiers_only() {
        let map = HashMap::from([("__wbg_x_1".to_string(), "a".to_string())]);
        assert_eq!(replace_idents("__wbg_x_1: f, __wbg_x_12, o.__wbg_x_1", &map), "a: f, __wbg_x_12, o.a");
    }
}
