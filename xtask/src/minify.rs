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
//!
//! The module is read with `wasmparser` (sections, and every function body
//! down to its instructions) and written with `wasm-encoder`: the sections
//! a step changes are encoded anew, every other one is copied byte for byte.
//! `run_all` validates the result before writing it.

// A rewriter of the wasm and glue our own build just produced (trusted
// input, a dev tool): the glue's identifier scan indexes strings at ASCII
// positions it found itself. unwrap/expect/panic and lossy casts stay denied.
#![allow(clippy::indexing_slicing, clippy::string_slice)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{ConstExpr, ElementSection, Elements, ExportSection, ImportSection, Module, RawSection, RefType};
use wasmparser::{
    ElementItems, ElementKind, Encoding, ExternalKind, Operator, OperatorsReader, Parser, Payload, TypeRef,
};

use crate::tools::{root, run, Result};

fn err(e: impl std::fmt::Display) -> String {
    format!("wasm: {e}")
}

/// `wasm` again, section by section: `edit` sees each section and either
/// writes its replacement into the module and returns true, or returns
/// false and the section is copied unchanged, byte for byte.
fn rewrite(wasm: &[u8], mut edit: impl FnMut(&Payload<'_>, &mut Module) -> Result<bool>) -> Result<Vec<u8>> {
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(err)?;
        if let Payload::Version { encoding: Encoding::Component, .. } = payload {
            return Err("a wasm component, not a module".into());
        }
        if edit(&payload, &mut module)? {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            module.section(&RawSection { id, data: wasm.get(range).ok_or("section out of bounds")? });
        }
    }
    Ok(module.finish())
}

/// Checks `wasm` against the spec (wasmparser's validator, the features it
/// enables by default: those rustc and wasm-bindgen emit included).
pub fn validate(wasm: &[u8]) -> Result {
    wasmparser::Validator::new().validate_all(wasm).map(|_| ()).map_err(err)
}

/// Adds every value `ops` puts on the stack as a constant to `refs`: both
/// 32-bit halves of an `i64.const` (two 32-bit stores merged into one 64-bit
/// store carry a function pointer in either half). A `ref.func` adds its
/// function to `funcs`. Returns whether an instruction moves table 0's
/// entries around (`table.copy`, `table.init`), which the reasoning in
/// `prune_table` does not cover.
///
/// An `i64.const` may hold two 32-bit stores merged into one: both halves.
fn halves(v: u64) -> [u32; 2] {
    let [a, b, c, d, e, f, g, h] = v.to_le_bytes();
    [u32::from_le_bytes([a, b, c, d]), u32::from_le_bytes([e, f, g, h])]
}

fn constants(mut ops: OperatorsReader<'_>, refs: &mut HashSet<u32>, funcs: &mut HashSet<u32>) -> Result<bool> {
    let mut moves_table = false;
    while !ops.eof() {
        match ops.read().map_err(err)? {
            Operator::I32Const { value } => {
                refs.insert(value.cast_unsigned());
            }
            Operator::I64Const { value } => {
                let [lo, hi] = halves(value.cast_unsigned());
                refs.insert(lo);
                refs.insert(hi);
            }
            Operator::RefFunc { function_index } => {
                funcs.insert(function_index);
            }
            Operator::TableCopy { dst_table: 0, .. }
            | Operator::TableCopy { src_table: 0, .. }
            | Operator::TableInit { table: 0, .. } => moves_table = true,
            _ => {}
        }
    }
    Ok(moves_table)
}

