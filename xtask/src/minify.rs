//! Shrinks what wasm-bindgen emits, without changing what runs:
//!
//! - import names: wasm-bindgen names every import `__wbg_<name>_<16 hex>`
//!   in module `./rum_agent_bg.js`; in the wasm that is ~8 KB of names, the
//!   hashes incompressible. They become `a`, `b`, … in module `a`, in the wasm
//!   and in the glue alike.
//! - the glue: minified with esbuild (doc comments, whitespace, local names).
//! - the function table: wasm-bindgen reads its descriptors (closure and
//!   cast types) by running `__wbindgen_describe_*` functions, then deletes
//!   them, but the table entries those functions took the address of stay,
//!   and so does the code behind them (~30 closure `invoke` shims, −0.4 KB
//!   brotli). `prune_table` empties the entries nothing can reach any more.

// A rewriter of the wasm our own build just produced (trusted input, a dev
// tool): a malformed module fails the build. Indexing and integer casts of
// LEB values are allowed here; unwrap/expect/panic stay denied.
#![allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

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

/// The sections of a module: (id, body), in order.
fn sections(wasm: &[u8]) -> Result<Vec<(u8, &[u8])>> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a wasm module".into());
    }
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let size = read_leb(wasm, &mut pos)? as usize;
        out.push((id, wasm.get(pos..pos + size).ok_or("truncated section")?));
        pos += size;
    }
    Ok(out)
}

fn write_section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    out.push(id);
    write_leb(out, body.len() as u64);
    out.extend_from_slice(body);
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

/// Signed LEB128 at `*pos` as raw 64 bits (`*pos` moves past it), or None
/// if it runs off the end.
fn read_sleb_bits(b: &[u8], pos: &mut usize) -> Option<u64> {
    let (mut result, mut shift) = (0u64, 0u32);
    while shift < 70 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        result |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        shift += 7;
        if byte & 0x80 == 0 {
            if shift < 64 && byte & 0x40 != 0 {
                result |= !0u64 << shift;
            }
            return Some(result);
        }
    }
    None
}

fn write_sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Empties the function-table entries whose index appears nowhere a
/// function pointer could come from, so that wasm-opt can drop the code.
///
/// A Rust function pointer on wasm32 is its table index, and it only ever
/// exists as a constant: an `i32.const` (or half of an `i64.const` when two
/// stores are merged) in code or a global, or a word in a data segment
/// (vtables). Rust never computes one arithmetically. So an index that
/// appears in none of those places, read over-generously (every byte that
/// could start such a constant, every data offset, aligned or not), cannot be
/// called. Such an entry becomes `ref.null`: if the reasoning were ever wrong
/// the call would trap at once (as a panic would), never run the wrong code.
///
/// Only for the shape wasm-bindgen emits: one active segment on a table that
/// is neither imported nor exported. Anything else is returned unchanged.
/// Returns the module and how many entries were emptied.
pub fn prune_table(wasm: &[u8]) -> Result<(Vec<u8>, usize)> {
    let sections = sections(wasm)?;
    let unchanged = || Ok((wasm.to_vec(), 0));
    let section = |want: u8| sections.iter().filter(move |(id, _)| *id == want).map(|(_, b)| *b);
    // A function table the host can see (imported or exported) could be read
    // by it. (An imported table would be index 0.)
    for body in section(2) {
        let mut p = 0;
        for _ in 0..read_leb(body, &mut p)? {
            read_name(body, &mut p)?;
            read_name(body, &mut p)?;
            if body.get(p) == Some(&0x01) {
                return unchanged();
            }
            skip_desc(body, &mut p)?;
        }
    }
    for body in section(7) {
        let mut p = 0;
        for _ in 0..read_leb(body, &mut p)? {
            read_name(body, &mut p)?;
            let kind = *body.get(p).ok_or("truncated export")?;
            p += 1;
            // wasm-bindgen exports its externref table (index 1); the
            // function table is index 0.
            if read_leb(body, &mut p)? == 0 && kind == 0x01 {
                return unchanged();
            }
        }
    }
    let Some(elem) = section(9).next() else { return unchanged() };
    // One segment, flags 0 (table 0, `i32.const` offset, function indices).
    let mut p = 0;
    if read_leb(elem, &mut p)? != 1 || read_leb(elem, &mut p)? != 0 || elem.get(p) != Some(&0x41) {
        return unchanged();
    }
    p += 1;
    let base = read_sleb_bits(elem, &mut p).ok_or("truncated element offset")?;
    if elem.get(p) != Some(&0x0b) {
        return unchanged();
    }
    p += 1;
    let count = read_leb(elem, &mut p)?;
    let mut funcs = Vec::new();
    for _ in 0..count {
        funcs.push(read_leb(elem, &mut p)?);
    }

    let mut refs = std::collections::HashSet::new();
    for body in section(6).chain(section(10)) {
        for (i, b) in body.iter().enumerate() {
            if *b == 0x41 || *b == 0x42 {
                if let Some(v) = read_sleb_bits(body, &mut (i + 1)) {
                    refs.insert(v & 0xffff_ffff);
                    refs.insert(v >> 32);
                }
            }
        }
    }
    for body in section(11) {
        for w in body.windows(4) {
            refs.insert(u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])));
        }
    }

    // Flags 4: table 0, `i32.const` offset, one expression per entry.
    let mut new_elem = Vec::new();
    write_leb(&mut new_elem, 1);
    write_leb(&mut new_elem, 4);
    new_elem.push(0x41);
    write_sleb(&mut new_elem, base as i32 as i64);
    new_elem.push(0x0b);
    write_leb(&mut new_elem, count);
    let mut emptied = 0;
    for (i, f) in funcs.iter().enumerate() {
        if refs.contains(&(base as u32 as u64 + i as u64)) {
            new_elem.push(0xd2); // ref.func
            write_leb(&mut new_elem, *f);
        } else {
            new_elem.extend_from_slice(&[0xd0, 0x70]); // ref.null func
            emptied += 1;
        }
        new_elem.push(0x0b);
    }
    let mut out = wasm[..8].to_vec();
    for (id, body) in &sections {
        write_section(&mut out, *id, if *id == 9 { &new_elem } else { body });
    }
    Ok((out, emptied))
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
    let mut out = wasm[..8].to_vec();
    let mut map = HashMap::new();
    for (id, body) in sections(wasm)? {
        if id != 2 {
            write_section(&mut out, id, body);
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
        write_section(&mut out, 2, &new_body);
    }
    Ok((out, map))
}

/// Renames the exports the glue reads as `wasm.<name>` to short names, in
/// the wasm and in the glue; drops the ones it never reads. wasm-bindgen
/// exports its closure shims under their full Rust paths (~250 characters
/// each, crate hashes included) and its allocator under `__wbindgen_malloc`
/// (34 uses in the glue); only the glue sees these names, so they need not
/// say anything. `memory` keeps its name. Returns the new wasm and glue and
/// how many exports were dropped.
pub fn rename_exports(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String, usize)> {
    let mut out = wasm[..8].to_vec();
    let mut map = HashMap::new();
    let mut dropped = 0;
    for (id, body) in sections(wasm)? {
        if id != 7 {
            write_section(&mut out, id, body);
            continue;
        }
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        let mut kept = Vec::new();
        for _ in 0..count {
            let name = read_name(body, &mut p)?;
            let start = p;
            p += 1; // kind
            read_leb(body, &mut p)?;
            let desc = body.get(start..p).ok_or("truncated export")?;
            let new = if name == "memory" {
                name
            } else if member_uses(glue, &name) > 0 {
                let n = short(map.len());
                map.insert(name, n.clone());
                n
            } else {
                dropped += 1;
                continue;
            };
            kept.push((new, desc));
        }
        let mut new_body = Vec::new();
        write_leb(&mut new_body, kept.len() as u64);
        for (name, desc) in kept {
            write_name(&mut new_body, &name);
            new_body.extend_from_slice(desc);
        }
        write_section(&mut out, 7, &new_body);
    }
    let glue = replace_members(glue, &map);
    if let Some(old) = map.keys().find(|old| member_uses(&glue, old) > 0) {
        return Err(format!("export {old} still read by the glue"));
    }
    Ok((out, glue, dropped))
}

/// Where `wasm.<name>` (a whole identifier on both sides) starts in `js`.
fn members(js: &str, name: &str) -> Vec<usize> {
    let pat = format!("wasm.{name}");
    let ident_before = |i: usize| js[..i].chars().next_back().is_some_and(is_ident);
    let ident_at = |i: usize| js[i..].chars().next().is_some_and(is_ident);
    js.match_indices(&pat).map(|(i, _)| i).filter(|&i| !ident_before(i) && !ident_at(i + pat.len())).collect()
}

fn member_uses(js: &str, name: &str) -> usize {
    members(js, name).len()
}