/// Empties the function-table entries whose index appears nowhere a
/// function pointer could come from, so that wasm-opt can drop the code.
///
/// A Rust function pointer on wasm32 is its table index, and it only ever
/// exists as a constant: an `i32.const` (or half of an `i64.const` when two
/// stores are merged) in code or in a global's initialiser, or a word in a
/// data segment (vtables). Rust never computes one arithmetically. So an
/// index that appears in none of those places cannot be called. Code is read
/// instruction by instruction (the constants of real `i32.const` and
/// `i64.const` instructions, not bytes that happen to look like one); data
/// over-generously (every 4-byte word, aligned or not). An entry whose
/// function some code or global names with `ref.func` stays too (that
/// function must stay declared in an element segment for the module to
/// validate). An emptied entry becomes `ref.null`: if the reasoning were
/// ever wrong the call would trap at once (as a panic would), never run the
/// wrong code.
///
/// Only for the shape wasm-bindgen emits: one active segment of function
/// indices at an `i32.const` offset on table 0, a table that is neither
/// imported nor exported (the host could read it) and that no `table.copy` or
/// `table.init` touches. Anything else is returned unchanged. Returns the
/// module and how many entries were emptied.
pub fn prune_table(wasm: &[u8]) -> Result<(Vec<u8>, usize)> {
    let unchanged = || Ok((wasm.to_vec(), 0));
    let mut refs = HashSet::new();
    let mut ref_funcs = HashSet::new();
    let mut moves_table = false;
    // (offset, function indices) of the one segment.
    let mut segment: Option<(u32, Vec<u32>)> = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(err)? {
            Payload::Version { encoding: Encoding::Component, .. } => return Err("a wasm component".into()),
            Payload::ImportSection(s) => {
                // An imported table would be table 0.
                for import in s.into_imports() {
                    if let TypeRef::Table(_) = import.map_err(err)?.ty {
                        return unchanged();
                    }
                }
            }
            Payload::ExportSection(s) => {
                for export in s {
                    let export = export.map_err(err)?;
                    // wasm-bindgen exports its externref table (index 1);
                    // the function table is index 0.
                    if export.kind == ExternalKind::Table && export.index == 0 {
                        return unchanged();
                    }
                }
            }
            Payload::GlobalSection(s) => {
                for global in s {
                    let ops = global.map_err(err)?.init_expr.get_operators_reader();
                    moves_table |= constants(ops, &mut refs, &mut ref_funcs)?;
                }
            }
            Payload::ElementSection(s) => {
                if s.count() != 1 {
                    return unchanged();
                }
                for element in s {
                    let element = element.map_err(err)?;
                    let ElementKind::Active { table_index: None | Some(0), offset_expr } = element.kind else {
                        return unchanged();
                    };
                    let mut ops = offset_expr.get_operators_reader();
                    let (Ok(Operator::I32Const { value }), Ok(Operator::End), true) =
                        (ops.read(), ops.read(), ops.eof())
                    else {
                        return unchanged();
                    };
                    let ElementItems::Functions(funcs) = element.items else { return unchanged() };
                    let funcs = funcs.into_iter().collect::<std::result::Result<Vec<u32>, _>>().map_err(err)?;
                    segment = Some((value.cast_unsigned(), funcs));
                }
            }
            Payload::CodeSectionEntry(body) => {
                moves_table |= constants(body.get_operators_reader().map_err(err)?, &mut refs, &mut ref_funcs)?;
            }
            Payload::DataSection(s) => {
                for data in s {
                    for w in data.map_err(err)?.data.windows(4) {
                        if let Ok(word) = <[u8; 4]>::try_from(w) {
                            refs.insert(u32::from_le_bytes(word));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let Some((base, funcs)) = segment else { return unchanged() };
    if moves_table {
        return unchanged();
    }

    let mut emptied = 0;
    let mut entries = Vec::with_capacity(funcs.len());
    for (i, &f) in funcs.iter().enumerate() {
        let index = u32::try_from(i).ok().and_then(|i| base.checked_add(i)).ok_or("element segment past 2^32")?;
        if refs.contains(&index) || ref_funcs.contains(&f) {
            entries.push(ConstExpr::ref_func(f));
        } else {
            emptied += 1;
            entries.push(ConstExpr::ref_null(wasm_encoder::HeapType::FUNC));
        }
    }
    // Table 0 implied, one expression per entry (flags 4).
    let mut elements = ElementSection::new();
    elements.active(
        None,
        &ConstExpr::i32_const(base.cast_signed()),
        Elements::Expressions(RefType::FUNCREF, entries.into()),
    );
    let out = rewrite(wasm, |payload, module| {
        if let Payload::ElementSection(_) = payload {
            module.section(&elements);
            return Ok(true);
        }
        Ok(false)
    })?;
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
    let mut map = HashMap::new();
    let out = rewrite(wasm, |payload, out| {
        let Payload::ImportSection(s) = payload else { return Ok(false) };
        let mut imports = ImportSection::new();
        for import in s.clone().into_imports() {
            let import = import.map_err(err)?;
            let ty = RoundtripReencoder.entity_type(import.ty).map_err(err)?;
            if import.module == module {
                let name = short(map.len());
                map.insert(import.name.to_string(), name.clone());
                imports.import(new_module, &name, ty);
            } else {
                imports.import(import.module, import.name, ty);
            }
        }
        out.section(&imports);
        Ok(true)
    })?;
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
    let mut map = HashMap::new();
    let mut dropped = 0;
    let out = rewrite(wasm, |payload, out| {
        let Payload::ExportSection(s) = payload else { return Ok(false) };
        let mut exports = ExportSection::new();
        for export in s.clone() {
            let export = export.map_err(err)?;
            let name = if export.name == "memory" {
                export.name.to_string()
            } else if member_uses(glue, export.name) > 0 {
                let n = short(map.len());
                map.insert(export.name.to_string(), n.clone());
                n
            } else {
                dropped += 1;
                continue;
            };
            exports.export(&name, RoundtripReencoder.export_kind(export.kind).map_err(err)?, export.index);
        }
        out.section(&exports);
        Ok(true)
    })?;
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

/// Renames imports and exports in `wasm_path` and in the glue at
/// `glue_path`, empties the table entries nothing can reach, validates the
/// wasm, then minifies the glue.
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
    validate(&wasm)?;
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
    use wasm_encoder::{
        CodeSection, DataSection, EntityType, ExportKind, Function, FunctionSection, GlobalSection, GlobalType, Ieee32,
        Instruction, TableSection, TableType, TypeSection, ValType,
    };

    #[test]
    fn short_names_are_unique() {
        let names: HashSet<String> = (0..5000).map(short).collect();
        assert_eq!(names.len(), 5000);
        assert_eq!(short(0), "a");
        assert_eq!(short(52), "aa");
    }

    /// What a test module adds to the one `module` builds.
    #[derive(Default, Clone, Copy)]
    struct Extra {
        export_table: bool,
        import_table: bool,
        /// A data segment holding slot 1's index at an odd offset.
        data_word: bool,
        /// A global initialised to slot 4's index.
        global: bool,
        /// `ref.func 3` in a function body.
        ref_func: bool,
        /// `table.copy` within table 0.
        table_copy: bool,
    }

    /// A module of four `() -> ()` functions in table slots 1, 2, 3, 4.
    /// Function 0 pushes `i32.const 2` (slot 2), function 1 an `i64.const`
    /// whose high half is 3 (slot 3), function 2 an `f32.const` whose bytes
    /// are `41 04 00 00`: an `i32.const 4` to a byte scan, but no constant
    /// naming slot 4. Nothing names slot 1.
    fn module(extra: Extra) -> Vec<u8> {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let table =
            TableType { element_type: RefType::FUNCREF, minimum: 5, maximum: None, table64: false, shared: false };
        if extra.import_table {
            let mut imports = ImportSection::new();
            imports.import("env", "t", EntityType::Table(table));
            m.section(&imports);
        }
        let mut functions = FunctionSection::new();
        for _ in 0..4 {
            functions.function(0);
        }
        m.section(&functions);
        if !extra.import_table {
            let mut tables = TableSection::new();
            tables.table(table);
            m.section(&tables);
        }
        if extra.data_word {
            let mut memories = wasm_encoder::MemorySection::new();
            memories.memory(wasm_encoder::MemoryType {
                minimum: 1,
                maximum: None,
                memory64: false,
                shared: false,
                page_size_log2: None,
            });
            m.section(&memories);
        }
        if extra.global {
            let mut globals = GlobalSection::new();
            let ty = GlobalType { val_type: ValType::I32, mutable: false, shared: false };
            globals.global(ty, &ConstExpr::i32_const(4));
            m.section(&globals);
        }
        if extra.export_table {
            let mut exports = ExportSection::new();
            exports.export("t", ExportKind::Table, 0);
            m.section(&exports);
        }
        let mut elements = ElementSection::new();
        elements.active(None, &ConstExpr::i32_const(1), Elements::Functions([0, 1, 2, 3][..].into()));
        m.section(&elements);
        let mut code = CodeSection::new();
        let body = |instructions: &[Instruction<'_>]| {
            let mut f = Function::new([]);
            for i in instructions {
                f.instruction(i);
            }
            f.instruction(&Instruction::End);
            f
        };
        code.function(&body(&[Instruction::I32Const(2), Instruction::Drop]));
        code.function(&body(&[Instruction::I64Const(3 << 32), Instruction::Drop]));
        let f32 = f32::from_bits(u32::from_le_bytes([0x41, 0x04, 0, 0]));
        code.function(&body(&[Instruction::F32Const(Ieee32::from(f32)), Instruction::Drop]));
        let mut last = Vec::new();
        if extra.ref_func {
            last.extend([Instruction::RefFunc(3), Instruction::Drop]);
        }
        if extra.table_copy {
            last.extend([
                Instruction::I32Const(0),
                Instruction::I32Const(0),
                Instruction::I32Const(0),
                Instruction::TableCopy { src_table: 0, dst_table: 0 },
            ]);
        }
        code.function(&body(&last));
        m.section(&code);
        if extra.data_word {
            let mut data = DataSection::new();
            data.active(0, &ConstExpr::i32_const(16), [9, 1, 0, 0, 0, 9]);
            m.section(&data);
        }
        let wasm = m.finish();
        validate(&wasm).unwrap();
        wasm
    }

    /// Table 0's entries after `prune_table`: the function in each slot from
    /// the segment's offset on, None where emptied.
    fn slots(wasm: &[u8]) -> (u32, Vec<Option<u32>>) {
        for payload in Parser::new(0).parse_all(wasm) {
            let Payload::ElementSection(s) = payload.unwrap() else { continue };
            let element = s.into_iter().next().unwrap().unwrap();
            let ElementKind::Active { offset_expr, .. } = element.kind else { panic!("passive") };
            let Ok(Operator::I32Const { value }) = offset_expr.get_operators_reader().read() else { panic!() };
            let ElementItems::Expressions(_, exprs) = element.items else { panic!("function indices") };
            let entries = exprs
                .into_iter()
                .map(|e| match e.unwrap().get_operators_reader().read().unwrap() {
                    Operator::RefFunc { function_index } => Some(function_index),
                    Operator::RefNull { .. } => None,
                    op => panic!("{op:?}"),
                })
                .collect();
            return (value.cast_unsigned(), entries);
        }
        panic!("no element section")
    }

    /// Sections other than the element section, as they are in `wasm`.
    fn other_sections(wasm: &[u8]) -> Vec<(u8, Vec<u8>)> {
        Parser::new(0)
            .parse_all(wasm)
            .filter_map(|p| p.unwrap().as_section())
            .filter(|(id, _)| *id != 9)
            .map(|(id, r)| (id, wasm[r].to_vec()))
            .collect()
    }

    #[test]
    fn prune_table_keeps_the_slots_real_constants_name() {
        let input = module(Extra::default());
        let (out, emptied) = prune_table(&input).unwrap();
        validate(&out).unwrap();
        // Slot 1: nothing names it. Slot 4: only bytes inside an f32.const
        // immediate look like `i32.const 4`, which is not an instruction.
        assert_eq!(slots(&out), (1, vec![None, Some(1), Some(2), None]));
        assert_eq!(emptied, 2);
        assert_eq!(other_sections(&out), other_sections(&input));
    }

    #[test]
    fn prune_table_reads_data_words_globals_and_ref_func() {
        let (out, emptied) = prune_table(&module(Extra { data_word: true, ..Extra::default() })).unwrap();
        validate(&out).unwrap();
        assert_eq!((slots(&out), emptied), ((1, vec![Some(0), Some(1), Some(2), None]), 1));

        let (out, emptied) = prune_table(&module(Extra { global: true, ..Extra::default() })).unwrap();
        validate(&out).unwrap();
        assert_eq!((slots(&out), emptied), ((1, vec![None, Some(1), Some(2), Some(3)]), 1));

        // `ref.func 3` needs function 3 declared in a segment to validate.
        let (out, emptied) = prune_table(&module(Extra { ref_func: true, ..Extra::default() })).unwrap();
        validate(&out).unwrap();
        assert_eq!((slots(&out), emptied), ((1, vec![None, Some(1), Some(2), Some(3)]), 1));
    }

    #[test]
    fn prune_table_leaves_a_table_the_host_can_see_or_code_moves() {
        for extra in [
            Extra { export_table: true, ..Extra::default() },
            Extra { import_table: true, ..Extra::default() },
            Extra { table_copy: true, ..Extra::default() },
        ] {
            let m = module(extra);
            assert_eq!(prune_table(&m).unwrap(), (m, 0));
        }
    }

    #[test]
    fn imports_of_one_module_get_short_names() {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], []);
        m.section(&types);
        let mut imports = ImportSection::new();
        imports.import("./rum_agent_bg.js", "__wbg_log_0123456789abcdef", EntityType::Function(0));
        imports.import("env", "keep", EntityType::Function(0));
        imports.import("./rum_agent_bg.js", "__wbg_now_fedcba9876543210", EntityType::Function(0));
        m.section(&imports);
        let mut code = CodeSection::new();
        let mut caller = Function::new([]);
        for i in [Instruction::I32Const(7), Instruction::Call(2), Instruction::End] {
            caller.instruction(&i);
        }
        let mut functions = FunctionSection::new();
        functions.function(0);
        m.section(&functions);
        code.function(&caller);
        m.section(&code);
        let input = m.finish();
        let (out, map) = rename_imports(&input, "./rum_agent_bg.js", "a").unwrap();
        validate(&out).unwrap();
        let names: Vec<(String, String)> = Parser::new(0)
            .parse_all(&out)
            .filter_map(|p| match p.unwrap() {
                Payload::ImportSection(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| s.into_imports().map(|i| i.unwrap()))
            .map(|i| (i.module.to_string(), i.name.to_string()))
            .collect();
        let pair = |m: &str, n: &str| (m.to_string(), n.to_string());
        assert_eq!(names, [pair("a", "a"), pair("env", "keep"), pair("a", "b")]);
        assert_eq!(map["__wbg_log_0123456789abcdef"], "a");
        assert_eq!(map["__wbg_now_fedcba9876543210"], "b");
        assert_eq!(map.len(), 2);
        // The code (calls by index) is copied as it was.
        let code = |w: &[u8]| other_sections(w).into_iter().find(|(id, _)| *id == 10);
        assert_eq!(code(&out), code(&input));
    }

    #[test]
    fn exports_get_short_names_in_wasm_and_glue() {
        // Exports: `memory` (memory 0), `__wbindgen_malloc` (func 0),
        // `agent_flush` (func 1), `__abort_handler` (func 2, unread).
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        for _ in 0..3 {
            functions.function(0);
            let mut f = Function::new([]);
            f.instruction(&Instruction::End);
            code.function(&f);
        }
        m.section(&functions);
        let mut memories = wasm_encoder::MemorySection::new();
        memories.memory(wasm_encoder::MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&memories);
        let mut exports = ExportSection::new();
        exports.export("memory", ExportKind::Memory, 0);
        exports.export("__wbindgen_malloc", ExportKind::Func, 0);
        exports.export("agent_flush", ExportKind::Func, 1);
        exports.export("__abort_handler", ExportKind::Func, 2);
        m.section(&exports);
        m.section(&code);
        let glue = "wasm.__wbindgen_malloc(1); wasm.agent_flush(); wasm.agent_flushed; xwasm.agent_flush; wasm.memory";
        let (out, glue, dropped) = rename_exports(&m.finish(), glue).unwrap();
        validate(&out).unwrap();
        assert_eq!(dropped, 1);
        let names: Vec<(String, ExternalKind, u32)> = Parser::new(0)
            .parse_all(&out)
            .filter_map(|p| match p.unwrap() {
                Payload::ExportSection(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| s.into_iter().map(|e| e.unwrap()))
            .map(|e| (e.name.to_string(), e.kind, e.index))
            .collect();
        assert_eq!(
            names,
            [
                ("memory".to_string(), ExternalKind::Memory, 0),
                ("a".to_string(), ExternalKind::Func, 0),
                ("b".to_string(), ExternalKind::Func, 1)
            ]
        );
        assert_eq!(glue, "wasm.a(1); wasm.b(); wasm.agent_flushed; xwasm.agent_flush; wasm.memory");
    }

    #[test]
    fn replaces_whole_identifiers_only() {
        let map = HashMap::from([("__wbg_x_1".to_string(), "a".to_string())]);
        assert_eq!(replace_idents("__wbg_x_1: f, __wbg_x_12, o.__wbg_x_1", &map), "a: f, __wbg_x_12, o.a");
    }
}