/// `wasm.<old>` → `wasm.<new>` for every entry of `map`.
fn replace_members(js: &str, map: &HashMap<String, String>) -> String {
    let mut at: Vec<(usize, usize, &str)> = Vec::new();
    for (old, new) in map {
        at.extend(members(js, old).into_iter().map(|i| (i + 5, i + 5 + old.len(), new.as_str())));
    }
    at.sort_unstable();
    let mut out = String::with_capacity(js.len());
    let mut done = 0;
    for (from, to, new) in at {
        out.push_str(&js[done..from]);
        out.push_str(new);
        done = to;
    }
    out.push_str(&js[done..]);
    out
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
    let (wasm, emptied) = prune_table(&wasm)?;
    eprintln!("function table: {emptied} entries nothing can reach emptied");
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
    let (wasm, glue, unread) = rename_exports(&wasm, &glue)?;
    eprintln!("exports: short names, {unread} the glue never reads dropped");
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

    /// A module of three `() -> ()` functions in table slots 1, 2, 3. Slot 2
    /// appears as an `i32.const`, slot 3 as the high half of an `i64.const`;
    /// nothing names slot 1. `export_table` exports table 0.
    fn module(export_table: bool) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        let mut section = |id: u8, body: &[u8]| {
            m.push(id);
            write_leb(&mut m, body.len() as u64);
            m.extend_from_slice(body);
        };
        section(1, &[1, 0x60, 0, 0]);
        section(3, &[3, 0, 0, 0]);
        section(4, &[1, 0x70, 0, 4]);
        if export_table {
            section(7, &[1, 1, b't', 0x01, 0]);
        }
        section(9, &[1, 0, 0x41, 1, 0x0b, 3, 0, 1, 2]);
        let mut i64_body = vec![0, 0x42];
        write_sleb(&mut i64_body, 3 << 32);
        i64_body.extend_from_slice(&[0x1a, 0x0b]);
        let mut code = vec![3, 5, 0, 0x41, 2, 0x1a, 0x0b];
        code.push(i64_body.len() as u8);
        code.extend_from_slice(&i64_body);
        code.extend_from_slice(&[2, 0, 0x0b]);
        section(10, &code);
        m
    }

    #[test]
    fn prune_table_empties_only_the_slot_nothing_names() {
        let (out, emptied) = prune_table(&module(false)).unwrap();
        assert_eq!(emptied, 1);
        // flags 4, offset 1, three entries: null, ref.func 1, ref.func 2.
        let elem = [1, 4, 0x41, 1, 0x0b, 3, 0xd0, 0x70, 0x0b, 0xd2, 1, 0x0b, 0xd2, 2, 0x0b];
        assert!(out.windows(elem.len()).any(|w| w == elem), "{out:x?}");
        // Everything else is byte for byte the same.
        assert_eq!(out.len(), module(false).len() + elem.len() - 9);
    }

    #[test]
    fn prune_table_leaves_a_table_the_host_can_see() {
        let m = module(true);
        assert_eq!(prune_table(&m).unwrap(), (m, 0));
    }

    #[test]
    fn sleb_round_trip() {
        for v in [0i64, 1, 63, 64, -1, -64, -65, 127, 128, 3 << 32, i64::from(i32::MIN)] {
            let mut b = Vec::new();
            write_sleb(&mut b, v);
            assert_eq!(read_sleb_bits(&b, &mut 0), Some(v as u64), "{v}");
        }
    }

    #[test]
    fn exports_get_short_names_in_wasm_and_glue() {
        // Exports: `memory` (memory 0), `__wbindgen_malloc` (func 0),
        // `agent_flush` (func 1), `__abort_handler` (func 2, unread).
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        let mut body = vec![4];
        for (name, kind, index) in
            [("memory", 2, 0), ("__wbindgen_malloc", 0, 0), ("agent_flush", 0, 1), ("__abort_handler", 0, 2)]
        {
            write_name(&mut body, name);
            body.extend_from_slice(&[kind, index]);
        }
        m.push(7);
        write_leb(&mut m, body.len() as u64);
        m.extend_from_slice(&body);
        let glue = "wasm.__wbindgen_malloc(1); wasm.agent_flush(); wasm.agent_flushed; xwasm.agent_flush; wasm.memory";
        let (out, glue, dropped) = rename_exports(&m, glue).unwrap();
        assert_eq!(dropped, 1);
        let names: Vec<String> = {
            let (_, body) = sections(&out).unwrap()[0];
            let mut p = 1;
            (0..3)
                .map(|_| {
                    let n = read_name(body, &mut p).unwrap();
                    p += 2;
                    n
                })
                .collect()
        };
        assert_eq!(names, ["memory", "a", "b"]);
        assert_eq!(glue, "wasm.a(1); wasm.b(); wasm.agent_flushed; xwasm.agent_flush; wasm.memory");
    }

    #[test]
    fn replaces_whole_identifiers_only() {
        let map = HashMap::from([("__wbg_x_1".to_string(), "a".to_string())]);
        assert_eq!(replace_idents("__wbg_x_1: f, __wbg_x_12, o.__wbg_x_1", &map), "a: f, __wbg_x_12, o.a");
    }
}
